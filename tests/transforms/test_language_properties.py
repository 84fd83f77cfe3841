"""Property-based tests (hypothesis) of the language functions, through their public entry points.

Random Arabic, Latin and mixed text, empty and huge inputs, bidi controls, zero-width
characters, tatweel and combining marks: the normalisation, the numbers, the time expressions
and ``extract_events`` never crash, and every offset they return slices the text they were
given back to the string they report. Sentences are assembled from a small hand-written
vocabulary of defection reports (not from the corpus) so that events really come out and
their evidence offsets get checked.

CI runs ``CI_EXAMPLES`` examples per property; ``DEFWATCH_RELIABILITY=full`` runs
``FULL_EXAMPLES``.
"""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.records import Document
from tests.support.reliability_table import full_mode
from transforms.extract import extract_events
from transforms.normalize import normalize, normalize_with_map, words
from transforms.numbers import find_counts, parse_number_words
from transforms.timeexpr import find_time_expressions

CI_EXAMPLES = 60
FULL_EXAMPLES = 1500
EXAMPLES = FULL_EXAMPLES if full_mode() else CI_EXAMPLES
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, derandomize=not full_mode(),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Invisible and direction characters that copy-pasted Arabic text carries.
BIDI = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
MARKS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0640\u0654\u0655\u06e1"
LATIN_MARKS = "\u0300\u0301\u0308\u0327\u20dd"

# A hand-written vocabulary of report pieces (not corpus text).
OPENERS = ["", "أفادت مصادر محلية أن ", "وقال ناشطون إن ", "عاجل: ", "ذكرت شبكة محلية أن "]
TRIGGERS = ["انشق", "انشقّ", "فرّ", "هرب", "أعلن انشقاق", "تمكن من الانشقاق"]
COUNTS = ["", "21 ", "٢١ ", "سبعة ", "نحو 25 ", "ثلاثة عشر ", "عشرات ", "أكثر من 40 "]
UNITS = ["عنصرا ", "عناصر ", "مقاتلين ", "ضابطا ", "جنديا "]
ACTORS = ["من قوات الدفاع الوطني", "من الفرقة الرابعة", "من الحرس الثوري الإيراني",
          "من قوات سوريا الديمقراطية", "من الجيش الوطني", "من ميليشيا لواء فاطميون"]
PLACES = ["", " في بلدة الدوير", " في مدينة البوكمال", " في دير الزور", " بريف الرقة الشرقي",
          " قرب الميادين"]
DESTINATIONS = ["", " وانضموا إلى قسد", " وفروا إلى مناطق المعارضة", " ووصلوا إلى إدلب"]
TIMES = ["", " يوم أمس", " مطلع الشهر الجاري", " في نيسان 2021", " قبل ثلاثة أيام",
         " الأسبوع الماضي", " في 3/5/2021"]
ENDINGS = [".", "،", "!", "\n", ". ", ".\n\n"]


def _arabic_chars():
    return st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)


def _sentence(counts=COUNTS):
    parts = [OPENERS, TRIGGERS, counts, UNITS, ACTORS, PLACES, DESTINATIONS, TIMES, ENDINGS]
    return st.tuples(*(st.sampled_from(p) for p in parts)).map(
        lambda t: t[0] + t[1] + " " + "".join(t[2:]))


def _with_noise(text_strategy):
    """Text with invisible, direction and combining characters inserted at random places."""
    noise = st.sampled_from(list(BIDI + ZERO_WIDTH + MARKS + LATIN_MARKS))

    @st.composite
    def build(draw):
        text = draw(text_strategy)
        inserts = draw(st.lists(st.tuples(st.integers(0, max(0, len(text))), noise),
                                max_size=12))
        for position, char in sorted(inserts, reverse=True):
            text = text[:position] + char + text[position:]
        return text
    return build()


ANY_TEXT = st.one_of(
    st.text(max_size=300),                                         # any Unicode
    st.text(_arabic_chars(), max_size=300),                        # random Arabic block
    st.text(st.characters(codec="latin-1"), max_size=300),         # Latin
    st.lists(st.sampled_from(TRIGGERS + UNITS + ACTORS + TIMES + list(BIDI + ZERO_WIDTH)),
             max_size=40).map(" ".join),                           # report words, shuffled
    _with_noise(st.text(alphabet=st.sampled_from(
        list("abc xyz 0123456789 ٠١٢٣ انشق عنصر قوات") + list(MARKS)), max_size=200)),
)
REPORTS = _with_noise(st.lists(_sentence(), min_size=1, max_size=6).map("".join))
COUNTED_REPORTS = st.lists(_sentence([c for c in COUNTS if c]), min_size=1,
                           max_size=6).map("".join)
DATES = st.one_of(st.none(), st.dates(min_value=dt.date(1990, 1, 1),
                                      max_value=dt.date(2035, 12, 31)))


def _assert_map(text: str, out: str, index: list[int]) -> None:
    assert len(index) == len(out) + 1
    assert index[-1] == len(text)
    assert all(0 <= a <= b <= len(text) for a, b in zip(index, index[1:], strict=False))


# ----------------------------------------------------------------------------- normalisation

@pytest.mark.reliability("Random Unicode, Arabic, Latin, bidi/zero-width/combining text into "
                         "the normalisation", runs=EXAMPLES, checked="never crashes; normalize_with_map gives "
                         "the same string as normalize and a monotonic offset map ending at "
                         "len(text); normalize is idempotent")
