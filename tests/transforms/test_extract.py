"""Event extraction from whole reports (fixture texts written for these tests)."""
import datetime as dt

from schemas.records import Document
from transforms import slots
from transforms.analysis import analyse_document
from transforms.extract import extract_events
from transforms.incidents import main_trigger

RECAP = """موجة فرار جديدة في صفوف الميليشيات الموالية شرق سوريا

تشهد مناطق ريف دير الزور منذ أسابيع عشرات حالات الانشقاق، وسط أنباء عن نية مجموعات أخرى الفرار.

وفي التفاصيل، انشق 12 عنصراً من ميليشيا الدفاع الوطني في قرية الطيبة بريف الميادين الشرقي، وعبروا نهر الفرات إلى مناطق سيطرة قسد حاملين أسلحتهم الخفيفة.

وأكد مصدر محلي أن العناصر فرّوا بعد تأخر رواتبهم لأشهر، فيما داهمت دوريات الأمن العسكري منازل ذويهم واعتقلت اثنين من أقاربهم.

كما فرّ نحو عشرين مقاتلاً من الفرقة الرابعة من حاجز قرب مدينة الميادين منتصف الشهر الماضي، بينهم ضابط برتبة ملازم، وتوجهوا إلى مناطق المعارضة.

وفي سياق آخر، سلّم ثلاثة عناصر من لواء القدس أنفسهم لقوات سوريا الديمقراطية في بلدة الكسرة.

ونفت قيادة الحرس الثوري الإيراني أنباء عن انشقاق عناصر من لواء فاطميون في البوكمال.
"""


def doc(text: str, doc_id: str = "d1", title: str | None = None) -> Document:
    return Document(doc_id=doc_id, url=f"https://example.org/{doc_id}", title=title,
                    published="2024-03-10", text=text, outlet="example.org")


def test_recap_gives_one_event_per_incident():
    events = extract_events(doc(RECAP))
    assert [e.actor.id for e in events] == ["ndf", "division_4", "liwa_al_quds"]
    ndf, div4, quds = events
    assert (ndf.count, ndf.count_qualifier) == (12, "exact")
    assert ndf.location.name_ar == "الطيبة" and ndf.location.area_ar == "ريف الميادين الشرقي"
    assert ndf.destination.id == "sdf" and ndf.with_weapons is True
    assert ndf.actor.parent_id == "regime" and ndf.actor.name_ar == "الدفاع الوطني"
    assert (div4.count, div4.count_qualifier) == (20, "approx")
    assert div4.includes_commander is True and div4.destination.id == "opposition_areas"
    assert div4.date.text_ar == "منتصف الشهر الماضي"
    assert (quds.count, quds.location.name_ar, quds.destination.id) == (3, "الكسرة", "sdf")


def test_follow_up_sentence_is_merged_into_the_incident():
    ndf = extract_events(doc(RECAP))[0]
    assert len(ndf.evidence) == 2  # the incident and the sentence that adds why and what followed
    assert ndf.reasons == ["unpaid_or_low_pay"]
    assert ndf.consequences == ["raids", "arrests_of_relatives"]


def test_evidence_offsets_point_into_the_text_and_ids_are_stable():
    first = extract_events(doc(RECAP))
    again = extract_events(doc(RECAP))
    assert [e.event_id for e in first] == [e.event_id for e in again]
    for event in first:
        for evidence in event.evidence:
            assert RECAP[evidence.start:evidence.end] == evidence.text
        assert event.sources[0].doc_id == "d1" and event.sources[0].published == "2024-03-10"
        # first_seen is when the pipeline saw the report (DESIGN), not its publication date
        seen = dt.datetime.fromisoformat(event.first_seen.replace("Z", "+00:00"))
        assert abs((dt.datetime.now(dt.timezone.utc) - seen).total_seconds()) < 3600


def test_background_denials_and_failed_attempts_give_no_event():
    texts = [
        "تشهد صفوف الميليشيات الموالية حالات انشقاق متزايدة خلال الأشهر الماضية.",
        "نفت قيادة الفيلق الخامس الأنباء التي تحدثت عن انشقاق مجموعة من عناصره في ريف "
        "درعا الشرقي، مؤكدة أن العناصر في مواقعهم.",
        "اعتقلت الشرطة العسكرية ثمانية عناصر من الفرقة 25 في حماة بعد محاولة فاشلة للفرار "
        "من قطعتهم العسكرية.",
        "قُتل ثلاثة عناصر من قوات النظام بانفجار لغم في بادية السخنة شرقي حمص.",
        "دعا وجهاء العشائر أبناءهم إلى الانشقاق عن قسد والالتحاق بالمعارك.",
    ]
    for text in texts:
        assert extract_events(doc(text)) == [], text


def test_diplomat_is_not_an_armed_group_defection():
    text = "أعلن السفير السوري في العراق انشقاقه عن النظام ولجوءه إلى قطر."
    assert extract_events(doc(text)) == []


def test_single_officer_counts_as_one_commander():
    text = ("أعلن المقدم خالد العلي، قائد كتيبة المدفعية في الفرقة 17، انشقاقه عن قوات "
            "النظام ووصوله إلى الشمال المحرر، مساء الثلاثاء.")
    [event] = extract_events(doc(text))
    # the most specific unit the report names, with the force it belongs to
    assert (event.actor.name_ar, event.actor.parent_id) == ("كتيبة المدفعية", "division_17")
    assert (event.count, event.includes_commander, event.actor.side) == (1, True, "regime")
    assert event.destination.id == "opposition_areas"


