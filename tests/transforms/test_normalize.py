"""Tests for transforms.normalize: the matching form of Arabic text and its offset map."""
import random

import pytest

from transforms.normalize import (
    clitic_forms,
    fold,
    fold_word,
    normalize,
    normalize_with_map,
    strip_prefixes,
    words,
)


@pytest.mark.parametrize("raw, expected", [
    ("انشقَّ عنصرٌ", "انشق عنصر"),
    ("ستَّةَ عشرَ مقاتلاً", "سته عشر مقاتلا"),
    ("قوات الـــنظام", "قوات النظام"),
    ("أحمد إبراهيم آل ٱلرحمن", "احمد ابراهيم ال الرحمن"),
    ("إلى مدينة الميادين", "الي مدينه الميادين"),
    ("مسؤول سوري رئيس", "مسوول سوري رييس"),
    ("في ٢٠٢١ و۲۱", "في 2021 و21"),
    ("«الدفاع الوطني»", '"الدفاع الوطني"'),
    ("“قسد” و‹الجيش› „الحر‟ 'X' ‘y’", '"قسد" و"الجيش" "الحر" "x" "y"'),
    ("  عناصر \n\t من   الفرقة  ", "عناصر من الفرقه"),
    ("SDF Forces", "sdf forces"),
    ("ﻻ يوجد", "لا يوجد"),  # presentation-form ligature, NFKC
    ("انشق\u200fاق", "انشقاق"),  # invisible direction mark
    ("بِسْمِ ٱللَّٰهِ", "بسم الله"),  # superscript alef U+0670
    ("ذٰلِكَ ۖ الكتاب", "ذلك الكتاب"),  # Quranic pause mark
    ("ی ک", "ي ك"),  # Persian letters
    ("", ""),
])
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize("raw", [
    "انشقَّ ستَّةَ عشرَ عنصراً من «الدفاع الوطني» في ٢٠٢١",
    "  قوات الـــنظام \n\n فرّوا إلى ريف دير الزور  ",
    "ﻻ e\u0301 ا\u0654 ﷺ",
    "",
    "   ",
])
def test_map_matches_normalize(raw):
    out, index = normalize_with_map(raw)
    assert out == normalize(raw)
    assert len(index) == len(out) + 1
    assert index[-1] == len(raw)
    assert index == sorted(index)


def test_map_spans_point_back_into_original():
    raw = "أعلن مصدر أنّ ٢١ عنصراً من «الدفاعِ الوطنيّ» انشقّوا"
    out, index = normalize_with_map(raw)
    start = out.index("الدفاع الوطني")
    end = start + len("الدفاع الوطني")
    assert raw[index[start]:index[end]] == "الدفاعِ الوطنيّ"
    start = out.index("21")
    assert raw[index[start]:index[start + 2]] == "٢١"
    start = out.index("انشقوا")
    assert raw[index[start]:index[start + 6]] == "انشقّوا"


def test_map_whitespace_and_each_char_origin():
    raw = "قوات \t\n النظامـــ"
    out, index = normalize_with_map(raw)
    assert out == "قوات النظام"
    assert raw[index[4]] == " "
    for i, char in enumerate(out):
        if char != " ":
            assert normalize(raw[index[i]:index[i + 1]]) == char


def test_map_random_texts_agree_with_normalize():
    rng = random.Random(7)
    alphabet = list("ابتجحدرسعلمنهويءأإآىةؤئ٠١۲ َُِّْـًٌ«»\"\n") + ["\u200f", "ﻻ", "\u0654", "E"]
    for _ in range(300):
        raw = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 25)))
        out, index = normalize_with_map(raw)
        assert out == normalize(raw)
        assert len(index) == len(out) + 1 and index[-1] == len(raw)


@pytest.mark.parametrize("word, expected", [
    ("الجيش", "جيش"),
    ("والجيش", "جيش"),
    ("بالقرب", "قرب"),
    ("فالمنشقين", "منشقين"),
    ("وبالسلاح", "سلاح"),
    ("كالعاده", "عاده"),
    ("للجيش", "جيش"),
    ("وللقوات", "قوات"),
    ("الي", "الي"),  # too short after stripping
    ("ال", "ال"),
    ("وكاله", "وكاله"),  # و/ك without the article are kept
    ("بلده", "بلده"),
    ("عنصرا", "عنصرا"),
    ("والد", "والد"),  # one letter after "ال"
    ("فالجبل", "جبل"),
    ("بالجبل", "جبل"),
    ("لالجبل", "جبل"),  # ل with the article written whole
])
def test_strip_prefixes(word, expected):
    assert strip_prefixes(word) == expected


