"""Tests for transforms.numbers: counts, qualifiers, vague amounts and what is not a count."""
import time

import pytest

from transforms.numbers import CountMention, find_counts, parse_number_words


def one(text: str) -> CountMention:
    """The single count found in ``text``."""
    found = find_counts(text)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("phrase, value", [
    ("ستة عشر", 16),
    ("ستَّةَ عشرَ", 16),
    ("خمسة وعشرين", 25),
    ("خمسةٌ وعشرون", 25),
    ("خمس و عشرين", 25),
    ("واحد وعشرون", 21),
    ("اثنان وثلاثون", 32),
    ("مئتين", 200),
    ("مائتان", 200),
    ("مئة", 100),
    ("مائة وخمسون", 150),
    ("ثلاثمئة", 300),
    ("ثلاثمائة", 300),
    ("ثلاث مئة", 300),
    ("مئة وخمسة عشر", 115),
    ("ألف", 1000),
    ("ألفين", 2000),
    ("ثلاثة آلاف", 3000),
    ("عشرة آلاف", 10000),
    ("ألف وخمسمئة", 1500),
    ("أحد عشر", 11),
    ("إحدى عشرة", 11),
    ("اثنا عشر", 12),
    ("اثني عشر", 12),
    ("ثلاثة عشر", 13),
    ("تسعة عشر", 19),
    ("عشرة", 10),
    ("عشر", 10),
    ("تسعين", 90),
    ("ثمانية", 8),
    ("ثماني", 8),
    ("21", 21),
    ("٢١", 21),
    ("۲۱", 21),
    ("1,200", 1200),
])
def test_parse_number_words(phrase, value):
    assert parse_number_words(phrase) == value


@pytest.mark.parametrize("phrase", ["", "عنصر", "خمسة ستة", "عشرون خمسة", "2.5", "خمسة!"])
def test_parse_number_words_rejects(phrase):
    assert parse_number_words(phrase) is None


@pytest.mark.parametrize("text, value, noun, span", [
    ("انشق 21 عنصراً من الدفاع الوطني في بلدة الطيانة", 21, "عنصر", "21 عنصراً"),
    ("فرّ ٢١ مقاتلا إلى مناطق سيطرة قسد", 21, "مقاتل", "٢١ مقاتلا"),
    ("فرّ ۲۱ جندياً من مواقعهم", 21, "جندي", "۲۱ جندياً"),
    ("انشق ستَّةَ عشرَ عنصراً من الفرقة الرابعة", 16, "عنصر", "ستَّةَ عشرَ عنصراً"),
    ("وانشق خمسة وعشرون مقاتلاً", 25, "مقاتل", "خمسة وعشرون مقاتلاً"),
    ("انشق سبعة من عناصر اللواء 47", 7, "عنصر", "سبعة من عناصر"),
    ("انشق ثلاثة من أبرز قادة الميليشيا", 3, "قايد", "ثلاثة من أبرز قادة"),
    ("هرب ثمانية ضباط برتبة ملازم", 8, "ضابط", "ثمانية ضباط"),
    ("التحق 12 شاباً بصفوف الجيش الحر", 12, "شاب", "12 شاباً"),
    ("سلّم 4 أشخاص أنفسهم", 4, "شخص", "4 أشخاص"),
    ("فرّ 9 عسكريين من الثكنة", 9, "عسكري", "9 عسكريين"),
    ("وصل 6 منشقين إلى الشمال", 6, "منشق", "6 منشقين"),
    ("انشق مئتا عنصر", 200, "عنصر", "مئتا عنصر"),
    ("فرّ 3 آلاف شخص من المعسكر", 3000, "شخص", "3 آلاف شخص"),
    ("وشهد العام انشقاق 2000 مقاتل", 2000, "مقاتل", "2000 مقاتل"),
    ("انشق 15 من العناصر", 15, "عنصر", "15 من العناصر"),
    ("انشق 5", 5, None, "5"),
])
def test_exact_counts(text, value, noun, span):
    count = one(text)
    assert (count.value, count.qualifier, count.noun, count.text) == (value, "exact", noun, span)
    assert text[count.start:count.end] == count.text


@pytest.mark.parametrize("text, noun, span", [
    ("انشق عنصرين من الأمن العسكري", "عنصر", "عنصرين"),
    ("وانشق ضابطان برتبة ملازم", "ضابط", "ضابطان"),
    ("فرّ جنديين من الحاجز", "جندي", "جنديين"),
    ("فرّ مقاتلَين اثنين من قوات النظام", "مقاتل", "مقاتلَين اثنين"),
    ("انشق العنصرين الاثنين", "عنصر", "العنصرين الاثنين"),
    ("هرب شابين من التجنيد", "شاب", "شابين"),
])
def test_dual_nouns_are_two(text, noun, span):
    count = one(text)
    assert (count.value, count.qualifier, count.noun, count.text) == (2, "exact", noun, span)