def test_group_named_in_the_previous_sentence_or_headline():
    text = ("فرار جماعي من صفوف لواء الباقر\n\nأفادت شبكة محلية بأن خمسة وثلاثين عنصراً فرّوا من "
            "مقرات الميليشيا في مدينة الميادين فجر أمس، وتوجهوا إلى مناطق سيطرة قسد.")
    [event] = extract_events(doc(text))
    assert (event.actor.id, event.count, event.location.name_ar) == ("liwa_al_baqir", 35,
                                                                     "الميادين")
    assert event.destination.id == "sdf" and event.date.text_ar == "فجر أمس"


def test_two_incidents_in_two_sentences():
    text = ("انشق عنصران من الأمن العسكري في مدينة درعا البلد، وانضما إلى فصائل المعارضة. "
            "وفي حادثة منفصلة فرّ سبعة مجندين من الفرقة التاسعة بريف درعا الغربي.")
    first, second = extract_events(doc(text))
    assert (first.actor.id, first.count, first.destination.id) == ("military_security", 2,
                                                                   "opposition")
    assert (second.actor.id, second.count) == ("division_9", 7)
    assert second.location.name_ar == "ريف درعا الغربي"


def test_same_incident_told_twice_is_one_event():
    text = ("انشق 9 عناصر من الفيلق الخامس في بلدة بصرى الشام بريف درعا الشرقي. وأوضح المصدر "
            "أن العناصر التسعة من الفيلق الخامس انشقوا بأسلحتهم في بصرى الشام وتوجهوا إلى "
            "جهة مجهولة.")
    [event] = extract_events(doc(text))
    assert (event.actor.id, event.count, event.with_weapons) == ("fifth_corps", 9, True)
    assert event.destination is None


def test_a_new_group_told_twice_with_its_figure_is_one_event():
    # "جديدة" compares with earlier news; the second sentence retells the first
    text = ("انشقت مجموعة جديدة تضم 14 جندياً من الفرقة التاسعة ولجأت إلى الأردن. "
            "وقال مسؤول أردني إن مجموعة جديدة من 14 جندياً انشقوا أمس ووصلوا إلى الحدود.")
    [event] = extract_events(doc(text))
    assert (event.actor.id, event.count) == ("division_9", 14)


def test_other_defectors_with_another_figure_are_another_event():
    text = ("انشق 14 جندياً من الفرقة التاسعة ولجؤوا إلى الأردن. "
            "كما انشق 6 جنود آخرون من الفرقة التاسعة في اليوم نفسه.")
    assert [e.count for e in extract_events(doc(text))] == [14, 6]


def test_a_report_in_arabic_presentation_forms_gives_the_same_event():
    plain = "انشق عشرة جنود من الفرقة التاسعة في بلدة داعل"
    shaped = ("\ufe8d\ufee5\ufeb5\ufed5 \ufec9\ufeb5\ufead\ufe93 \ufe9d\ufee5\ufeed\ufea9 "
              "\ufee1\ufee5 \ufe8d\ufedd\ufed1\ufead\ufed5\ufe93 \ufe8d\ufedd\ufe95\ufe8d\ufeb1"
              "\ufec9\ufe93 \ufed1\ufef1 \ufe8f\ufedd\ufea9\ufe93 \ufea9\ufe8d\ufec9\ufedd")
    [want] = extract_events(doc(plain))
    [got] = extract_events(doc(shaped))
    assert (got.actor.id, got.count) == (want.actor.id, want.count) == ("division_9", 10)
    assert got.evidence[0].start == 0 and got.evidence[0].end == len(shaped)


def test_empty_text():
    assert extract_events(doc("")) == []


def test_two_incidents_in_one_sentence_with_their_own_counts():
    text = ("انشق 5 عناصر من الدفاع الوطني في مدينة الميادين، كما فرّ 3 آخرون من الفرقة الرابعة "
            "في مدينة البوكمال باتجاه مناطق قسد.")
    first, second = extract_events(doc(text))
    assert (first.actor.id, first.count, first.location.name_ar) == ("ndf", 5, "الميادين")
    assert (second.actor.id, second.count, second.location.name_ar) == ("division_4", 3,
                                                                        "البوكمال")
    assert second.destination.id == "sdf"
    assert first.evidence[0].text == second.evidence[0].text == text


def test_named_defectors_listed_one_by_one():
    text = ("كشفت مصادر عن أسماء المنشقين عن مجلس منبج العسكري وهم: سالم الأحمد قائد المجموعة "
            "في قرية العريمة، وخالد الحسن قائد الكتيبة في بلدة أبو قلقل.")
    events = extract_events(doc(text))
    listed = [e for e in events if e.count == 1]
    assert [e.location.name_ar for e in listed] == ["العريمة", "أبو قلقل"]
    assert all(e.actor.id == "manbij_military_council" and e.includes_commander for e in listed)


def test_lone_soldier_crossing_a_border():
    text = ("انشق عنصر من قوات النظام، يوم الخميس، عن حاجز في مدينة تلبيسة بريف حمص الشمالي. "
            "وتمكن 6 جنود من الفرقة التاسعة من الانشقاق والعبور إلى الأراضي الأردنية.")
    lone, group = extract_events(doc(text))
    assert (lone.actor.id, lone.count, lone.location.name_ar) == ("regime", 1, "تلبيسة")
    assert lone.location.area_ar == "ريف حمص الشمالي" and lone.date.text_ar == "يوم الخميس"
    assert (group.actor.id, group.count, group.destination.id) == ("division_9", 6, "jordan")


def _sentence(text: str):
    """``text`` analysed as one sentence, as the slot choosers see it."""
    from transforms.analysis import analyse_span
    from transforms.sentences import Span
    return analyse_span(Span(0, len(text), text, 0), 0)


def _one(text: str):
    [event] = extract_events(doc(text))
    return event


