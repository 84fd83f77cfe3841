"""Destination phrases: groups and sides from the table, places, free text."""
from transforms.arabic_fold import fold
from transforms.destinations import destination_spans


def dests(text: str):
    folded, index = fold(text)
    return [d for _, _, d in destination_spans(folded, 0, text, index)]


def test_groups_and_sides():
    [dest] = dests("فرّ العناصر إلى مناطق سيطرة «قسد» عبر النهر")
    assert dest.id == "sdf"
    [dest] = dests("انشق الضابط وتوجه إلى الأراضي التركية")
    assert dest.id == "turkey"
    assert any(d and d.id == "hts" for d in dests("انشقت الكتيبة وانضمت إلى صفوف هيئة تحرير الشام"))
    [dest] = dests("وعبروا إلى الضفة الأخرى الخاضعة لسيطرة قوات سوريا الديمقراطية")
    assert dest.id == "sdf"


def test_places_are_not_destinations_and_free_text_keeps_the_original_spelling():
    assert dests("فرّوا نحو بادية السخنة بريف حمص") == [None]
    [dest] = dests("هرب المجندون إلى قراهم في ريف الحسكة")
    assert (dest.id, dest.name_ar) == (None, "قراهم")


def test_not_a_destination():
    assert dests("فرّ نحو عشرين مقاتلاً من الحاجز") == []
    assert dests("اعتقلت الدورية المختار بالإضافة إلى ثلاثة رجال") == []
    [dest] = dests("فرّوا بأسلحتهم إلى جهة مجهولة")
    assert dest.id == "unknown"
