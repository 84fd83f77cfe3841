"""Defection triggers, their morphology and what cancels them."""
import pytest

from transforms.normalize import fold
from transforms.triggers import find_triggers


def live(text: str) -> list[str]:
    return [t.kind for t in find_triggers(fold(text)[0]) if t.live]


def reasons(text: str) -> list[str | None]:
    return [t.cancelled_by for t in find_triggers(fold(text)[0])]


@pytest.mark.parametrize("text, kind", [
    ("انشقّ أربعة جنود عن الكتيبة", "verb"),
    ("وانشقوا عن صفوف الفصيل فجراً", "verb"),
    ("أعلن المقاتلون انشقاقهم عن اللواء", "noun"),
    ("سُجّل انشقاق عنصرين قرب الحاجز", "noun"),
    ("وصل المنشقون عن الفرقة إلى البلدة", "participle"),
    ("فرّوا ليلاً عبر النهر", "verb"),
    ("لاذ ثلاثة عناصر بالفرار من المقر", "noun"),
    ("هربوا من الثكنة مع أسلحتهم", "verb"),
    ("تركوا مواقعهم على الجبهة", "leave"),
    ("سلّم خمسة مقاتلين أنفسهم للفصائل", "surrender"),
    ("أعلن الفصيل انفصاله عن التحالف", "noun"),
    ("دفع القصف المتواصل ثلاثين جندياً إلى الانشقاق عن اللواء", "noun"),
    ("أعلن القائد انسحابه من “فصيل النمور” مع مجموعته", "exit"),
    ("استسلم سبعة مسلحين للدورية قرب الجسر", "surrender"),
    ("وسلمو أنفسهم عند المفرزة", "surrender"),
    ("هربا من الكتيبة ليلاً", "verb"),
    ("قال مصدر إن عشرين عنصراً تركوا صفوفهم في القرية", "leave"),
])
def test_trigger_forms(text, kind):
    assert kind in live(text)


@pytest.mark.parametrize("text, reason", [
    ("تتحدث تقارير عن نية عشرات العناصر الفرار", "intention"),
    ("تناقلت صفحات أنباء عن انشقاق قائد المجموعة", "rumour"),
    ("نفى الفصيل انشقاق أي من عناصره", "denial"),
    ("في حال انشقاق العناصر ستتغير المعادلة", "hypothetical"),
    ("استنفرت القوات خوفاً من هروب المجندين", "fear"),
    ("دعا وجهاء المنطقة أبناءهم إلى الانشقاق عن الميليشيا", "call"),
    ("لم ينشق أحد من العناصر", None),
    ("وبدأت الفرقة بتسوية ملفات مئات المنشقين عن الجيش", "status"),
    ("شهدت المنطقة عشرات حالات الانشقاق خلال الشهر", "aggregate"),
    ("ارتفع عدد المنشقين عن الفرقة إلى 90", "tally"),
    ("اعتقلت الدورية عنصرين بعد محاولة فرار فاشلة", "intention"),
    ("أوقفت الدورية ستة عناصر أثناء محاولتهم الفرار نحو النهر", "intention"),
    ("قال مصدر إن مقاتلين تحاول الفرار من الجبهة", "intention"),
    ("فرّ عدد منهم ليلاً من سجن البلدة", "escape"),
    # the other persons and nouns of verbs of intending, striving and foiling
    ("نوى القائد وعشرة من رجاله الانشقاق عن اللواء", "intention"),
    ("تسعى مجموعات من الفصيل الانفصال عن التحالف", "intention"),
    ("أفشلت الدورية فرار خمسة عناصر من الثكنة", "intention"),
    # an ultimatum or an appeal is a call to the act, not the act
    ("أعطت الفصائل مهلة يومين للمسلحين لتسليم أنفسهم", "call"),
    ("وجّهت القوات نداءً إلى المحاصرين بالاستسلام", "call"),
])
def test_cancellers(text, reason):
    found = reasons(text)
    if reason is None:
        assert live(text) == []
    else:
        assert reason in found
        assert live(text) == []


def test_a_withdrawal_from_a_town_is_no_trigger():
    assert live("انسحبت الدبابات من أطراف البلدة بعد الظهر") == []


def test_plural_noun_is_background_but_a_following_verb_is_an_act():
    text = "في أكبر حالات الانشقاق فرّ عشرة عناصر من الحاجز"
    kinds = [(t.kind, t.live) for t in find_triggers(fold(text)[0])]
    assert ("noun", False) in kinds
    assert ("verb", True) in kinds