def test_place_is_a_town_near_the_checkpoint_unless_a_finer_place_is_named():
    event = _one("انشق ثلاثة عناصر من الفرقة الرابعة من حاجز قرب بلدة داعل بريف درعا الأوسط.")
    assert event.location.name_ar == "داعل"


def test_place_left_after_a_verb_of_motion():
    event = _one("قال ناشطون إن أربعة عناصر من الدفاع الوطني وصلوا إلى بلدة ذيبان الخاضعة "
                 "لسيطرة قسد قادمين من الجنينة، بعد أن تركوا مواقعهم.")
    assert event.location.name_ar == "الجنينة"
    assert event.location.governorate_ar == "دير الزور"


def test_neighbourhood_takes_the_governorate_of_its_city():
    event = _one("انشق عدد من عناصر الدفاع الوطني في حي الزهور شرقي مدينة القامشلي، "
                 "وانضموا إلى قوى الأمن الداخلي.")
    assert event.location.governorate_ar == "الحسكة"


def test_follow_up_about_the_defectors_is_not_a_new_incident():
    events = extract_events(doc(
        "انشق تسعة عناصر من قسد في ريف الطبقة، ووصلوا إلى مناطق الجيش الوطني.\n\n"
        "وأوضح المصدر أن المنشقين من أبناء العشائر العربية في الطبقة، وأنهم يرغبون "
        "في الانضمام إلى صفوف الجيش الوطني."))
    assert [e.actor.id for e in events] == ["sdf"]
    assert events[0].destination.id == "sna"


def test_former_defector_in_other_news_gives_no_event():
    assert extract_events(doc(
        "عثر الأهالي على جثة شاب في بلدة الحراك بريف درعا، وهو منشق سابق عن قوات النظام "
        "ويعمل في تجارة المواشي، ولاذ القتلة بالفرار.")) == []
    assert extract_events(doc(
        "توفي رجل في مدينة سرمدا إثر حادث سير، وهو المنشق عن جيش النظام منذ سنوات.")) == []


def test_weapons_told_in_a_follow_up_and_dual_officers():
    event = _one("انشق ضابطان من قوات النظام في بلدة جاسم بريف درعا، ووصلا إلى مناطق المعارضة. "
                 "وذكر المصدر أن المنشقين عبروا خطوط التماس بمساعدة فصائل الجيش الحر، "
                 "واصطحبوا معهم بنادقهم.")
    assert event.includes_commander is True
    assert event.with_weapons is True


def test_destination_phrasings():
    event = _one("انشق عنصران من الحرس الثوري في البوكمال ولجآ إلى مناطق قوات سوريا الديمقراطية.")
    assert event.destination.id == "sdf"
    event = _one("فرّ ثلاثة عناصر من قوات النظام من حاجز في بلدة نصيب، وسلّموا أنفسهم لحرس "
                 "الحدود الأردني.")
    assert event.destination.id == "jordan"


def test_a_place_they_went_to_is_the_destination_when_no_side_is_named():
    event = _one("انشق 8 عناصر من ميليشيا الدفاع الوطني وفروا نحو بادية السخنة بريف حمص.")
    assert event.destination is not None and "السخنة" in event.destination.name_ar
    assert event.destination.id is None
    event = _one("انشق 8 عناصر من ميليشيا الدفاع الوطني في بلدة الشيخ سعد وتوجهوا إلى "
                 "مناطق سيطرة قسد.")
    assert event.destination.id == "sdf"


def test_attackers_fleeing_the_scene_are_not_defectors():
    assert extract_events(doc(
        "اغتال مسلحون مجهولون عنصراً سابقاً في فصائل المعارضة بمدينة جاسم، وهو منشق سابق عن "
        "جيش النظام. وقال شهود إن المسلحين كانوا على دراجة نارية، ولاذوا بالفرار نحو البلدة.")) == []


def test_a_commander_with_his_men_counts_them_and_him():
    events = extract_events(doc("انشق ضابط برتبة نقيب من الفرقة الحادية عشرة مع 9 من عناصره "
                                "في بلدة الغاب ووصلوا إلى مناطق المعارضة."))
    assert [e.count for e in events] == [10]


def test_fleeing_to_a_camp_is_a_defection_and_fleeing_from_a_prison_is_not():
    to_camp = extract_events(doc("انشق 14 عنصراً من الفرقة الحادية عشرة في بلدة الغاب "
                                 "ولجؤوا إلى مخيم للنازحين قرب الحدود."))
    assert [e.count for e in to_camp] == [14]
    from_prison = extract_events(doc("فرّ 14 سجيناً من سجن البلدة المركزي في بلدة الغاب."))
    assert from_prison == []


def test_a_lone_defector_with_another_member_is_two_and_one_incident():
    text = ("انشق قيادي من الفرقة الرابعة في مدينة الميادين، ووصل إلى مناطق المعارضة. "
            "وقال مصدر محلي إن القيادي انشق برفقة عنصر آخر من الفرقة الرابعة في الميادين.")
    [event] = extract_events(doc(text))
    assert (event.actor.id, event.count, event.location.name_ar) == ("division_4", 2, "الميادين")


def test_two_acts_of_one_group_at_two_towns_in_one_sentence():
    text = ("انشق 15 عنصراً من الفرقة التاسعة في بلدة إبطع، "
            "كما انشق عناصر آخرون في بلدة داعل بريف درعا.")
    events = extract_events(doc(text))
    assert [(e.actor.id, e.count, e.location.name_ar) for e in events] == [
        ("division_9", 15, "إبطع"), ("division_9", None, "داعل")]