@pytest.mark.parametrize("word, kwargs, expected", [
    # no clitic letter in front: the whole word only
    ("جيش", {}, [(0, "جيش")]),
    ("", {}, [(0, "")]),
    # conjunction, then preposition; the article stays on the stem
    ("وبالكتيبه", {}, [(0, "وبالكتيبه"), (1, "بالكتيبه"), (2, "الكتيبه")]),
    ("فكتيبه", {}, [(0, "فكتيبه"), (1, "كتيبه"), (2, "تيبه")]),
    # a preposition is not a conjunction: no و/ف after it
    ("بوحده", {}, [(0, "بوحده"), (1, "وحده")]),
    # ل before the article hides its alef: both readings, the article written out in the second
    ("للجيش", {}, [(0, "للجيش"), (1, "الجيش"), (1, "لجيش")]),
    ("وللجيش", {}, [(0, "وللجيش"), (1, "للجيش"), (2, "الجيش"), (2, "لجيش")]),
    # preps narrows the prepositions: without ك the word stays whole; without ل, no لل reading
    ("كالعاده", {}, [(0, "كالعاده"), (1, "العاده")]),
    ("كالعاده", {"preps": "بل"}, [(0, "كالعاده")]),
    ("وكتيبه", {"preps": "بل"}, [(0, "وكتيبه"), (1, "كتيبه")]),
    ("للجيش", {"preps": "بك"}, [(0, "للجيش")]),
    ("بلده", {"preps": "بل"}, [(0, "بلده"), (1, "لده")]),
    # min_stem: letters that must stay after a cut (the elided article's ل among them)
    ("وبها", {}, [(0, "وبها"), (1, "بها"), (2, "ها")]),
    ("وبها", {"min_stem": 3}, [(0, "وبها"), (1, "بها")]),
    ("وبها", {"min_stem": 4}, [(0, "وبها")]),
    ("لله", {}, [(0, "لله"), (1, "اله"), (1, "له")]),
    ("لله", {"min_stem": 0}, [(0, "لله"), (1, "اله"), (1, "له")]),
    ("لله", {"min_stem": 3}, [(0, "لله")]),
    ("للجبل", {"min_stem": 3}, [(0, "للجبل"), (1, "الجبل"), (1, "لجبل")]),
    ("للجبل", {"min_stem": 4}, [(0, "للجبل"), (1, "الجبل"), (1, "لجبل")]),
    ("للجبل", {"min_stem": 5}, [(0, "للجبل")]),
    ("وللواء", {"min_stem": 4}, [(0, "وللواء"), (1, "للواء"), (2, "الواء"), (2, "لواء")]),
    ("ولكتيبه", {"min_stem": 5}, [(0, "ولكتيبه"), (1, "لكتيبه"), (2, "كتيبه")]),
    ("ولكتيبه", {"min_stem": 6}, [(0, "ولكتيبه"), (1, "لكتيبه")]),
    ("و", {"min_stem": 0}, [(0, "و"), (1, "")]),
    ("و", {}, [(0, "و")]),
    # both switches at once
    ("وكالجبل", {"preps": "بل", "min_stem": 3}, [(0, "وكالجبل"), (1, "كالجبل")]),
    ("وبالجبل", {"preps": "بل", "min_stem": 5}, [(0, "وبالجبل"), (1, "بالجبل"), (2, "الجبل")]),
    ("وبالجبل", {"preps": "بل", "min_stem": 6}, [(0, "وبالجبل"), (1, "بالجبل")]),
    # lam_is_article: "لل" read only as ل + the article, never as ل before a word starting with ل
    ("للجيش", {"lam_is_article": True}, [(0, "للجيش"), (1, "الجيش")]),
    ("وللجيش", {"lam_is_article": True}, [(0, "وللجيش"), (1, "للجيش"), (2, "الجيش")]),
    ("للتل", {"min_stem": 3, "lam_is_article": True}, [(0, "للتل"), (1, "التل")]),
    ("للتل", {"min_stem": 4, "lam_is_article": True}, [(0, "للتل")]),
    # only "لل" is read otherwise: other prepositions keep their one reading
    ("لكتيبه", {"lam_is_article": True}, [(0, "لكتيبه"), (1, "كتيبه")]),
    ("بلده", {"lam_is_article": True}, [(0, "بلده"), (1, "لده")]),
    ("للجيش", {"preps": "بك", "lam_is_article": True}, [(0, "للجيش")]),
])
def test_clitic_forms(word, kwargs, expected):
    assert list(clitic_forms(word, **kwargs)) == expected


def test_strip_prefixes_is_the_article_reading_of_clitic_forms():
    assert strip_prefixes("لله") == "لله"  # ل + the article + one letter: too short
    assert strip_prefixes("للجبل") == "جبل"  # ل + the article, not ل + لجبل
    assert strip_prefixes("وبكتيبه") == "وبكتيبه"  # clitics without the article stay


def test_words():
    assert words("انشقَّ ٢١ عنصراً، من «قسد»؛ (Reuters) والـجيش!") == [
        "انشق", "21", "عنصرا", "من", "قسد", "reuters", "والجيش"]
    assert words("") == []
    assert words("، . !") == []


# ----------------------------------------------------------------------------- fold()


def test_fold_letters_digits_quotes_and_inner_dots():
    text = "انشقـ.ـاق ستَّةَ عناصر من “قسد” #جيش_العشائر ١٢ إلى الرقة"
    folded, index = fold(text)
    assert folded.split() == ["انشقاق", "سته", "عناصر", "من", "قسد", "جيش", "العشاير", "12",
                              "الي", "الرقه"]
    assert len(index) == len(folded) + 1 and index[-1] == len(text)
    start = folded.index("قسد")
    assert text[index[start]:index[start + 3]] == "قسد"
    start = folded.index("12")
    assert text[index[start]:index[start + 2]] == "١٢"


def test_fold_word_collapses_spaces():
    assert fold_word("  مدينة   البوكمال ") == "مدينه البوكمال"


def test_fold_reads_arabic_presentation_forms_as_letters():
    from transforms.normalize import fold
    shaped = "\ufed3\ufeae\ufe8d\ufead\ufeea \ufefb"  # "فراره لا" drawn with presentation forms
    folded, index = fold(shaped)
    assert folded == "فراره لا"
    assert [shaped[index[i]] for i in (0, 6, 7)] == ["\ufed3", "\ufefb", "\ufefb"]  # ligature: 2
    assert index[-1] == len(shaped)