def test_diplomats_and_ministers_are_political():
    found = find_triggers(fold("أعلن دبلوماسي سوري في سفارة بلاده انشقاقه")[0])
    assert found and all(t.political and not t.live for t in found)


def test_a_title_phrase_that_starts_inside_the_window_after_the_act_is_read_whole():
    found = find_triggers(fold("انشق نائب في مجلس الشعب عن حزب السلطة")[0])
    assert found and all(t.political for t in found)
    found = find_triggers(fold("انشق نائب قائد الفوج مع عشرة من عناصره")[0])
    assert found and not any(t.political for t in found)  # a deputy commander is a soldier


def test_offsets_point_into_folded_text():
    folded = fold("وقد انشقَّ ستَّةَ عشرَ عنصراً")[0]
    trigger = find_triggers(folded)[0]
    assert folded[trigger.start:trigger.end] == "انشق"


def test_a_verb_ending_in_hamza_is_singular_not_dual():
    from transforms.normalize import fold
    from transforms.triggers import trigger_number
    (refuge,) = find_triggers(fold("لجأ ضابط إلى الحدود")[0])
    assert trigger_number(refuge) == "one"
    (dual,) = find_triggers(fold("انشقا عن الفوج")[0])
    assert trigger_number(dual) == "two"


def test_zero_width_and_bidi_characters_do_not_hide_a_trigger():
    from transforms.normalize import fold
    folded, offsets = fold("انش\u200bقوا عن الفو\u200fج")
    assert [t.text for t in find_triggers(folded)] == ["انشقوا"]
    assert len(offsets) == len(folded) + 1


def test_plural_acts_in_one_groups_ranks_are_no_tally():
    # "انشقاقات في صفوف X": acts within one group; "تزايد الانشقاقات" and a bare plural stay a tally
    assert live("وقعت انشقاقات واسعة في صفوف الكتيبة أمس") == []  # an adjective in between
    assert live("وقعت انشقاقات في صفوف الكتيبة أمس") == ["plural"]
    assert live("حصلت انشقاقات داخل اللواء خلال المعارك") == ["plural"]
    assert reasons("تزايد الانشقاقات في صفوف الكتيبة") == ["aggregate"]
    assert reasons("كثرت الانشقاقات منذ بداية العام") == ["aggregate"]


def test_surrender_across_a_comma_and_a_longer_subject():
    # "سلّم 40 عنصراً من فصيل X صباح الأحد، أنفسهم": a time and a comma before "أنفسهم"
    assert live("سلم أربعون عنصرا من فصيل الكتيبة صباح يوم الأحد، أنفسهم للجيش") == ["surrender"]


def test_a_past_verb_takes_no_preposition_and_an_article_makes_it_a_noun():
    # "كفر" before a name is a village (ك + فرّ is no Arabic), "بالهرب" is the masdar
    assert live("قصفت الطائرات بلدة كفر سلمى صباح اليوم") == []
    assert live("وصل المقاتلون إلى كفرنبودة بعد المعركة") == []
    assert live("نجا الجنود بالهرب من الحاجز ليلاً") == ["noun"]
    assert live("وفرّ ثلاثة عناصر من الكتيبة") == ["verb"]


def test_a_topic_clause_after_a_comma_keeps_the_denial_before_it():
    assert reasons("نفى المتحدث ما نشرته الصفحات، حول انشقاق قائد الكتيبة عن اللواء") == ["denial"]
    assert reasons("نفى المتحدث ما نشرته الصفحات، بشأن انشقاق قائد الكتيبة") == ["denial"]
    # an ordinary clause after the comma is a new statement
    assert reasons("نفى المتحدث ما نشرته الصفحات، وانشق قائد الكتيبة مساء أمس") == [None]


def test_smuggling_as_a_trade_is_no_trigger_but_smuggling_people_out_is():
    assert live("عبر المسلحون النهر من معابر التهريب المعروفة") == []
    assert live("تستخدم الميليشيا الطريق لأغراض التهريب") == []
    assert live("تمكن الفصيل من تهريب تسعة جنود إلى الحدود") == ["flee"]
    assert live("وساعدهم أقاربهم على تهريبهم ليلاً") == ["flee"]


def test_a_rumour_far_before_a_topic_clause_cancels_the_act_it_is_about():
    text = "ردّت القيادة على شائعة انتشرت في الصفحات منذ ثلاثة أيام، حول انشقاق قائد الفوج"
    assert reasons(text) == ["rumour"]
    # without the topic link the far rumour word says nothing of the act
    assert reasons("ردّت القيادة على شائعة انتشرت في الصفحات منذ ثلاثة أيام، وانشق قائد الفوج") \
        == [None]