def test_a_commander_in_the_accusative_is_one_and_with_some_of_his_men_is_unknown():
    """The count, whatever the sentence scorer makes of the reported speech around it."""
    from transforms.extract import shipped_models
    from transforms.learning.linear import LinearModel
    eager = (LinearModel("sentence", {}, bias=10.0, threshold=0.5), shipped_models()[1])
    [alone] = extract_events(doc("قال مسؤولون في المعارضة إن قائداً عسكرياً كبيراً في الفرقة "
                                 "الرابعة انشق ووصل إلى مدينة درعا."), eager)
    assert alone.count == 1
    [with_men] = extract_events(doc("انشق قيادي من الفرقة الرابعة مع عدد من عناصره في بلدة "
                                    "الغاب ووصلوا إلى مناطق المعارضة."))
    assert with_men.count is None


def test_lately_and_a_named_day_can_tell_one_incident():
    text = ("شهدت مدينة الضمير في الساعات الماضية اشتباكات بعد أن انشق 5 عناصر عن الفرقة الرابعة "
            "في الضمير. وقال مصدر اليوم الأحد إن 5 عناصر انشقوا عن الفرقة الرابعة في مدينة "
            "الضمير.")
    [event] = extract_events(doc(text))
    assert (event.actor.id, event.count, event.location.name_ar) == ("division_4", 5, "الضمير")


def test_follow_up_points_back_with_a_bare_plural_and_gives_the_place():
    """"منشقين" without the article points back to the defectors as "المنشقين" does: the
    follow-up gives the place the first sentence did not."""
    [event] = extract_events(doc("انشق 12 عنصراً من قوات النظام مساء أمس.\n\n"
                                 "وأوضح المصدر أن منشقين تركوا مواقعهم في بلدة طفس بريف درعا."))
    assert (event.actor.id, event.count, event.location.name_ar) == ("regime", 12, "طفس")
    assert len(event.evidence) == 2


def test_defector_described_as_a_civilian_official_gives_no_event():
    """The title can come late, in a clause that says what he does ("والذي يشغل …")."""
    assert extract_events(doc(
        "وفي الشهر الماضي انشق المدعو أبو خالد الحمصي والذي يشغل منصب نائب رئيس المجلس "
        "المحلي في مدينة تل أبيض، ووصل إلى مناطق المعارضة.")) == []
    assert len(extract_events(doc(
        "وفي الشهر الماضي انشق المدعو أبو خالد الحمصي والذي يشغل منصب قائد كتيبة في قوات "
        "النظام بمدينة حمص، ووصل إلى مناطق المعارضة."))) == 1
    assert extract_events(doc(  # the description before the act, across its commas
        "وكان المدعو أبو خالد الحمصي، والذي يشغل نائب رئيس المجلس المحلي التابع لقسد في مدينة "
        "منبج شرقي حلب، قد انشق عنها منتصف الشهر الفائت.")) == []


def test_a_tally_of_defectors_is_not_an_incident():
    """"عدد" then a definite noun counts defectors so far; "عدد من" is some of them."""
    assert extract_events(doc("وارتفع عدد العناصر المنشقين عن قسد خلال الشهر الجاري إلى 90 "
                              "عنصراً.")) == []
    assert extract_events(doc("ووصل بذلك عدد الضباط المنشقين عن الجيش السوري إلى 40 ضابطاً.")) == []
    # "عدد من" is no tally: the act stands (the scorer alone may rate a lone vague act low)
    from transforms.extract import shipped_models
    from transforms.learning.linear import LinearModel
    eager = (LinearModel("sentence", {}, bias=10.0, threshold=0.5), shipped_models()[1])
    [event] = extract_events(doc("انشق عدد من العناصر عن قسد في ريف الرقة الشمالي."), eager)
    assert event.actor.id == "sdf"


def test_a_prison_escape_gives_no_incident_whatever_the_sentence_score():
    """The sentence scorer may rate any sentence high; an escape from a prison is never counted."""
    from transforms.analysis import analyse_document
    from transforms.extract import find_incidents, shipped_models
    from transforms.learning.linear import LinearModel
    eager = LinearModel("sentence", {}, bias=10.0, threshold=0.5)
    models = (eager, shipped_models()[1])
    escape = analyse_document(doc("وكان أربعة عناصر من تنظيم داعش قد فروا الليلة الماضية من سجن "
                                  "الصناعة في مدينة الحسكة."))
    assert find_incidents(escape, models) == []
    act = analyse_document(doc("فرّ أربعة عناصر من تنظيم داعش من مواقعهم في ريف الحسكة."))
    assert len(find_incidents(act, models)) == 1


def test_a_list_of_counts_each_with_its_place_gives_one_event_per_place():
    first, second = extract_events(doc(
        "انشق 30 عنصراً من بلدة تلبيسة و70 عنصراً من مدينة الرستن عن قوات النظام."))
    assert (first.count, first.location.name_ar) == (30, "تلبيسة")
    assert (second.count, second.location.name_ar) == (70, "الرستن")
    assert first.actor.id == second.actor.id == "regime"


def test_part_of_the_defectors_going_on_is_no_new_incident():
    """"15 عنصراً منهم" counts some of those just told, not other defectors."""
    from transforms.analysis import analyse_document
    from transforms.extract import find_incidents, shipped_models
    from transforms.learning.linear import LinearModel
    eager = LinearModel("sentence", {}, bias=10.0, threshold=0.5)
    sentences = analyse_document(doc(
        "فرّ 35 عنصراً من الدفاع الوطني في مدينة البوكمال بريف دير الزور الشرقي.\n\n"
        "وأضافت المصادر أن هؤلاء العناصر فروا من مواقعهم، وتوجه 15 عنصراً منهم إلى مدينة حمص."))
    [incident] = find_incidents(sentences, (eager, shipped_models()[1]))
    assert incident.count_value == 35


