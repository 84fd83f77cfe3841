"""Units recognised by the shape of their name (sentences written for these tests)."""
import pytest

from transforms.normalize import fold
from transforms.units import find_units, head_noun


def units(text: str) -> list[tuple[str, str]]:
    folded, index = fold(text)
    return [(folded[u.start:u.end], u.shape) for u in find_units(folded, text, index)]


@pytest.mark.parametrize("text, expected", [
    ("انشق عناصر من الفرقة 17 في الرقة", [("الفرقه 17", "number")]),
    ("انشق عناصر من الفرقة السابعة عشرة أمس", [("الفرقه السابعه عشره", "ordinal")]),
    ("فرّ عنصران من الفرقة الـ18", [("الفرقه ال18", "number")]),
    ("أعلن قائد مجلس الميادين العسكري انشقاقه", [("مجلس الميادين العسكري", "name")]),
    ("انشقت كتيبة أسود الشرقية عن الفصيل", [("كتيبه اسود الشرقيه", "name")]),
    ("انشق عناصر ميليشيا “الصقور الحمر” أمس", [("ميليشيا  الصقور الحمر", "quoted")]),
    ("انشقت مجموعة المدعو “أبو خالد” عن الفصيل", [("مجموعه المدعو  ابو خالد", "quoted")]),
    ("انشقت سرية الشهيد عمر العلي عن اللواء", [("سريه الشهيد عمر العلي", "person")]),
])
def test_unit_names_by_shape(text, expected):
    assert units(text)[:1] == expected


def test_a_name_ends_at_a_preposition_a_verb_or_a_new_unit():
    found = units("انشقت كتيبة النصر في ريف حلب ولواء الفجر يعلن الاستنفار")
    assert [name for name, _ in found] == ["كتيبه النصر", "لواء الفجر"]


def test_common_nouns_after_a_head_are_no_unit():
    assert units("وصلت قوات كبيرة إلى المنطقة ومجموعة من العناصر") == []


def test_a_rank_before_a_name_is_not_a_brigade():
    # the rank is no unit; "عن الجيش" is a bare head tied to the act (kept, shape "bare")
    assert units("انشق اللواء عبد الله الأحمد عن الجيش") == [("الجيش", "bare")]
    assert units("انشق عناصر من اللواء 47") == [("اللواء 47", "number")]


def test_a_quoted_word_is_no_unit():
    assert units("انشقوا عن “جيش الصحراء” أمس") == [("جيش الصحراء", "name")]
    assert units("قال إن العملية كانت “ناجحة” جداً") == []


def test_head_nouns_with_clitics():
    assert head_noun("الكتيبه") == ("كتيبه", 0)
    assert head_noun("وكتيبه") == ("كتيبه", 1)
    assert head_noun("بالفرقه") == ("فرقه", 1)
    assert head_noun("وللواء") == ("لواء", 2)  # و + ل + لواء
    assert head_noun("كتاب") is None


def test_a_definite_head_takes_no_indefinite_word_as_its_name():
    # "الكتيبة" + a word without the article is the next clause, not the unit's name; the unit
    # that issues a statement is a bare head (the last كتيبة named)
    assert units("وأصدرت الكتيبة بياناً أعلنت فيه انشقاقها") == [("الكتيبه", "bare")]
    assert units("وأصدر الجيش بياناً") == [("الجيش", "bare")]
    assert units("ورأت الكتيبة بياناً") == []
    assert units("انشقاق مجموعات من الجبهة وتسليمهم السلاح") == [("الجبهه", "bare")]


def test_a_bare_head_tied_to_people_is_kept():
    assert units("فر 3 من أفراد الجيش في المنطقة") == [("الجيش", "bare")]
    assert units("وصل الجيش إلى المنطقة") == []  # not tied to anybody


def test_a_verb_spelt_like_a_head_is_no_unit():
    # "أمّن" (secured, with its shadda) folds like "أمن" (security): no unit "أمن الجيش …"
    assert units("أمّن الجيش التركي خروج قيادي") == [("الجيش التركي", "name")]
    assert units("انشق ضابط من أمن الدولة") == [("امن الدوله", "name")]


def test_the_bare_name_of_a_force_tied_to_people():
    assert units("انشق 25 عنصراً من النظام بعد دعوات") == [("النظام", "bare")]
    assert units("سقط النظام أمس") == []  # nobody's force: not tied to people


@pytest.mark.parametrize("text", [
    "ونقل موقع “صدى الوادي” أن عشرة عناصر انشقوا",
    "وقال مراسل “أخبار الساحل” إن الضابط فرّ",
    "وبحسب “المرصد المستقل”، انشق ثلاثة عناصر",
    "وانشق القيادي “أبو سعيد” مع مرافقيه",
    "انشق عنصر خلال عملية “فجر الجبال” الأخيرة",
])
def test_a_quoted_name_after_an_outlet_a_source_or_a_person_word_is_no_unit(text):
    assert units(text) == []


def test_a_quoted_name_after_other_words_is_still_a_unit():
    assert units("انشق عناصر من “صقور البادية” أمس") == [("صقور الباديه", "quoted")]
    assert units("وانشق ثلاثة من “أسود الوادي” الذي يسمى “حراس الوادي” أيضاً") == [
        ("اسود الوادي", "quoted"), ("حراس الوادي", "quoted")]
