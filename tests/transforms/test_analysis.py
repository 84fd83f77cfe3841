"""The analysed sentence, the slot choosers and the assembly of incidents (texts written for
these tests)."""
from schemas.records import Document
from transforms import slots
from transforms.analysis import _without_clitics, analyse_document, analyse_span
from transforms.assemble import Incident, same_incident
from transforms.incidents import main_trigger, relation_of, subject_role
from transforms.mentions import Count, PlaceRef
from transforms.normalize import article_cut
from transforms.sentences import Span


def sentence(text: str):
    return analyse_span(Span(0, len(text), text), 0)


def test_listed_actor_inside_a_unit_phrase_keeps_its_name_without_clitics():
    s = sentence("انشق عناصر من ميليشيا الدفاع الوطني وبالفرقة الرابعة وللقوات الرديفة")
    surfaces = [g.surface for g in s.groups]
    assert surfaces[:2] == ["الدفاع الوطني", "الفرقة الرابعة"]
    assert s.groups[0].actor.id == "ndf"


def test_clitics_before_the_article_and_before_a_name():
    assert [article_cut(w) for w in ("الجيش", "والجيش", "وبالجيش", "للجيش", "وللجيش", "لل",
                                     "جيش", "وكتيبه", "")] == [0, 1, 2, 1, 2, 1, None, None, None]
    # with no article, one or two clitics come off only before a listed first word or a head
    assert _without_clitics("وبكتيبه") == 2
    assert _without_clitics("لكتيبه") == 1
    assert _without_clitics("وكتاب") == 0
    assert _without_clitics("بوكتيبه") == 1  # ب then و is no clitic pair: "وكتيبه" is a head


def test_a_group_named_again_in_brackets_is_one_mention():
    s = sentence("سلّم 25 مقاتلاً أنفسهم لقوات سوريا الديمقراطية (قسد) قرب الحسكة")
    assert [g.surface for g in s.groups] == ["قوات سوريا الديمقراطية"]


def test_another_listed_group_in_brackets_is_kept():
    # a unit named in brackets after its force is a group of its own, not the force again
    s = sentence("انشق مئة مقاتل من عناصر الجيش الحر (أحرار الشرقية) أمس")
    assert [g.actor.id for g in s.groups] == ["fsa", "ahrar_al_sharqiya"]


def test_syrian_soldiers_imply_the_regime_forces():
    s = sentence("انشق خمسة جنود سوريين ولجؤوا إلى تركيا")
    assert [(g.actor.id, g.shape) for g in s.groups] == [("regime", "implied")]


def test_a_bare_head_names_the_last_group_with_that_head():
    text = "شهدت حركة الفجر خلافات داخلية. وانشق 20 عنصراً عن الحركة أمس. وفر 3 من أفراد الجيش."
    doc = Document(doc_id="t", url=None, title=None, published=None, text=text, outlet=None)
    groups = [[(g.surface, g.shape) for g in s.groups] for s in analyse_document(doc)]
    assert groups[1] == [("حركة الفجر", "bare")]  # "عن الحركة": the movement named before
    assert groups[2] == [("الجيش", "bare")]  # no army named before: as written


def test_a_unit_that_speaks_by_its_bare_head_is_the_last_unit_with_that_head():
    text = ("تعمل كتيبة الصقور في ريف المدينة منذ سنوات. "
            "وأصدرت الكتيبة بياناً أعلنت فيه انشقاقها عن لواء النصر.")
    doc = Document(doc_id="t", url=None, title=None, published=None, text=text, outlet=None)
    groups = [[(g.surface, g.shape) for g in s.groups] for s in analyse_document(doc)]
    assert ("كتيبة الصقور", "bare") in groups[1]


def test_a_sentence_with_two_acts_and_their_counts_is_cut_in_two():
    doc = Document(doc_id="x", text="انشق 5 عناصر من الدفاع الوطني في الميادين، كما فرّ 3 "
                                     "آخرون من الفرقة الرابعة في البوكمال.")
    pieces = analyse_document(doc)
    assert len(pieces) == 2 and pieces[0].whole == pieces[1].whole
    assert [c.count.value for p in pieces for c in p.counts] == [5, 3]


def test_relations_and_the_subject_of_the_act():
    assert [relation_of(w) for w in ("عن", "صفوف", "عناصر", "الي", "التابعه", "مصادر")] == [
        "from", "from", "member", "to", "parent", "reporter"]
    s = sentence("انشقت كتيبة النصر عن لواء الفتح")
    unit, force = s.groups
    trigger = main_trigger(s)
    assert subject_role(s, unit, trigger) == "after" and subject_role(s, force, trigger) is None
    s = sentence("أعلنت كتيبة النصر العاملة في إدلب انشقاقها عن لواء الفتح")
    assert subject_role(s, s.groups[0], main_trigger(s)) == "announcer"


def test_count_of_people_not_of_cars_or_years():
    s = sentence("في عام 2019 انشق 12 عنصراً ومعهم 3 سيارات عن الفرقة الرابعة")
    assert slots.choose_count(s, main_trigger(s)).value == 12