def test_a_front_named_by_its_town_is_the_place_not_the_group():
    event = _one("انشق خمسة عناصر من قسد على جبهة دير حافر شرقي حلب.")
    assert event.actor.id == "sdf"
    assert event.location.name_ar == "جبهة دير حافر"
    assert _one("انشق 12 عنصراً من جبهة النصرة في ريف إدلب.").actor.name_ar == "جبهة النصرة"


def test_a_front_whose_name_is_no_known_place_is_a_force():
    """"جبهة X" with a name the gazetteer does not know is the force, not a front line."""
    from transforms.analysis import analyse_span
    from transforms.sentences import Span
    text = "أعلنت مجموعة أسود الحق انشقاقها عن جبهة فرسان العهد في ريف دمشق."
    s = analyse_span(Span(0, len(text), text, 0), 0, "2020-01-01")
    assert "جبهة فرسان العهد" in [g.surface for g in s.groups]
    assert all(not p.ref.name_ar.startswith("جبهة") for p in s.places)
    event = _one("انشق 20 عنصراً من جبهة فرسان العهد في ريف دمشق.")
    assert event.actor.name_ar == "جبهة فرسان العهد"
    assert event.location.name_ar != "جبهة فرسان العهد"
    text = "قتل عنصر على جبهات الشمال."  # a plural front stays a front
    s = analyse_span(Span(0, len(text), text, 0), 0, "2020-01-01")
    assert [p.ref.name_ar for p in s.places] == ["جبهات الشمال"]


def test_actor_name_is_the_name_without_what_the_text_says_after_it():
    from transforms.extract import actor_name
    assert actor_name("الفرقة الرابعة ، التي يقودها ماهر الأسد") == "الفرقة الرابعة"
    assert actor_name("الحرس الثوري الإيراني المسيطرة") == "الحرس الثوري الإيراني"
    assert actor_name("الفيلق الخامس المدعوم روسياً") == "الفيلق الخامس"
    assert actor_name("كتيبة #فرسان_العهد") == "كتيبة فرسان العهد"
    assert actor_name("صفوف النظام") == "النظام"
    assert actor_name("عناصر الميليشيا") == "الميليشيا"
    assert actor_name("لواء المعتصم_الجيش الحر") == "لواء المعتصم الجيش الحر"
    assert actor_name("مجلس دير الزور العسكري") == "مجلس دير الزور العسكري"

def test_force_named_for_defectors_is_kept_when_one_of_them_has_a_unit():
    # the unit of one officer among them is not the group the sixteen left
    text = ("انشق 16 ضابطاً عن قوات النظام مساء الاثنين، ومن بين المنشقين العميد خالد العلي "
            "من الفوج 139 في حماة.")
    [event] = extract_events(doc(text))
    assert (event.actor.name_ar, event.count) == ("قوات النظام", 16)


def test_members_of_a_group_are_its_defectors_not_the_side_they_surrendered_to():
    # "عناصر من X": X is the defectors' own group, not the force a unit left ("كتيبة Y انشقت
    # عن X"), so the group they gave themselves up to (the subject's place) is not lifted over it
    from transforms.analysis import analyse_document
    from transforms.extract import _unit_that_left_first
    from transforms.incidents import GroupCandidate
    [s] = analyse_document(doc("قالت مصادر محلية إن ستة عناصر من تنظيم داعش سلموا أنفسهم "
                               "لقوات سوريا الديمقراطية قرب بلدة الشحيل."))
    own, taker = (GroupCandidate(0, g, 0) for g in s.groups)
    scored = [(0.8, own), (0.4, taker), (0.05, GroupCandidate(0, None, 0))]
    best = max(_unit_that_left_first(s, scored), key=lambda item: item[0])[1]
    assert best.mention.surface == "تنظيم داعش"


def test_a_second_group_of_a_sentence_needs_a_clear_score():
    # a second group is its own incident only when the scorer is clearly for it: between 0.5 and
    # 0.65 such groups were nearly all the other party of the sentence (dev folds)
    from transforms.analysis import analyse_document
    from transforms.extract import _choose_groups
    from transforms.incidents import GroupCandidate
    [s] = analyse_document(doc("انشق 20 عنصراً من الفرقة 25 وانشق 5 عناصر من الفوج 139 أمس."))
    first, second = (GroupCandidate(0, g, 0) for g in s.groups)
    nobody = GroupCandidate(0, None, 0)
    assert [c.mention.surface for _, c in _choose_groups([(0.9, first), (0.6, second),
                                                          (0.05, nobody)])] == ["الفرقة 25"]
    assert len(_choose_groups([(0.9, first), (0.7, second), (0.05, nobody)])) == 2


def test_a_group_named_by_a_latin_acronym_is_written_in_arabic():
    # the gold reports write the group in Arabic; the acronym names the same listed actor
    [event] = extract_events(doc("انشق خمسة عناصر من YPG أمس، وهي وحدات حماية الشعب التي تقود "
                                 "قسد."))
    assert (event.actor.name_ar, event.count) == ("وحدات حماية الشعب", 5)


def test_an_unlisted_units_id_is_made_from_its_name_as_output():
    """The id of a unit no list holds follows the trimmed name, so two reports of it agree."""
    from transforms.analysis import GroupMention
    from transforms.assemble import Incident
    from transforms.extract import _actor
    from transforms.sentences import Span
    group = GroupMention(0, 30, "كتيبة الصقور ، التي يقودها أبو علي", None, "name", "كتيبه")
    actor = _actor(Incident(sentence=0, span=Span(0, 30, ""), group=group))
    assert (actor.id, actor.name_ar) == ("unit:كتيبة_الصقور", "كتيبة الصقور")


