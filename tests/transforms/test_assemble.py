"""How the sentences of one report are assembled into incidents (transforms.assemble)."""
from transforms import actors as actor_table
from transforms.analysis import GroupMention
from transforms.assemble import Incident, add_incident
from transforms.mentions import Count, PlaceRef
from transforms.sentences import Span


def _group(actor_id: str) -> GroupMention:
    info = actor_table.get(actor_id)
    return GroupMention(0, len(info.name_ar), info.name_ar, info)


def _incident(sentence, actor_id=None, count=None, place=None):
    return Incident(sentence=sentence, span=Span(0, 1, "x"),
                    group=_group(actor_id) if actor_id else None,
                    count=Count(count, "exact", 0, 1) if count else None,
                    place=PlaceRef(place, 0, 1, "village") if place else None,
                    last_sentence=sentence)


def _assembled(*told):
    incidents = []
    for one in told:
        add_incident(incidents, one)
    return [(i.group.key if i.group else None, i.count_value, i.place_key) for i in incidents]


def test_the_incident_told_last_takes_a_sentence_that_agrees_with_it():
    # "انشق جنود من قوات النظام" … "انشق 30 منهم من الفرقة الرابعة في قرية الحارة"
    assert _assembled(_incident(0, "regime"), _incident(1, "division_4", 30, "الحارة")) == [
        ("division_4", 30, "حاره")]


def test_past_another_incident_only_a_plain_retelling_goes_back():
    # "وصل 30 عسكرياً منشقاً عن قوات النظام" … "بعد انشقاق 60 من الفرقة الرابعة" … "وصول نحو
    # 30 عسكرياً من الفرقة الرابعة": the third names another group than the first; the first
    # 30 keep their own group
    assert _assembled(_incident(0, "regime", 30), _incident(1, "division_4", 60),
                      _incident(2, "division_4", 30)) == [
        ("regime", 30, None), ("division_4", 60, None), ("division_4", 30, None)]
    # "انشق جنود من الفرقة التاسعة" … "وانشق 70 من الفرقة الرابعة في مطار الثعلة" … "وكانت
    # مصادر أعلنت في وقت سابق انشقاق جنود من الفرقة التاسعة في بلدة خلخلة": an act at a place
    # of its own
    assert _assembled(_incident(0, "division_9"), _incident(1, "division_4", 70, "الثعلة"),
                      _incident(2, "division_9", None, "خلخلة")) == [
        ("division_9", None, None), ("division_4", 70, "ثعله"), ("division_9", None, "خلخله")]


def test_a_plain_retelling_past_another_incident_is_merged():
    told = (_incident(0, "division_9", 14, "الحارة"), _incident(1, "division_4", 6))
    # the same figure again, the same place again, or only the group's name
    for again in (_incident(2, "division_9", 14), _incident(2, None, None, "الحارة"),
                  _incident(2, "division_9")):
        assert _assembled(*told, again) == [("division_9", 14, "حاره"), ("division_4", 6, None)]
