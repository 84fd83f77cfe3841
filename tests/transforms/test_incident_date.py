"""Tests for transforms.incident_date: which time expression dates an incident, and how."""
from __future__ import annotations

import datetime as dt

import pytest

from schemas.records import DateRange
from transforms.incident_date import incident_date, parse_published

PUB = "2021-05-20"  # a Thursday


def date_of(text: str, sentence: str, published=PUB, anchor_word: str | None = None):
    """incident_date() of the sentence ``sentence`` inside ``text``."""
    start = text.index(sentence)
    anchor = text.index(anchor_word) if anchor_word else None
    return incident_date(text, [(start, start + len(sentence))], published, anchor)


def test_the_time_in_the_evidence_sentence_dates_the_incident():
    text = "انشق 12 عنصراً من الدفاع الوطني مطلع الشهر الجاري في الدوير."
    assert date_of(text, text) == DateRange(start="2021-05-01", end="2021-05-10",
                                            text_ar="مطلع الشهر الجاري", precision="week")


def test_no_time_anywhere_is_unknown_never_today():
    text = "انشق 12 عنصراً من الدفاع الوطني في الدوير. ووصلوا إلى مناطق قسد."
    sentence = "انشق 12 عنصراً من الدفاع الوطني في الدوير."
    assert date_of(text, sentence) == DateRange(precision="unknown")
    assert date_of(text, sentence, published=None) == DateRange(precision="unknown")


def test_a_relative_time_without_publication_date_keeps_its_text():
    text = "فرّ سبعة عناصر من اللواء 47 أمس الاثنين."
    assert date_of(text, text, published=None) == DateRange(text_ar="أمس الاثنين",
                                                            precision="unknown")


def test_the_weekday_of_a_compound_decides_the_day():
    text = "فرّ سبعة عناصر من اللواء 47 أمس الاثنين."  # published on Thursday: Monday the 17th
    date = date_of(text, text)
    assert (date.start, date.end, date.text_ar, date.precision) == (
        "2021-05-17", "2021-05-17", "أمس الاثنين", "day")


def test_a_written_date_beats_the_words_around_it():
    text = "انشقت مجموعة اليوم الأحد 18 يناير 2026 في الرقة."
    date = date_of(text, text, published="2026-01-19")
    assert (date.start, date.text_ar) == ("2026-01-18", "اليوم الأحد 18 يناير 2026")


def test_a_lead_time_in_the_sentence_before_dates_the_incident():
    text = ("أفادت مصادر محلية خلال الـ 72 ساعة الماضية بتطورات في ريف إدلب. "
            "وانشقت كتيبة خطاب عن لواء العباس في قرية معرشورين.")
    date = date_of(text, "وانشقت كتيبة خطاب عن لواء العباس في قرية معرشورين.")
    assert (date.start, date.end, date.precision) == ("2021-05-17", "2021-05-20", "week")


def test_a_month_in_a_neighbouring_sentence_dates_something_else():
    text = "تأسس اللواء في آذار 2015. وانشق 5 من عناصره في دير الزور."
    assert date_of(text, "وانشق 5 من عناصره في دير الزور.").precision == "unknown"


def test_the_report_time_gives_way_to_the_incident_time():
    text = "قال نشطاء الأحد إن 12 عنصراً انشقوا عن فرع المخابرات أثناء الليل."
    date = date_of(text, text, published="2011-12-04")
    assert (date.text_ar, date.start, date.end) == ("أثناء الليل", "2011-12-03", "2011-12-04")


def test_a_birth_year_is_no_incident_date():
    text = "أعلن القيادي، وهو من مواليد الرقة عام 1973، انشقاقه عن قسد."
    assert date_of(text, text).precision == "unknown"


def test_the_anchor_picks_the_nearest_time():
    text = "بعد أن جنّدتهم قسد مطلع العام الجاري في صفوفها بالقوة، انشق 20 عنصراً أمس في الشدادي."
    date = date_of(text, text, anchor_word="انشق")
    assert (date.text_ar, date.start) == ("أمس", "2021-05-19")
    assert date_of(text, text).text_ar == "مطلع العام الجاري"  # no anchor: the first


def test_a_later_evidence_sentence_can_date_the_incident():
    text = "انشق 20 عنصراً من قسد في الشدادي. وكان ذلك في 3 أيار 2021 بحسب المصادر."
    first, second = "انشق 20 عنصراً من قسد في الشدادي.", "وكان ذلك في 3 أيار 2021 بحسب المصادر."
    spans = [(text.index(s), text.index(s) + len(s)) for s in (first, second)]
    assert incident_date(text, spans, None).start == "2021-05-03"


@pytest.mark.parametrize("expression, precision", [
    ("مطلع العام الجاري", "month"),  # a part of a year (a season) is month precision
    ("ربيع 2019", "month"),
    ("عام 2019", "year"),
    ("في بداية الأزمة السورية", "year"),
    ("خلال اليومين الماضيين", "week"),
    ("أثناء الليل", "day"),
])
def test_precisions_are_the_events_own(expression, precision):
    text = f"انشق عشرة عناصر {expression}."
    assert date_of(text, text).precision == precision


@pytest.mark.parametrize("value, expected", [
    ("2021-05-20", dt.date(2021, 5, 20)),
    ("2021-05-20T23:10:00Z", dt.date(2021, 5, 20)),
    (dt.datetime(2021, 5, 20, 8), dt.date(2021, 5, 20)),
    ("yesterday", None), ("", None), (None, None),
])
def test_publication_dates_are_read_leniently(value, expected):
    assert parse_published(value) == expected


def test_spans_outside_the_text_give_unknown():
    assert incident_date("قصير", [(50, 80)], PUB) == DateRange(precision="unknown")
