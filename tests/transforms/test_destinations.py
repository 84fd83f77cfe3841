"""Destination phrases: groups and sides from the table, places, free text."""
from pathlib import Path

import yaml

from transforms import actors
from transforms.destinations import destination_spans
from transforms.normalize import fold


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


def test_motion_verb_forms_and_joining_verbs():
    [dest] = dests("انشقت سرية من العناصر والتحقت بصفوف فيلق الشام دون معرفة عددهم")
    assert dest.id == "faylaq_al_sham"
    [dest] = dests("فرّوا من مواقعهم ولجؤوا إلى مناطق قوات سوريا الديمقراطية")
    assert dest.id == "sdf"
    [dest] = dests("تحدثت مصادر عن فرار العناصر وانتقالهم إلى مناطق \"قسد\" شرق النهر")
    assert dest.id == "sdf"
    [dest] = dests("انشق ضابطان وفرّا إلى الأراضي اللبنانية")
    assert dest.id == "lebanon"


def test_generic_side_keeps_the_words_of_the_text():
    [dest] = dests("انشقت مجموعة وتوجهت نحو مناطق سيطرة الفصائل في ريف حماة")
    assert (dest.id, dest.name_ar) == ("opposition", "الفصائل")
    [dest] = dests("أعلنوا انشقاقهم وانضمامهم إلى مقاتلي العشائر في ريف الرقة")
    assert (dest.id, dest.name_ar) == ("tribal_forces", "مقاتلي العشائر")
    [dest] = dests("وصلوا إلى مناطق سيطرة فصائل المعارضة في جبل الزاوية")
    assert dest.id == "opposition"


def test_receiving_unit_gives_its_side():
    [dest] = dests("فرّ الجنديان وسلّما نفسيهما لحرس الحدود التركي قرب الريحانية")
    assert dest.id == "turkey"
    [dest] = dests("وسلّموا أنفسهم لدورية تابعة للجيش الأردني")
    assert dest.id == "jordan"
    [dest] = dests("ووصلوا إلى إحدى نقاط الفيلق الثالث قرب مارع")
    assert dest.id == "third_corps"
    assert "الجيش الوطني السوري" in dest.name_ar


def test_possessive_areas_point_to_the_subject_or_to_nothing():
    [dest] = dests("أعلنت الجبهة الشامية وصول أربعة منشقين عن النظام إلى مناطقها قادمين من حلب")
    assert dest.id == "levant_front"
    [dest] = dests("واحتجزت قسد العناصر الفارين بعد وصولهم إلى مناطق سيطرتها")
    assert dest.id == "sdf"
    [dest] = dests("وصل المنشقون إلى مناطقهم بعد رحلة طويلة")
    assert dest.id == "unknown"


def test_named_areas_of_control_and_foreign_forces():
    [dest] = dests("فرّوا إلى مناطق نبع السلام شمال الحسكة")
    assert (dest.id, dest.name_ar) == ("peace_spring_area", "منطقة نبع السلام")
    [dest] = dests("هربوا إلى منطقة درع الفرات")
    assert dest.id == "euphrates_shield_area"
    [dest] = dests("وسلّموا أنفسهم للقوات الأمريكية في قاعدة التنف")
    assert dest.id == "us_forces"
    [dest] = dests("فرّ الضابط إلى إقليم كردستان العراق")
    assert dest.id == "kurdistan_region"
    [dest] = dests("انشقوا وتوجهوا إلى مناطق الإدارة الذاتية")
    assert dest.id == "sdf"
    [dest] = dests("انشق وانضم إلى الهيئة")
    assert (dest.id, dest.name_ar) == ("hts", "الهيئة")


def test_destination_word_lists_name_known_actors():
    data = yaml.safe_load((Path(actors.__file__).parent / "data" / "destinations.yaml").read_text(
        encoding="utf-8"))
    for section in ("generic_sides", "nationalities", "areas"):
        assert data[section], section
        for name, actor_id in data[section].items():
            info = actors.get(actor_id)
            assert info is not None and info.side, (section, name, actor_id)


def test_free_text_is_a_whole_name_as_written_or_no_name():
    [dest] = dests("انشق العناصر وانضموا إلى لواء صقور البادية المنضوي في صفوف الجيش الحر")
    assert (dest.id, dest.name_ar) == (None, "لواء صقور البادية")  # the ل of لواء is its own
    [dest] = dests("انشق العناصر وانضموا للواء صقور البادية المنضوي في صفوف الجيش الحر")
    assert (dest.id, dest.name_ar) == (None, "لواء صقور البادية")
    [dest] = dests("قامت فصائل عسكرية، اليوم الإثنين، بتأمين انشقاق ثلاثة عناصر")
    assert (dest.id, dest.name_ar) == (None, "فصائل عسكرية")  # the text's spelling, to the comma
    [dest] = dests("وانشق العنصر بعد ذلك إلى السبب الذي دفعه للانشقاق")
    assert (dest.id, dest.name_ar) == (None, None)