def test_follow_up_gives_the_figure_of_a_vague_count():
    """"عشرات العناصر" then "عدد المنشقين 30": the follow-up's figure replaces the vague one."""
    [event] = extract_events(doc("انشق عشرات العناصر من الفرقة الرابعة في بلدة الغاب.\n\n"
                                 "وأوضح مصدر محلي أن عدد المنشقين 30 شخصاً."))
    assert (event.actor.id, event.count) == ("division_4", 30)
    [group] = extract_events(doc("فرت مجموعة من عناصر الفرقة الرابعة من بلدة الغاب قبل أيام.\n\n"
                                 "وأوضح مصدر أن المجموعة مؤلفة من 6 عناصر."))
    assert group.count == 6


def test_follow_up_names_a_finer_place_inside_the_countryside_told():
    """A later sentence that places the act in a town of the countryside told refines it; a
    town elsewhere does not."""
    text = ("انشق 12 عنصراً من الفرقة الرابعة في ريف درعا الغربي.\n\n"
            "وأوضح المصدر أن الانشقاق جرى بالتنسيق مع العناصر المنشقين في بلدة {} بريف {}.")
    [inside] = extract_events(doc(text.format("طفس", "درعا الغربي")))
    assert inside.location.name_ar == "طفس"
    [elsewhere] = extract_events(doc(text.format("الغاب", "حماة")))
    assert elsewhere.location.name_ar == "ريف درعا الغربي"


def test_a_section_of_a_unit_is_not_a_vague_count():
    """"رئيس قسم الاتصالات": قسم names a section; only "قسم من" is a vague amount of people."""
    [event] = extract_events(doc("أعلن العقيد سالم الخطيب رئيس قسم الاتصالات في الفرقة الرابعة "
                                 "انشقاقه عن النظام وانضمامه إلى الجيش الحر."))
    assert event.count == 1


def test_a_place_after_a_direction_only_locates_the_place_before_it():
    """"جبهة X، شمال مدينة Y": the act is at the front, the city is a reference point."""
    event = _one("انشق ستة عناصر من قسد على جبهة تل تمر، شمال مدينة الحسكة.")
    assert event.location.name_ar == "جبهة تل تمر"
    event = _one("انشق عنصران من الفرقة الرابعة قرب قرية الشيخ مسكين غرب بلدة نوى.")
    assert event.location.name_ar == "الشيخ مسكين"


def test_a_dual_place_noun_introduces_the_town_after_it():
    """"من مدينتي X وY بريفي A وB": the towns are the place, not the governorates after them."""
    event = _one("انشق عشرة عناصر من قسد في مدينتي الطبقة ومنبج بريفي الرقة وحلب.")
    assert event.location.name_ar == "الطبقة"


def test_the_place_in_a_reporters_description_is_not_the_incidents():
    """"مراسل شبكة X في مدينة Y" places the reporter: it never outranks the act's own place
    (with no other place it is a last resort); after "إن" the place is the act's again."""
    event = _one("انشق خمسة عناصر من قسد في قرية الصفيح أمس، بحسب ما أفاد مراسل شبكة الخابور "
                 "في مدينة الحسكة.")
    assert event.location.name_ar == "الصفيح"
    event = _one("قال مصدر إن خمسة عناصر من قسد انشقوا في مدينة الحسكة.")
    assert event.location.name_ar == "الحسكة"


def test_people_listed_together_add_up():
    """Ranks and figures joined by و are one list: their numbers add up. "N عنصراً وضابطاً" is
    one figure for both nouns, and "5 من X و3 من Y" is two lists."""
    assert _one("أعلن الجيش الحر انشقاق عميد وعقيدين و4 ضباط من قوات النظام.").count == 7
    assert _one("انشق أربعون جندياً سورياً وضابطٌ برتبة رائد من قوات النظام في حماة."
                ).count == 41
    assert _one("انشق 12 عنصراً وضابطاً من قسد في ريف الرقة.").count == 12
    assert _one("انشق 5 ضباط و10 جنود من قوات النظام في درعا.").count == 15
    assert _one("انشق 5 عناصر من الفرقة الرابعة في درعا.").count == 5


def test_the_figure_called_defectors_is_the_count_not_the_crowd_around_it():
    """"عبر 40 شخصاً بينهم 12 جندياً منشقاً": the defectors are the 12 (the count's choice;
    whether the sentence tells an act is the sentence scorer's)."""
    from transforms import slots
    from transforms.extract import main_trigger
    text = "عبر 40 شخصاً بينهم 12 جندياً منشقاً عن قوات النظام الحدود إلى الأردن."
    s = _sentence(text)
    trigger = main_trigger(s)
    assert slots.choose_count(s, trigger, participle=trigger.kind == "participle").value == 12


def test_the_act_of_a_man_named_by_his_kunya_counts_one():
    """"انشقاق أبو X" names one man: his act counts 1."""
    from transforms import slots
    from transforms.extract import main_trigger
    text = "ويعد انشقاق أبو خالد الحمصي الأول من نوعه في صفوف الفرقة الرابعة."
    s = _sentence(text)
    assert slots.single_defector(s, slots.names_a_body(s), main_trigger(s)) == 1


def test_one_man_among_those_who_defected_counts_one():
    """"كان النقيب X من أوائل الذين انشقوا": the plural act is told of one man."""
    from transforms import slots
    from transforms.extract import main_trigger
    text = "وكان النقيب سامر العلي من أوائل الذين انشقوا عن الفرقة الرابعة في درعا."
    s = _sentence(text)
    assert slots.single_defector(s, slots.names_a_body(s), main_trigger(s)) == 1
    text = "وكان العناصر من أوائل الذين انشقوا عن الفرقة الرابعة في درعا."
    s = _sentence(text)
    assert slots.single_defector(s, slots.names_a_body(s), main_trigger(s)) is None