def test_undiacritized_sound_plural_is_not_dual():
    assert find_counts("وصل مقاتلين من قسد إلى المنطقة") == []


@pytest.mark.parametrize("text, noun, span", [
    ("انشق عنصر واحد فقط", "عنصر", "عنصر واحد"),
    ("انشق أحد عناصر الدفاع الوطني", "عنصر", "أحد عناصر"),
    ("فرّ إحدى المجندات", "مجنده", "إحدى المجندات"),
    ("انشق واحد من المقاتلين", "مقاتل", "واحد من المقاتلين"),
])
def test_one_next_to_a_noun(text, noun, span):
    count = one(text)
    assert (count.value, count.noun, count.text) == (1, noun, span)


@pytest.mark.parametrize("text", [
    "لم يبق أحد في القرية",
    "قال واحد من الأهالي",  # one of the inhabitants: not a counted noun
    "وقع الهجوم يوم الأحد",
    "فجر الاثنين الماضي",
])
def test_one_without_noun_is_not_a_count(text):
    assert find_counts(text) == []


@pytest.mark.parametrize("text, value, qualifier, low, high, span", [
    ("قرابة الـ25 عنصراً من الدفاع الوطني", 25, "approx", None, None, "قرابة الـ25 عنصراً"),
    ("قرابة 25 عنصراً", 25, "approx", None, None, "قرابة 25 عنصراً"),
    ("نحو ثلاثين مقاتلاً", 30, "approx", None, None, "نحو ثلاثين مقاتلاً"),
    ("حوالي 40 جندياً", 40, "approx", None, None, "حوالي 40 جندياً"),
    ("حوالى 40 جندياً", 40, "approx", None, None, "حوالى 40 جندياً"),
    ("زهاء مئة عنصر", 100, "approx", None, None, "زهاء مئة عنصر"),
    ("ما يقارب ٣٠ عنصراً", 30, "approx", None, None, "ما يقارب ٣٠ عنصراً"),
    ("انشق 25 عنصرا تقريباً", 25, "approx", None, None, "25 عنصرا تقريباً"),
    ("أكثر من ثلاثين مقاتلاً", 30, "at_least", 30, None, "أكثر من ثلاثين مقاتلاً"),
    ("ما يزيد عن 40 جندياً", 40, "at_least", 40, None, "ما يزيد عن 40 جندياً"),
    ("ما يزيد على 40 جندياً", 40, "at_least", 40, None, "ما يزيد على 40 جندياً"),
    ("ما لا يقل عن عشرة عناصر", 10, "at_least", 10, None, "ما لا يقل عن عشرة عناصر"),
    ("أزيد من 20 شاباً", 20, "at_least", 20, None, "أزيد من 20 شاباً"),
    ("انشق 10 عناصر أو أكثر", 10, "at_least", 10, None, "10 عناصر أو أكثر"),
    ("أقل من عشرين عنصراً", 20, "approx", None, 20, "أقل من عشرين عنصراً"),
    ("بين 10 و15 عنصراً", 15, "approx", 10, 15, "بين 10 و15 عنصراً"),
    ("ما بين عشرة وخمسة عشر مقاتلاً", 15, "approx", 10, 15, "بين عشرة وخمسة عشر مقاتلاً"),
    ("انشق 10 إلى 15 عنصراً", 15, "approx", 10, 15, "10 إلى 15 عنصراً"),
    ("انشق 10-15 عنصراً", 15, "approx", 10, 15, "10-15 عنصراً"),
    ("انشق خمسة أو ستة عناصر", 6, "approx", 5, 6, "خمسة أو ستة عناصر"),
])
def test_qualifiers_and_ranges(text, value, qualifier, low, high, span):
    count = one(text)
    assert (count.value, count.qualifier, count.low, count.high, count.text) == (
        value, qualifier, low, high, span)


@pytest.mark.parametrize("text, span, noun", [
    ("انشق عدد من عناصر الفرقة 17", "عدد من", "عنصر"),
    ("انشق عدد كبير من المقاتلين", "عدد كبير من", "مقاتل"),
    ("فرّ عشرات العناصر", "عشرات", "عنصر"),
    ("فرّ العشرات من الجنود", "العشرات", "جندي"),
    ("انشقت مجموعة من الشبان", "مجموعة من", "شاب"),
    ("وانشقت مجموعات من الميليشيا", "مجموعات", None),
    ("هرب مئات المجندين", "مئات", "مجند"),
    ("انشق بضعة ضباط", "بضعة", "ضابط"),
    ("وفرّ عدة عناصر", "عدة", "عنصر"),
    ("انشق بعض العناصر", "بعض", "عنصر"),
    ("وبضعة ضباط", "بضعة", "ضابط"),
])
def test_vague_amounts(text, span, noun):
    count = one(text)
    assert (count.value, count.qualifier, count.low, count.high) == (None, "none", None, None)
    assert (count.text, count.noun) == (span, noun)
    assert text[count.start:count.end] == span