def test_a_post_of_a_group_gives_the_group_with_or_without_its_article_and_adjective():
    [dest] = dests("لجأ قائد مع خمسة عناصر إلى نقطة عسكرية تابعة لقوات النظام قرب البلدة")
    assert dest.id == "regime"
    [dest] = dests("وهربوا إلى إحدى النقاط التابعة لقوات النظام بالقرب من المعبر")
    assert dest.id == "regime"


def test_joining_its_ranks_points_to_the_group_that_speaks():
    [dest] = dests("أعلنت قسد انشقاق عنصرين من الجيش الوطني وانضمامهما لصفوفها")
    assert dest.id == "sdf"


def test_a_free_text_name_as_written_keeps_no_clitic_of_the_preposition():
    [dest] = dests('انشقت مجموعة عن الفصيل وانضمت لـ"تجمع أحرار الوادي" يوم أمس')
    assert (dest.id, dest.name_ar) == (None, "تجمع أحرار الوادي")


def test_a_name_after_known_as_and_an_article_taken_by_la():
    [dest] = dests("انشق عشرات العناصر وانضموا إلى ما يُعرف بـ«الحراك المدني»")
    assert (dest.id, dest.name_ar) == (None, "الحراك المدني")
    [dest] = dests("انشق عشرات العناصر وانضمامهم للحراك المدني ضد الحكومة")
    assert (dest.id, dest.name_ar) == (None, "الحراك المدني")


def loose(text: str):
    from transforms.destinations import loose_destination_spans
    folded, index = fold(text)
    return [d for _, _, d in loose_destination_spans(folded, text, index)]


def chosen(text: str):
    from transforms import slots
    from transforms.analysis import analyse_span
    from transforms.incidents import main_trigger
    from transforms.sentences import Span
    s = analyse_span(Span(0, len(text), text), 0)
    return slots.choose_destination(s, main_trigger(s))


def test_the_looser_reading_is_for_the_slot_only():
    text = "انشق خمسة مجندين عن الكتيبة ووصولهم للأراضي اللبنانية فجر اليوم"
    assert dests(text) == []  # the sentence's features do not see it
    assert [d.id for d in loose(text)] == ["lebanon"]
    assert chosen(text).id == "lebanon"


def test_arrival_and_surrender_with_a_bare_la_and_a_prefixed_join():
    [dest] = loose("فرّ عنصران من الفوج ثم اتجها لقوات سوريا الديمقراطية شمالاً")
    assert dest.id == "sdf"
    [dest] = loose("ترك الملازم موقعه ليلتحق بصفوف فيلق الشام في الريف")
    assert dest.id == "faylaq_al_sham"


def test_a_verb_of_going_told_before_commas():
    assert chosen("قالت شبكة محلية إن ستة جنود وصلوا ليل الجمعة، إلى بلدة الكرك الشرقي") \
        .name_ar == "بلدة الكرك الشرقي"
    assert chosen("انشق ضابط من الفرقة، مشيراً إلى أنهم ينتظرون الأوامر") is None
    # a verbal noun of leaving is a verb of going for the looser reading
    assert chosen("أعلنت السرية انشقاقها بعد أن أمّنت خروج عناصرها باتجاه بلدة الكرك الشرقي") \
        .name_ar == "بلدة الكرك الشرقي"
    assert chosen("انشق عنصران من السرية، وقاتلا إلى جانبهم في الريف") is None


def test_the_group_that_secured_the_defection():
    assert chosen("تمكنت فصائل المعارضة من تأمين انشقاق أربعة عناصر من قوات النظام").id == \
        "opposition"
    assert chosen("انشق عنصران من الفوج خلال الاشتباك مع الفصائل التي أمنت عملية هروبهم").id == \
        "opposition"
    assert chosen("انشق جنديان من اللواء بالتنسيق مع فيلق الشام قرب البلدة").id == "faylaq_al_sham"
    # a group taking them in beats the town they were brought to, and its name ends at و
    dest = chosen("انشق عشرة عناصر من الفوج وجرى تأمينهم من قبل قوات الأمن ونقلهم إلى مدينة حمص")
    assert dest.name_ar == "قوات الأمن"


def test_a_name_split_by_quotation_marks_is_read_as_written():
    [dest] = dests("انشق القيادي عن الهيئة وانضم إلى تجمع ”أنصار الحق“ المسلح")
    assert dest.name_ar == "تجمع ”أنصار الحق“ المسلح"