@PROPERTY
@given(text=st.one_of(ANY_TEXT, REPORTS))
def test_normalisation_never_crashes_and_maps_back(text):
    out = normalize(text)
    mapped, index = normalize_with_map(text)
    assert mapped == out
    _assert_map(text, mapped, index)
    assert normalize(out) == out
    assert all(w and " " not in w for w in words(text))


# ----------------------------------------------------------------------------- numbers

@pytest.mark.reliability("Random and report-like text into the count finder",
                         runs=EXAMPLES, checked="never crashes; every count's start/end slice the text to "
                                 "its text; values are non-negative; ranges are ordered")
@PROPERTY
@given(text=st.one_of(ANY_TEXT, REPORTS))
def test_counts_slice_back_to_their_text(text):
    for mention in find_counts(text):
        assert text[mention.start:mention.end] == mention.text
        assert mention.value is None or mention.value >= 0
        if mention.low is not None and mention.high is not None:
            assert mention.low <= mention.high


@pytest.mark.reliability("Random words and digits into the number-word parser",
                         runs=EXAMPLES, checked="never crashes; gives a non-negative int or None")
@PROPERTY
@given(phrase=st.one_of(ANY_TEXT, st.lists(st.sampled_from(
    ["ثلاثة", "عشر", "عشرون", "و", "مئة", "ألف", "آلاف", "اثنان", "٧", "15", "1,000", "ونصف"]),
    max_size=8).map(" ".join)))
def test_number_words_parse_to_a_count_or_none(phrase):
    value = parse_number_words(phrase)
    assert value is None or (isinstance(value, int) and value >= 0)


# ----------------------------------------------------------------------------- time expressions

@pytest.mark.reliability("Random and report-like text, with and without a publication date, "
                         "into the time-expression finder",
                         runs=EXAMPLES, checked="never crashes; every mention slices the text to its text; "
                                 "start <= end when resolved")
@PROPERTY
@given(text=st.one_of(ANY_TEXT, REPORTS), published=DATES)
def test_time_expressions_slice_back_and_resolve_in_order(text, published):
    for mention in find_time_expressions(text, published):
        assert text[mention.start:mention.end] == mention.text
        if mention.date_start and mention.date_end:
            assert mention.date_start <= mention.date_end


# ----------------------------------------------------------------------------- extraction

def _check_events(doc: Document) -> list:
    events = extract_events(doc)
    for event in events:
        assert event.event_id
        for evidence in event.evidence:
            assert doc.text[evidence.start:evidence.end] == evidence.text, evidence
            assert evidence.doc_id == doc.doc_id
        assert event.count is None or event.count >= 0
    return events


@pytest.mark.reliability("Random text and noisy generated defection reports (bidi controls, "
                         "zero-width characters, combining marks inserted anywhere) into "
                         "extract_events", runs=EXAMPLES, checked="never crashes; every evidence offset "
                         "slices the cleaned text to the evidence string; the same document "
                         "gives the same event ids")
@PROPERTY
@given(text=st.one_of(ANY_TEXT, REPORTS), title=st.one_of(st.none(), ANY_TEXT),
       published=DATES)
def test_extraction_never_crashes_and_evidence_slices_the_text(text, title, published):
    doc = Document(doc_id="prop", url="https://example.org/a", title=title, text=text,
                   published=published.isoformat() if published else None)
    events = _check_events(doc)
    assert [e.event_id for e in _check_events(doc)] == [e.event_id for e in events]


@pytest.mark.reliability("Generated defection reports (trigger, count, group; no noise) "
                         "into extract_events", runs=EXAMPLES,
                         checked="at least one event per report; evidence slices the text")
@PROPERTY
@given(text=COUNTED_REPORTS)
def test_generated_reports_give_events_whose_evidence_slices_the_text(text):
    doc = Document(doc_id="gen", text=text, published="2021-05-10")
    assert _check_events(doc), text


@pytest.mark.reliability("Empty, blank and huge inputs (a 370 KB report, 200,000 tatweels, "
                         "50,000 zero-width characters, 100,000 digits, a 5,000-digit count) "
                         "into every language function", checked="never crashes; offsets still slice the text")
@pytest.mark.parametrize("text", [
    "", " ", "\n\n\n", "\u200b" * 50_000, "ـ" * 200_000,
    ("انشق 21 عنصرا من قوات الدفاع الوطني في بلدة الدوير يوم أمس. " * 6_000),
    "٣" * 100_000, "انشق " + "1" * 5_000 + " عنصرا من قوات الدفاع الوطني.",
], ids=["empty", "space", "newlines", "zero-width", "tatweel", "huge-report", "digits",
        "long-number-in-report"])
def test_empty_and_huge_inputs(text, fault_report):
    normalize(text)
    _assert_map(text, *normalize_with_map(text))
    for mention in find_counts(text):
        assert text[mention.start:mention.end] == mention.text
    for mention in find_time_expressions(text, dt.date(2021, 5, 10)):
        assert text[mention.start:mention.end] == mention.text
    _check_events(Document(doc_id="huge", text=text, published="2021-05-10"))
    fault_report.observed = f"{len(text):,} characters"