def test_a_civil_title_before_a_name_in_apposition_makes_the_act_political():
    def political(text):
        return [t.political for t in find_triggers(fold(text)[0])]
    assert political("أفادت القناة أن القنصل السوري في المدينة، فلان الفلاني، قد أعلن انشقاقه") \
        == [True]
    assert political("أفادت القناة أن العقيد في الفرقة، فلان الفلاني، قد أعلن انشقاقه") == [False]
    # the governor speaks of the act, he is not its subject
    assert political("وقال المحافظ، في بيان اليوم، إن انشقاق عناصر من الفوج وقع ليلاً") == [False]


def test_an_act_pointed_out_is_no_purpose():
    # "أشار/لفت المصدر إلى انشقاق X" reports the act; "دعا إلى الانشقاق" remains a call to it
    assert reasons("ولفت المصدر إلى انشقاق تسعة جنود من الفوج") == [None]
    assert reasons("وأشار مراسلنا إلى انشقاق عنصرين من الكتيبة") == [None]
    assert reasons("حث القائد عناصره إلى الانشقاق عن الفوج") != [None]


def test_a_listed_word_that_starts_like_a_clitic_is_found_as_written():
    # "لافتاً" is listed whole: its ل is no preposition to strip before the look-up
    assert reasons("وقال المرصد في تقريره، لافتاً إلى انشقاق ستة عناصر من الفوج") == [None]
    assert reasons("وذكرت الشبكة الخبر ولافتةً إلى انشقاق عنصرين من اللواء") == [None]


def test_a_civil_title_before_a_name_and_its_relative_makes_the_own_act_political():
    def political(text):
        return [t.political for t in find_triggers(fold(text)[0])]
    assert political("يعد وزير الزراعة السابق فلان الفلاني الذي أعلن انشقاقه") == [True]
    assert political("يعد قائد الفوج السابق فلان الفلاني الذي أعلن انشقاقه") == [False]
    # the speaker who tells of others' act is not their subject
    assert political("ذكر وزير الإعلام أن المجلس العسكري في المدينة هو الذي أعلن انشقاق عشرين جنديا") == [False]


def test_families_fleeing_are_not_fighters():
    found = find_triggers(fold("هربت عشرات العوائل من المدينة نحو الريف")[0])
    assert found and all(t.political for t in found)


def test_a_tally_noun_in_construct_before_the_definite_noun_is_a_tally():
    # "وصل عدد كبار الضباط الذين فروا إلى 12": how many so far; "عدد من الضباط" is some of them
    assert reasons("وصل عدد كبار الضباط الذين فروا إلى البلد المجاور إلى 12") == ["tally"]
    assert reasons("فر عدد من الضباط إلى البلد المجاور") == [None]


def test_a_verb_opening_the_sentence_governs_its_verbal_noun_past_the_commas():
    # the call or attempt opens the sentence; a long subject set off by a comma comes between
    assert reasons("ناشدت فصائل محلية في ريف المدينة الشرقي، عناصر الكتيبة بالانشقاق عنها") == ["call"]
    assert reasons("حاول عدد من الجنود التابعين للفوج الانشقاق عن صفوفه، ليلة الأحد، عبر الهرب نحو النهر") \
        == ["intention", "intention"]
    # a verb in between tells the act itself; so does an attempt that succeeded
    assert reasons("حاول الفوج منع عناصره، لكن عشرة منهم انشقوا ليلاً") == [None]
    assert reasons("حاول الجنود مراراً، وتمكنوا أخيراً من الهرب نحو النهر") == [None]
    # an act told before the opening verb's noun is a report, not a call
    assert reasons("انشق عشرة عناصر عن الفوج، ودعا قائدهم رفاقه للانشقاق") == [None, "call"]


def test_the_verb_opening_reported_speech_governs_its_verbal_noun_past_the_commas():
    # "that" opening the reported clause with an attempt or a call: what follows is its object
    assert reasons("وقال مصدر محلي إن محاولة عناصر من الفوج، قبل يومين، الفرار نحو النهر فشلت") == ["intention"]
    assert reasons("وذكر الموقع أن دعوات الفصائل المحلية، منذ أسبوع، لعناصر الفوج بالانشقاق تتكرر") == ["call"]
    assert reasons("وقال مصدر محلي إن محاولة عناصر من الفوج، قبل يومين، نجحت في الفرار نحو النهر") == [None]