def test_one_officer_two_officers_and_a_commander_with_his_men():
    s = sentence("انشق العقيد أحمد العلي عن قوات النظام")
    assert slots.single_defector(s, False, main_trigger(s)) == 1
    s = sentence("انشق ضابطان من الفرقة 17 أمس")
    assert slots.single_defector(s, False, main_trigger(s)) == 2
    s = sentence("انشق القيادي أبو سامر برفقة أحد حراسه عن الفصيل")
    assert slots.single_defector(s, False, main_trigger(s)) == 2
    s = sentence("انشقت الكتيبة الثالثة عن اللواء")
    assert slots.single_defector(s, False, main_trigger(s)) is None


def test_place_prefers_the_village_to_the_countryside_and_skips_the_dateline():
    s = sentence("دير الزور - انشق 4 عناصر من الدفاع الوطني في قرية الشميطية بريف دير الزور الغربي")
    place, _, area = slots.choose_place(s, main_trigger(s))
    assert place.name_ar == "الشميطية" and area == "ريف دير الزور الغربي"
    s = sentence("انشق عنصران من قسد قرب قرية أم الكيف بريف الحسكة")
    assert slots.choose_place(s, main_trigger(s))[0].name_ar == "أم الكيف"  # a landmark, nothing finer


def test_the_reporters_place_counts_only_when_nothing_else_is_named():
    s = sentence("وقال مصدر محلي من مدينة الطبقة إن عشرين عنصرا انشقوا عن قسد")
    place, loose, _ = slots.choose_place(s, main_trigger(s))
    assert place.name_ar == "الطبقة" and loose
    s = sentence("وقال مراسل شبكة الخابور في مدينة الحسكة إن خمسة عناصر انشقوا عن قسد في قرية الصفيح")
    assert slots.choose_place(s, main_trigger(s))[0].name_ar == "الصفيح"


def _incident(count=None, place=None, another=False):
    return Incident(sentence=0, span=Span(0, 1, "x"), count=Count(count, "exact", 0, 1)
                    if count else None, place=PlaceRef(place, 0, 1, "village") if place else None,
                    another=another)


def test_retellings_merge_and_other_incidents_stay_apart():
    told = _incident(7, "البوكمال")
    assert same_incident(told, _incident(7))  # the same figure
    assert same_incident(told, _incident(None, "البوكمال"))  # the same place
    assert same_incident(told, _incident())  # a retelling that names only the group
    assert not same_incident(told, _incident(9))  # another figure
    assert not same_incident(_incident(7), _incident(None, "الميادين"))  # no shared detail
    assert not same_incident(told, _incident(7, another=True))  # "عناصر آخرون"


def test_listed_name_in_brackets_renames_the_unlisted_group_before_it():
    # "جيش X (Y)": the bracket gives the listed name of the same group; a listed group after a
    # listed one stays its own group (a unit named after its force)
    [s] = analyse_document(Document(doc_id="b1", text=(
        "انشق 30 مقاتلاً من عناصر جيش الحر( أحرار الشرقية) مع عائلاتهم أمس.")))
    assert [(g.surface, g.actor.id if g.actor else None) for g in s.groups] == [
        ("أحرار الشرقية", "ahrar_al_sharqiya")]
    [s] = analyse_document(Document(doc_id="b2", text=(
        "انشق 30 مقاتلاً من عناصر الجيش الحر (أحرار الشرقية) مع عائلاتهم أمس.")))
    assert [g.actor.id for g in s.groups] == ["fsa", "ahrar_al_sharqiya"]


def test_unit_named_after_the_force_it_left_is_the_subject():
    # "انشقت عن الحركة كتيبة X": the from-phrase sits between the act and the unit
    s = sentence("وانشقت عن الحركة كتيبة الصقور في ريف المدينة")
    unit = next(g for g in s.groups if "الصقور" in g.surface)
    assert subject_role(s, unit, main_trigger(s)) == "after"


def test_unit_announced_through_a_naming_phrase_is_the_announcer():
    # "أعلنت ما يعرف بكتائب X … انشقاقها": the announcing verb a few words before the unit
    s = sentence("أعلنت ما يعرف بـ«كتائب الفجر» بقيادة رجل من البلدة انشقاقها عن لواء الفتح")
    unit = next(g for g in s.groups if "الفجر" in g.surface)
    assert subject_role(s, unit, main_trigger(s)) == "announcer"


def test_reconciled_fighters_are_no_unit_of_their_own():
    # "عناصر التسويات" tells what the defectors are, not their unit: the force named is theirs
    s = sentence("فرّ عشرون من عناصر التسويات المنتسبين إلى قوات النظام من مواقعهم في الجنوب")
    assert [g.actor.id for g in s.groups if g.actor] == ["regime"]
    assert sentence("فرّ عشرون من عناصر التسويات من مواقعهم").groups == ()