def test_an_act_in_the_same_place_takes_the_place_told_before():
    """"في نفس الجبهة" points back to the place of the incident told before."""
    events = extract_events(doc(
        "انشق ثمانية عناصر من قسد اليوم السبت على جبهة تل تمر.\n\n"
        "كما انشق ثلاثة عناصر من قسد يوم الأربعاء الماضي في نفس الجبهة."))
    assert [(e.count, e.location.name_ar if e.location else None) for e in events] == [
        (8, "جبهة تل تمر"), (3, "جبهة تل تمر")]


def test_the_force_a_unit_left_is_not_kept_beside_the_unit():
    # "أعلنت كتيبة X انشقاقها عن الحركة": the unit, alone, not "X و<الحركة>"
    from transforms.analysis import analyse_document
    from transforms.extract import _choose_groups, _unit_that_left_first
    from transforms.incidents import GroupCandidate
    [s] = analyse_document(doc("أعلنت كتيبة الصقور انشقاقها عن لواء الفتح في ريف المدينة."))
    unit = next(GroupCandidate(0, g, 0) for g in s.groups if "الصقور" in g.surface)
    force = next(GroupCandidate(0, g, 0) for g in s.groups if "الفتح" in g.surface)
    scored = [(0.8, force), (0.5, unit), (0.05, GroupCandidate(0, None, 0))]
    chosen = _choose_groups(_unit_that_left_first(s, scored))
    assert [c.mention.surface for _, c in chosen] == [unit.mention.surface]


def test_the_group_they_went_to_is_not_the_group_they_left():
    # "متجهين إلى مناطق سيطرة X": X is the destination; a likely group outside it is chosen
    from transforms.analysis import analyse_document
    from transforms.extract import _choose_groups, _not_the_destination
    from transforms.incidents import GroupCandidate, in_destination
    sentences = analyse_document(doc("انشق 12 عنصراً من الدفاع الوطني بأسلحتهم متجهين إلى "
                                     "مناطق سيطرة قوات سوريا الديمقراطية."))
    [s] = sentences
    own = next(GroupCandidate(0, g, 0) for g in s.groups if not in_destination(s, g))
    went = next(GroupCandidate(0, g, 0) for g in s.groups if in_destination(s, g))
    scored = [(0.6, went), (0.3, own), (0.05, GroupCandidate(0, None, 0))]
    chosen = _choose_groups(_not_the_destination(sentences, s, scored))
    assert [c.mention.surface for _, c in chosen] == [own.mention.surface]


def test_the_group_that_secured_the_act_is_not_the_group_they_left():
    # "بتأمين من X": X secured the act; the group they left is chosen over it
    from transforms.analysis import analyse_document
    from transforms.extract import _choose_groups, _not_the_destination
    from transforms.incidents import GroupCandidate
    sentences = analyse_document(doc("انشق 40 عسكرياً عن قوات النظام في ريف المدينة بتأمين من "
                                     "الجيش السوري الحر."))
    [s] = sentences
    left = next(GroupCandidate(0, g, 0) for g in s.groups if "النظام" in g.surface)
    helper = next(GroupCandidate(0, g, 0) for g in s.groups if "الحر" in g.surface)
    scored = [(0.6, helper), (0.3, left), (0.05, GroupCandidate(0, None, 0))]
    chosen = _choose_groups(_not_the_destination(sentences, s, scored))
    assert [c.mention.surface for _, c in chosen] == [left.mention.surface]


def test_the_unit_the_defectors_served_in_is_their_group_not_the_force_they_left():
    # "ضباط في X … انشقوا عن Y": X, the unit they served in, not the wider force Y
    from transforms.analysis import analyse_document
    from transforms.extract import _choose_groups, _unit_that_left_first
    from transforms.incidents import GroupCandidate
    [s] = analyse_document(doc("قال ناشطون إن ثلاثة ضباط في كتيبة النور العاملة في ريف المدينة "
                               "انشقوا عن لواء الفتح أمس."))
    unit = next(GroupCandidate(0, g, 0) for g in s.groups if "النور" in g.surface)
    force = next(GroupCandidate(0, g, 0) for g in s.groups if g is not unit.mention)
    scored = [(0.7, force), (0.5, unit), (0.05, GroupCandidate(0, None, 0))]
    chosen = _choose_groups(_unit_that_left_first(s, scored))
    assert [c.mention.surface for _, c in chosen] == [unit.mention.surface]


def test_a_post_telling_a_units_act_at_a_place_is_an_incident():
    """A channel's short item is the whole report: a group and a place make it concrete, as
    the conventions say, even uncounted — the scorer learnt from longer articles."""
    post = "عاجل | انشق عدد من عناصر الدفاع الوطني في ريف حمص الشرقي."
    [event] = extract_events(doc(post))
    assert (event.actor.id, event.count) == ("ndf", None)
    assert "ريف حمص" in event.location.name_ar
    # the calls, denials and tallies of a post stay out
    for text in ("دعت فصائل المعارضة عناصر الدفاع الوطني في ريف حمص الشرقي إلى الانشقاق.",
                 "نفى الدفاع الوطني انشقاق أي من عناصره في ريف حمص الشرقي.",
                 # many acts in its ranks, none told: not one incident
                 "تتوالى الانشقاقات في صفوف الدفاع الوطني بريف حمص الشرقي."):
        assert extract_events(doc(text)) == [], text