@pytest.mark.parametrize("text", [
    "في عام 2021 شهدت المنطقة توتراً",
    "خلال ٢٠٢١ تصاعدت الانشقاقات",
    "في نيسان 2021",
    "في 5 أيار",
    "في ٥ من أيار",
    "الخامس من أيار",
    "في 12/5/2021",
    "عند الساعة 10:30 صباحاً",
    "الساعة 10 صباحاً",
    "عناصر اللواء 47",
    "عناصر اللواء الـ47",
    "الفرقة 17 احتياط",
    "الفرقة الرابعة",
    "الفوج 137",
    "شاب (30 عاماً)",
    "البالغ من العمر 30",
    "بعمر 22",
    "مقابل 500 دولار",
    "راتب 300 ألف ليرة",
    "بنسبة 30%",
    "30 في المئة",
    "خلال 3 أيام",
    "قبل ستة أشهر",
    "منذ ثلاث سنوات",
    "على بعد 5 كم",
    "سقطت 12 قذيفة",
    "رقم الهاتف 0933123456",
    "بلغت 2.5",
])
def test_not_counts(text):
    assert find_counts(text) == []


def test_several_counts_in_one_sentence():
    text = "انشق 7 عناصر من اللواء 47 في أيار 2021، وفرّ عشرات آخرون، ثم انشق ضابطان"
    found = find_counts(text)
    assert [(c.value, c.qualifier, c.noun) for c in found] == [
        (7, "exact", "عنصر"), (None, "none", None), (2, "exact", "ضابط")]
    assert [text[c.start:c.end] for c in found] == ["7 عناصر", "عشرات", "ضابطان"]


def test_prefixed_number_words():
    assert one("انشق بثلاثة عناصر").value == 3
    assert one("ومعه الخمسة عناصر").value == 5
    assert find_counts("لست متأكداً") == []


def test_find_counts_is_fast():
    sentence = ("وأفادت مصادر محلية بانشقاق قرابة 25 عنصراً من الدفاع الوطني في مدينة الميادين "
                "مطلع الشهر الجاري، بينهم ضابطان، وفرّ عشرات آخرون إلى مناطق قسد عام 2021.")
    find_counts(sentence)
    start = time.perf_counter()
    for _ in range(200):
        find_counts(sentence)
    assert (time.perf_counter() - start) / 200 < 0.005


@pytest.mark.parametrize("text, value, qualifier", [
    ("تجاوز عددهم الـ40 عنصراً", 40, "exact"),  # the verb is not right before the number
    ("وعدد المنشقين تجاوز الـ40 عنصراً", 40, "at_least"),
    ("ويضم وأكثر من ألفي مقاتل", 2000, "at_least"),
    ("ونحو عشرين عنصراً", 20, "approx"),
    ("ناهز عددهم", None, None),
])
def test_verb_and_prefixed_qualifiers(text, value, qualifier):
    found = [(c.value, c.qualifier) for c in find_counts(text)]
    assert found == ([(value, qualifier)] if value else [])


@pytest.mark.parametrize("text, expected", [
    ("فرار مجموعة مؤلفة من سبعة عناصر", [(7, "exact", "عنصر", "سبعة عناصر")]),
    ("انشقاق مجموعة مكونة من 15 عنصراً", [(15, "exact", "عنصر", "15 عنصراً")]),
    ("انشقت مجموعة، وفرّ 3 عناصر", [(None, "none", None, "مجموعة"), (3, "exact", "عنصر",
                                                                    "3 عناصر")]),
    ("العشرات من مقاتلي الميليشيا", [(None, "none", "مقاتل", "العشرات")]),
    ("فقدان 11 من عناصرها", [(11, "exact", "عنصر", "11 من عناصرها")]),
    ("انشقاق ألف عنصر", [(1000, "exact", "عنصر", "ألف عنصر")]),
    ("قائد الفرقة السابعة عشر", []),
    ("أعمارهم بين 20 – 18 عاماً", []),
    ("وفق شبكة SY24 المحلية", []),
    ("الثلاثاء 02/أغسطس/2016 - 12:53", []),
    ("الأحد ٤ رمضان ١٤٤٤ هجرياً", []),
    ("كتب بحرف ألف", []),
])
def test_context_rules(text, expected):
    assert [(c.value, c.qualifier, c.noun, c.text) for c in find_counts(text)] == expected


def test_feminine_adjective_is_not_the_counted_noun():
    assert [(c.value, c.noun) for c in find_counts("ضم الرتل 30 عربة عسكرية")] == [(30, None)]
