"""Counts, time expressions and places of one sentence, offsets into the original text."""
from transforms.mentions import find_counts, find_places, find_times


def values(text):
    return [(c.value, c.qualifier) for c in find_counts(text)]


def test_counts_in_digits_words_and_qualifiers():
    assert (21, "exact") in values("فرّ 21 عنصراً من الحاجز")
    assert (16, "exact") in values("انشقَّ ستَّةَ عشرَ عنصراً")
    assert (25, "approx") in values("انشق قرابة 25 مقاتلاً")
    assert (40, "at_least") in values("تجاوز عددهم الـ40 عنصراً") or \
        (40, "at_least") in values("ما يزيد عن 40 عنصراً")
    assert (2000, "at_least") in values("وأكثر من ألفي مقاتل")
    assert (None, "none") in values("انشق عدد من العناصر")


def test_places_with_heads_and_countryside():
    places = {p.name_ar: p for p in find_places("في قرية “الطيبة” بريف الميادين الشرقي")}
    assert places["الطيبة"].kind == "village"
    assert places["ريف الميادين الشرقي"].kind == "rif"
    gov = find_places("وفي ديرالزور")[0]
    assert (gov.name_ar, gov.kind) == ("دير الزور", "governorate")
    text = "بحرستا بريف دمشق"
    assert [text[p.start:p.end] for p in find_places(text)][0] == "حرستا"


def test_time_expressions_keep_their_text():
    texts = [t.text for t in find_times("وفي مطلع الشهر الجاري فرّ العناصر", None)]
    assert any("مطلع الشهر الجاري" in t for t in texts)


def test_bare_place_after_a_verb_of_motion_and_min():
    names = [(p.name_ar, p.governorate_ar) for p in find_places("وصلوا إلى الضفة الأخرى قادمين من منبج")]
    assert ("منبج", "حلب") in names
    names = [p.name_ar for p in find_places("وقالت المصادر إن العناصر فروا من حطلة ليلاً")]
    assert "حطلة" in names
    assert find_places("هربوا من الخدمة الإلزامية") == []


def test_a_front_is_a_place_only_when_it_is_not_an_adjective_a_force_or_a_village_head():
    def names(text):
        return [p.name_ar for p in find_places(text)]
    assert names("انشقوا على جبهة دير حافر") == ["جبهة دير حافر"]
    assert names("فروا من الجبهات المتقدمة") == []
    assert names("انشق عناصر من جبهة النصرة") == []
    assert names("فروا من محور قرية الطويحينة") == ["الطويحينة"]


def test_an_area_named_with_mintaqa():
    assert [p.name_ar for p in find_places("فروا من نقطة لهم بمنطقة الصبخة")] == ["الصبخة"]
    assert find_places("في المنطقة الشرقية") == []


def test_a_clitic_does_not_make_a_word_a_place_that_keeps_its_article():
    assert find_places("انشق عناصر من فرقة السلطان مراد") == []  # not ف + (ال)رقة
    assert [p.name_ar for p in find_places("وصلوا بالرقة")] == ["الرقة"]


def test_a_definite_head_takes_an_adjective_and_a_known_first_word_ends_the_name():
    assert find_places("في عدد من أحياء المدينة سابقاً") == []
    assert [p.name_ar for p in find_places("العامل بمدينة حلب الانضمام إلى الحركة")] == ["حلب"]
    assert [p.name_ar for p in find_places("في مدينة دير الزور")] == ["دير الزور"]


def test_a_place_ends_at_its_last_naming_word_and_a_generic_name_is_no_place():
    def names(text):
        return [p.name_ar for p in find_places(text)]
    assert names("انشقوا على جبهات القتال") == []
    assert names("انشقوا على جبهات القتال المشتعلة") == []
    assert names("من مناطق وجبهات مختلفة") == []
    assert names("وصلوا إلى قاعدة لهم") == []
    assert names("وصلوا إلى منطقة عملية نبع السلام") == []
    assert names("انشقوا في ريف حماة الأخيرة") == ["ريف حماة"]
    assert names("انشقوا على جبهات عين عيسى") == ["جبهات عين عيسى"]


def test_the_countryside_of_a_town_told_before_names_no_place():
    def names(text):
        return [p.name_ar for p in find_places(text)]
    assert names("انشق عشرة عناصر في ريف المدينة") == []  # was "ريف", a broken span
    assert names("انشق عشرة عناصر في ريف البلدة الشرقي") == []
    assert names("انشق عشرة عناصر في ريف المحافظة") == []
    assert names("انشق عشرة عناصر بريف دير الزور الغربي") == ["ريف دير الزور الغربي"]
    assert "الريف الشرقي لمدينة" not in names("انشق عنصر في الريف الشرقي لمدينة حماة")


def test_qism_is_vague_only_before_min():
    from transforms.mentions import find_counts
    assert [c.value for c in find_counts("انشق قسم من العناصر")] == [None]
    assert find_counts("رئيس قسم الاتصالات في الفرقة") == ()


def test_a_bracketed_name_after_its_head_is_a_place():
    places = {p.name_ar: p for p in find_places("فروا من حاجز قرب بلدة (تل براك) بريف الحسكة")}
    assert places["تل براك"].kind == "town" and places["تل براك"].source == "pattern"


def test_an_adjective_after_a_place_head_names_no_place():
    assert find_places("فر الضابط إلى بلدة حدودية مع تركيا") == []
    assert [p.name_ar for p in find_places("في بلدة كفرنبل الحدودية")] == ["كفرنبل"]