def test_a_post_is_short_and_an_article_is_left_to_the_scorer():
    from transforms.analysis import analyse_document
    from transforms.extract import is_post
    post = analyse_document(doc("انشق عدد من عناصر الدفاع الوطني في ريف حمص الشرقي.",
                                title="انشقاقات في ريف حمص"))
    assert is_post(post)
    long_item = " ".join(["وقالت المصادر إن الاشتباكات استمرت في المنطقة طوال الليل."] * 3)
    article = analyse_document(doc("انشق عدد من عناصر الدفاع الوطني في ريف حمص الشرقي. "
                                   + long_item))
    assert not is_post(article)


def test_a_word_inside_a_groups_name_is_no_place():
    # "الشعب" in "مجلس الشعب" names the body, not a place ("مجلس X" is also an area's shape);
    # a town a unit is named after is one. (A parliamentarian's act is no event at all now —
    # triggers.political — so the choice of place is tested on the analysed sentence.)
    s = analyse_document(doc("انشق عنصر من حرس مجلس الشعب عن النظام."))[0]
    assert [p.ref.name_ar for p in s.places] == ["الشعب"]  # the area pattern's candidate
    place, _, _ = slots.choose_place(s, main_trigger(s), s.groups)
    assert place is None
    events = extract_events(doc("انشق عناصر من مجلس هجين العسكري."))
    assert events and events[0].location is not None and events[0].location.name_ar == "هجين"


def test_an_incident_told_without_a_place_takes_the_reports_place():
    text = ("توتر أمني في مدينة منبج بعد اشتباكات.\n\n"
            "وقالت مصادر إن دوريات انتشرت في مدينة منبج.\n\n"
            "وانشق عشرون عنصراً من قسد وسلموا أنفسهم للقوات الحكومية.")
    events = extract_events(doc(text))
    assert [(e.count, e.location.name_ar if e.location else None) for e in events] == [(20, "منبج")]
    once = text.replace("توتر أمني في مدينة منبج بعد اشتباكات", "توتر أمني بعد اشتباكات")
    assert [e.location.name_ar for e in extract_events(doc(once))] == ["منبج"]  # the only place
    two = text.replace("في مدينة منبج بعد اشتباكات", "في مدينة الباب بعد اشتباكات")
    assert [e.location.name_ar for e in extract_events(doc(two))] == [None]  # each named once


def test_a_defection_abroad_gives_no_event():
    # a report that names only places and forces outside Syria: not a Syrian incident
    text = ("انشقاق كتيبة عن قوات الحوثي\n\n"
            "أعلن قائد الكتيبة الثانية مشاة في محافظة مأرب انشقاقه مع 40 من عناصره عن جماعة "
            "الحوثي وانضمامه إلى الجيش اليمني.\n\n"
            "وقالت مصادر محلية في صنعاء إن الكتيبة سلمت أسلحتها.")
    assert extract_events(doc(text)) == []


def test_a_syrian_defector_who_reaches_a_city_abroad_is_still_an_incident():
    # the same report told of a Syrian unit: the foreign city is only where they arrived
    text = ("انشق 40 عنصراً من قوات النظام في ريف حلب الجنوبي ووصلوا لاحقاً إلى إسطنبول.\n\n"
            "وقالت مصادر محلية إن العناصر سلموا أسلحتهم.")
    assert [e.count for e in extract_events(doc(text))] == [40]


def test_where_a_sentence_is_told():
    from transforms.incidents import told_abroad, where_told
    abroad = analyse_document(doc("انشق 20 جندياً من الجيش العراقي في محافظة ديالى."))
    assert [where_told(s) for s in abroad] == [(True, False)] and told_abroad(abroad)
    home = analyse_document(doc("انشق 20 جندياً من قوات النظام في ريف إدلب وفروا إلى لبنان."))
    assert where_told(home[0]) == (True, True) and not told_abroad(home)
    # a Lebanese force named with its country does not put the report abroad
    ally = analyse_document(doc("انشق 5 عناصر من حزب الله اللبناني."))
    assert not told_abroad(ally)


def test_a_defection_from_a_foreign_army_gives_no_event():
    # a Syrian group is named only as where the soldier went: the army he left is abroad
    text = ("انشق جندي عن الجيش اللبناني في الشمال وانضم إلى جبهة النصرة.\n\n"
            "وقال مصدر إن الجندي أعلن انشقاقه عن الجيش في تسجيل مصور.")
    assert extract_events(doc(text)) == []


def test_a_place_abroad_that_syria_shares_does_not_put_the_report_abroad():
    # every place of the abroad list that the gazetteer also knows in Syria stays Syrian
    from transforms import lexicon
    from transforms.gazetteer import Gazetteer, name_key
    gazetteer = Gazetteer.load()
    shared = [name for name in lexicon.words("abroad", "places")
              if gazetteer._index.get(name_key(name))]
    assert shared == []
    # an unlisted unit in a town of Daraa that shares its name with a Lebanese city
    text = "انشق 6 عناصر من كتيبة الأنصار في بلدة صيدا بريف المحافظة الشرقي."
    assert [e.count for e in extract_events(doc(text))] == [6]


def test_a_group_named_inside_another_is_told_once_when_combined():
    from transforms.extract import _combined
    from transforms.incidents import GroupCandidate
    text = 'أعلنت "كتيبة صقور الجبل وسرية النصر" انشقاقهما عن "هيئة تحرير الشام".'
    s = next(s for s in analyse_document(Document(doc_id="nested", text=text)) if s.number >= 0)
    outer = next(g for g in s.groups if g.surface == "كتيبة صقور الجبل وسرية النصر")
    inner = next(g for g in s.groups if g.surface == "سرية النصر")
    both = [GroupCandidate(0, outer, 0), GroupCandidate(0, inner, 0)]
    assert _combined(s, both).mention.surface == "كتيبة صقور الجبل وسرية النصر"
