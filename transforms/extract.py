"""Defection events of one document: every incident it reports, each once.

``extract_events(doc)`` is pure: the same document gives the same events (and ids). The steps,
each a small function over the analysed sentences (``analysis.Sentence``)::

    analyse_document   sentences: folded text, triggers, groups, places, counts, times
    find_incidents     the sentence scorer keeps sentences that report an act; the group
                       scorer picks the defectors' unit among the groups named (or nobody)
    build_incident     count, place, destination, time, attributes from that sentence
    complete           the sentence right after fills what is missing (how, where, weapons)
    add_incident       a repeat of an incident (headline, recap) merges into it
    keep               drop what names neither group, count nor place, and broken spans
    to_event           the DefectionEvent record with gazetteer location and stable id

Both scorers are linear models trained by ``deploy/train_extraction.py`` on gold reports and
shipped as JSON (``transforms/data/models/``).
"""
from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from schemas.records import (
    Actor,
    DefectionEvent,
    Document,
    Evidence,
    GeoPoint,
    Location,
    Source,
    stable_id,
    utc_now_iso,
)
from transforms import actors as actor_table
from transforms import attributes, lexicon, slots
from transforms.analysis import CLAUSE_MARK, GroupMention, Sentence, analyse_document
from transforms.assemble import COARSE, Incident, add_incident, merge, place_norm, same_incident
from transforms.incident_date import incident_date
from transforms.incidents import (
    GroupCandidate,
    document_group_counts,
    group_candidates,
    group_features,
    group_relation,
    in_destination,
    live_sentences,
    main_trigger,
    relation_of,
    sentence_features,
    subject_role,
    told_abroad,
)
from transforms.learning import linear
from transforms.mentions import lookup, resolve_geo
from transforms.normalize import fold_word

GROUP_MIN = 0.65  # a second group of one sentence must score at least this
SUBJECT_MIN = 0.3  # a unit in the subject's place must score at least this to override
# A post (a channel's or a network's short item: at most this many sentences and words besides
# a headline) is all the report there is; the gold articles the scorer learnt from are longer.
POST_SENTENCES = 2
POST_WORDS = 45
GROUP_EVIDENCE = 0.2  # how much the best group's score moves the sentence's
UNIT_MIN = 0.2  # a listed unit of the chosen force, named with it, replaces it from this score
DEST_ALT = 0.2  # a group out of the destination replaces a chosen one inside it from this score
MEMBERS_GAP = 8  # at most this many words from the unit they served in to the force they left
GROUP_FLOOR = 0.25  # below this the best group is not trusted: nobody is named
FILE = "extraction"
PAIR_REACH = 40  # characters from a figure to the place of those it counts
LETTER = re.compile(r"[\w]")
ARABIC = re.compile(r"[\u0621-\u064a]")
LETTERS = re.compile(r"[^\W\d_]")
ROSTER = re.compile(rf"(?<![\w])(?:{lexicon.pattern(FILE, 'roster_pronouns')})\s*:")
POINTER_SUBJECT = re.compile(
    rf"(?<![\w])[وف]?(?:{lexicon.pattern(FILE, 'pointer_subjects')})(?![\w])")
COORDINATION = re.compile(r"\s*[،,]?\s*(?:و|وال)?\s*")
OWN_SUFFIX = re.compile(rf"(?:{lexicon.pattern(FILE, 'own_act_suffixes')})$")
SAME_PLACE = re.compile(rf"(?<![\w])(?:{lexicon.pattern(FILE, 'same_place')})(?![\w])")
POINTER = re.compile(rf"(?<![\w])(?:{lexicon.pattern(FILE, 'pointers')})")


# ----------------------------------------------------------------------------- incidents

def _choose_groups(scored: list[tuple[float, GroupCandidate]]) -> list[tuple[float, GroupCandidate]]:
    """The defectors' groups of one sentence: the best, and others as likely (lists of units).

    A group whose unit is also chosen gives way to it (the most specific unit wins)."""
    scored = sorted(scored, key=lambda item: -item[0])
    best = scored[0]
    if best[1].mention is None or best[0] < GROUP_FLOOR:
        return [next(item for item in scored if item[1].mention is None)]
    chosen = [item for item in scored if item[1].mention is not None and
              (item is best or (item[0] >= GROUP_MIN and item[1].origin == item[1].sentence))]
    keys, out = set(), []
    for prob, cand in chosen:
        if cand.mention.key in keys:
            continue
        keys.add(cand.mention.key)
        out.append((prob, cand))
    ids = [c.mention.actor.id for _, c in out if c.mention.actor is not None]
    out = [(p, c) for p, c in out if c.mention.actor is None
           or not any(c.mention.actor.id in actor_table.ancestors(other) for other in ids)]
    if len(out) == 1 and out[0][1].mention.actor is not None:
        force = out[0][1].mention.actor.id  # a listed unit of the chosen force, named with it
        units = [(p, c) for p, c in scored if c.mention is not None and c.mention.actor is not None
                 and c.origin == out[0][1].origin and p >= UNIT_MIN
                 and force in actor_table.ancestors(c.mention.actor.id)]
        if units:
            return [max(units, key=lambda item: item[0])]
    return out


def _unit_that_left_first(s: Sentence, scored: list[tuple[float, GroupCandidate]]):
    """"X انشقت عن Y", "أعلنت كتيبة X انشقاقها عن Y": the unit X that is the subject of the
    act is the defectors' group, not the force Y it left, whatever their scores."""
    trigger = main_trigger(s)
    best = max(scored, key=lambda item: item[0])
    if best[1].mention is None or best[1].origin != best[1].sentence:
        return scored
    before = s.words_before(best[1].mention.start, 2)
    if not any(relation_of(w) == "from" for w in before[-1:]) or \
            before[-1] in lexicon.words("extraction", "member_from"):
        return scored  # "عناصر من Y": Y is the defectors' own group, not the force a unit left
    subjects = [(prob, cand) for prob, cand in scored
                if cand.mention is not None and cand is not best[1]
                and cand.origin == cand.sentence and prob >= SUBJECT_MIN
                and (cand.mention.actor is not None or cand.mention.head)
                and subject_role(s, cand.mention, trigger)]
    if not subjects:  # "أعلن ضابطان في X انشقاقهما عن Y": X, the unit they served in
        subjects = [(prob, cand) for prob, cand in scored
                    if cand.mention is not None and cand is not best[1]
                    and cand.origin == cand.sentence and prob >= SUBJECT_MIN
                    and cand.mention.end <= best[1].mention.start
                    and any(w in lexicon.words("extraction", "members_in")
                            for w in s.words_before(cand.mention.start, 2))
                    and any(cand.mention.end <= t.start < best[1].mention.start for t in s.triggers)
                    and len(s.words_between(cand.mention.end, best[1].mention.start)) <= MEMBERS_GAP]
    if not subjects:
        return scored
    first = min(subjects, key=lambda item: item[1].mention.start)
    listed = [first]  # "أعلنت كتيبة X وسرية Y انشقاقهما عن Z": the units of a list, together
    for prob, cand in sorted(scored, key=lambda i: i[1].mention.start if i[1].mention else 0):
        g, last = cand.mention, listed[-1][1].mention
        if g is not None and cand.origin == cand.sentence and g.start >= last.end and \
                (g.actor is not None or g.head) and COORDINATION.fullmatch(s.folded[last.end:g.start]):
            listed.append((prob, cand))
    top = best[0] + 1e-6
    lifted = [(max(p, top), c) for p, c in listed]
    return [*lifted, *[i for i in scored if i is not best and all(i[1] is not c for _, c in listed)]]


def _not_the_destination(sentences: list[Sentence], s: Sentence,
                         scored: list[tuple[float, GroupCandidate]]):
    """"انشق 16 عنصراً متجهين إلى مناطق سيطرة X"، "بتأمين من X"، "سلموا أنفسهم لـX": X, where
    they went or who secured or took them (``securers`` of extraction.yaml), is not the group they
    left; a likely group out of those places is chosen over it."""
    def elsewhere(c: GroupCandidate) -> bool:
        home = sentences[c.origin]
        return in_destination(home, c.mention) or any(
            w in lexicon.words("extraction", "securers") for w in home.words_before(c.mention.start, 3))
    best = max(scored, key=lambda item: item[0])
    if best[1].mention is None or not elsewhere(best[1]):
        return scored
    others = [(p, c) for p, c in scored if c.mention is not None and p >= DEST_ALT
              and not elsewhere(c)]
    if not others:
        return scored
    alt = max(others, key=lambda item: item[0])
    return [(best[0] + 1e-6, alt[1]), *[i for i in scored if i[1] is not alt[1] and i is not best]]


def _written_in_arabic(sentences: list[Sentence], cand: GroupCandidate) -> GroupCandidate:
    """A group named by a Latin acronym ("YPG") is written as the sentence's Arabic name of the
    same listed actor, when it has one."""
    g = cand.mention
    if g is None or g.actor is None or ARABIC.search(g.surface):
        return cand
    for other in sentences[cand.origin].groups:
        if other.actor is not None and other.actor.id == g.actor.id and ARABIC.search(other.surface):
            return GroupCandidate(cand.sentence, other, cand.origin)
    return cand


def _each_its_own(s: Sentence, groups: list[GroupMention]) -> bool:
    """True when each group of a list has its own people ("قائد X، وقائد Y"; "5 من X و3 من Y")."""
    own = 0
    generic = lexicon.words("extraction", "generic_members")
    for g in groups:
        before = s.words_before(g.start, 2)
        if any(relation_of(w) == "member" and w not in generic for w in before) or any(
                0 <= g.start - c.end <= 12 for c in s.counts if c.count.value is not None):
            own += 1
    return own == len(groups)


def _coordinated(s: Sentence, chosen: list[tuple[float, GroupCandidate]]):
    """Groups told together ("X وY") as one candidate; otherwise only the best group."""
    ordered = sorted(chosen, key=lambda item: item[1].mention.start)
    joined = all(a[1].origin == b[1].origin == a[1].sentence and COORDINATION.fullmatch(
        s.folded[a[1].mention.end:b[1].mention.start]) for a, b in zip(ordered, ordered[1:], strict=False))
    if joined:
        return [(chosen[0][0], _combined(s, [c for _, c in ordered]))]
    return chosen[:1]


def _combined(s: Sentence, cands: list[GroupCandidate]) -> GroupCandidate:
    """One candidate for groups told together ("الدفاع الوطني والفوج 47": one count). A group
    named inside another's name (a quoted "X وY" and the Y in it) is told once."""
    mentions = sorted((c.mention for c in cands), key=lambda g: g.start)
    mentions = [g for g in mentions if not any(
        o is not g and o.start <= g.start and g.end <= o.end and o.end - o.start > g.end - g.start
        for o in mentions)]
    first = mentions[0]
    surface = " و".join(g.surface for g in mentions)
    merged = GroupMention(first.start, mentions[-1].end, surface, first.actor, first.shape,
                          first.head)
    return GroupCandidate(cands[0].sentence, merged, cands[0].origin)


def _parent_in(s: Sentence, group: GroupMention | None) -> GroupMention | None:
    """The larger force named for the group in its sentence ("X التابع لـY", "في صفوف Y")."""
    if group is None:
        return None
    for other in s.groups:
        if other is group or other.actor is None:
            continue
        if group.actor is not None and other.actor.id not in actor_table.ancestors(
                group.actor.id):
            continue
        before = s.words_before(other.start, 2)
        if other.start > group.end and any(relation_of(w) == "parent" for w in before):
            return other
        if group.actor is None and other.start > group.end and \
                0 <= len(s.words_between(group.end, other.start)) <= 4 and \
                any(relation_of(w) in ("parent", "from") or w == "في" for w in before):
            return other
    return None


def build_incident(sentences: list[Sentence], pos: int, cand: GroupCandidate, score: float,
                   several: bool) -> Incident:
    """The incident told by sentence ``pos`` about the group of ``cand``."""
    s = sentences[pos]
    trigger = main_trigger(s)
    group = cand.mention
    participle = trigger is not None and trigger.kind == "participle"
    count = None
    if trigger is not None:
        anchor_group = group if several else None
        count = slots.choose_count(s, trigger, anchor_group, participle)
        count = slots.with_their_leader(s, count)
    single = None if count is not None else slots.single_defector(
        s, slots.names_a_body(s), trigger)
    own = [group] if group is not None and cand.origin == pos else []
    place, weak, area = slots.choose_place(s, trigger, own,
                                           group.end if several and own else None)
    if place is None:
        place, weak, area = slots.place_in_name(group), False, None
    incident = Incident(
        sentence=pos, span=s.span, group=group, parent=_parent_in(sentences[cand.origin], group),
        count=count, single=single, place=place, place_weak=weak, area_ar=area,
        governorate_ar=slots.governorate_of(place, s, area),
        destination=slots.choose_destination(s, trigger), time=slots.choose_time(s, trigger),
        with_weapons=attributes.with_weapons(s.folded),
        commander=attributes.includes_commander(s.folded),
        reasons=attributes.reasons(s.folded), consequences=attributes.consequences(s.folded),
        evidence=[s.whole] if s.number >= 0 else [], last_sentence=pos, score=score,
        another=slots.tells_other_defectors(s),
        anchor=s.doc_offset(trigger.start) if trigger is not None and s.number >= 0 else None)
    if incident.destination is not None and group is not None and \
            incident.destination.id and group.actor is not None and \
            incident.destination.id == group.actor.id:
        incident.destination = None  # the group they left is not where they went
    return incident


def plain_act(sentences: list[Sentence], pos: int, features: dict | None = None) -> bool:
    """The plainest report of an act, whatever the scorer says: a count of people, a live
    trigger that nothing cancels, and their unit tied to them in the same clause
    ("انشق 12 عنصراً من X", "تمكن 6 جنود من X من الانشقاق"), or with no count a unit's own
    act, announced ("أعلنت كتيبة X انشقاقها عن Y") or told by its verb ("انشقت كتيبة X عن Y").
    A participle names who people are ("900 عنصر أغلبهم منشقون عن X"), not an act, and a
    surrender may be a defeat: the scorer decides those."""
    features = features if features is not None else sentence_features(sentences, pos)
    trigger = main_trigger(sentences[pos])
    return (trigger is not None and trigger.live and trigger.kind not in ("participle", "surrender")
            and (features.get("has_count") == 1.0 or _announced_own_act(trigger, features)
                 # a verb with two units named: "انشقت كتيبة X عن Y", its men or the unit
                 # left told with it (not "هربت قيادات X قبل وصول Y", fleeing an advance)
                 or trigger.kind == "verb" and features.get("n_groups", 0) >= 0.5
                 and (_unit_left_after(sentences[pos], trigger) or any(
                     k in features for k in ("people_then_act", "act_then_people")))
                 # a post that tells a unit's act at a place: concrete by the conventions
                 # ("a group together with a count or a place"), and nothing else tells it
                 or trigger.kind in ("verb", "noun") and _post_act_at_place(sentences, features))
            and features.get("group_linked_in_clause") == 1.0
            and not any(k in features for k in ("relative_clause", "after_the_act", "long_ago",
                                                "question", "no_live", "has_political"))
            and not any(k.startswith("has_cancel=") for k in features))


def _unit_left_after(s: Sentence, trigger) -> bool:
    """A unit after the act in its clause, introduced by عن/من: the one left ("انشقت كتيبة X
    عن Y", "فرّ عناصر من X")."""
    return any(g.start > trigger.end and s.same_clause(trigger.start, g.start)
               and group_relation(s, g) == "from"
               for g in s.groups)


def is_post(sentences: list[Sentence]) -> bool:
    """A short item — at most ``POST_SENTENCES`` sentences and ``POST_WORDS`` words besides its
    headline — as channels and local networks post them."""
    body = [s for s in sentences if not s.is_title and s.number >= 0]
    return 0 < len(body) <= POST_SENTENCES and sum(len(s.tokens) for s in body) <= POST_WORDS


def _post_act_at_place(sentences: list[Sentence], features: dict) -> bool:
    """The only act of a post, with its place ("انشق عدد من عناصر X في ريف Y"); the caller
    takes a single act (a verb or its noun), not "انشقاقات" in a group's ranks."""
    return (("has_local_place" in features or "has_wide_place" in features)
            and len(live_sentences(sentences)) <= 1 and is_post(sentences))


def _announced_own_act(trigger, features: dict) -> bool:
    """An announcement of one's own act, the act's noun bearing the announcer's pronoun and
    the unit left after it: "أعلنت كتيبة X … انشقاقها عن Y", "أعلن العقيد X انشقاقه عن Y"."""
    return (trigger.kind == "noun" and features.get("trigger_then_from") == 1.0
            and ("announced" in features or "announce_in_sentence" in features)
            and OWN_SUFFIX.search(trigger.text) is not None)


def roster(s: Sentence, incident: Incident) -> list[Incident]:
    """The named defectors listed after "وهم:", one incident each with the place of its item.

    "المنشقين عن مجلس X وهم: سالم قائد المجموعة في قرية A، وخالد قائد الكتيبة في بلدة B"."""
    if incident.group is None:
        return []
    out = []
    for place in roster_items(s):
        out.append(Incident(
            sentence=incident.sentence, span=s.span, group=incident.group,
            parent=incident.parent, single=1, place=place,
            governorate_ar=slots.governorate_of(place, s, None) or incident.governorate_ar,
            commander=True, evidence=list(incident.evidence),
            last_sentence=incident.last_sentence, score=incident.score, another=True))
    return out


def parallel_acts(s: Sentence, incident: Incident) -> list[Incident]:
    """Further acts of the same group told in the same sentence, each in its own clause at its
    own place: "انشقاق 20 عنصراً في بلدة A، إضافة إلى انشقاق عناصر في بلدة B" is two incidents.

    A later live trigger counts when a clause mark parts it from the act before it, and its
    own clause, after it, names a local place other than those told; a group of its own
    named there makes it another group's act, left to the group scorer."""
    main = main_trigger(s)
    if main is None or incident.group is None or incident.place is None:
        return []
    out, seen = [], {place_norm(incident.place.name_ar)}
    previous = main
    for trigger in s.live_triggers:
        if trigger.start <= previous.end or s.same_clause(previous.start, trigger.start):
            continue
        previous = trigger
        clause_end = next((m.start() for m in CLAUSE_MARK.finditer(s.folded, trigger.end)),
                          len(s.folded))
        places = [p for p in s.places if trigger.end <= p.start < clause_end
                  and p.ref.kind in slots.LOCAL_KINDS]
        if not places or any(trigger.end <= g.start < clause_end for g in s.groups):
            continue
        place = places[0].ref
        if place_norm(place.name_ar) in seen:
            continue
        seen.add(place_norm(place.name_ar))
        counts = [c for _, c in slots.person_counts(s, trigger.start)
                  if trigger.start - 40 <= c.start < clause_end and c.count.value is not None]
        out.append(Incident(
            sentence=incident.sentence, span=s.span, group=incident.group,
            parent=incident.parent, count=counts[0].count if counts else None, place=place,
            governorate_ar=slots.governorate_of(place, s, None) or incident.governorate_ar,
            destination=slots.choose_destination(s, trigger),
            evidence=list(incident.evidence), last_sentence=incident.last_sentence,
            score=incident.score, another=True,
            anchor=s.doc_offset(trigger.start) if s.number >= 0 else None))
    return out


def counted_places(s: Sentence, incident: Incident) -> list[tuple]:
    """(count, place) of each group of defectors told with its own place in one list:
    "قرابة 30 عنصراً من بلدة A وحوالي 70 عنصراً من مدينة B انشقوا" is 30 at A and 70 at B.

    Each figure counts people and is followed, within a few words, by the place they come
    from or are at; the next figure comes after that place. Fewer than two such pairs: []."""
    trigger = main_trigger(s)
    if trigger is None or incident.group is None:
        return []
    counts = sorted((c for _, c in slots.person_counts(s, trigger.start)
                     if c.count.value is not None), key=lambda c: c.start)
    pairs = []
    for i, c in enumerate(counts):
        limit = min(c.end + PAIR_REACH, counts[i + 1].start if i + 1 < len(counts) else len(s.folded))
        place = next((p for p in s.places if c.end <= p.start < limit
                      and p.ref.kind != "governorate"), None)
        if place is None:
            return []
        pairs.append((c.count, place.ref))
    if len(pairs) < 2 or len({place_norm(p.name_ar) for _, p in pairs}) < len(pairs):
        return []
    return pairs


def roster_items(s: Sentence) -> list:
    """The place of each named commander listed after "وهم:" (items without a place skipped)."""
    match = ROSTER.search(s.folded)
    if match is None:
        return []
    out, begin = [], match.end()
    for item in re.split(r"[،,؛]", s.folded[match.end():]):
        start, begin = begin, begin + len(item) + 1
        places = [p for p in s.places if start <= p.start < start + len(item)]
        if attributes.includes_commander(item) and places:
            out.append(max(places, key=lambda p: slots.KIND_RANK.get(p.ref.kind, 3)).ref)
    return out


def _follow_up(s: Sentence, last: Incident | None, pos: int) -> bool:
    """True when the sentence tells more of the incident just told ("وأكد مصدر أن العناصر
    فرّوا بعد …"): the defectors are pointed back to, and no other count is given."""
    if last is None or last.last_sentence < pos - 2 or s.is_title:
        return False
    trigger = main_trigger(s)
    if trigger is None:
        return False
    near = s.folded[max(0, trigger.start - 40):trigger.end + 40]
    if not POINTER_SUBJECT.search(near):
        return False
    values = {c.count.value for c in s.counts if c.count.value is not None
              and not set(s.words_after(c.end, 3)) & lexicon.words(FILE, "subset_after")}
    return not values or (last.count_value is not None and values == {last.count_value})


def _inside(place, area: str | None, wider) -> bool:
    """True when ``place`` is told inside the wider place ``wider`` ("جبل الأكراد في ريف
    اللاذقية" inside "ريف اللاذقية") and is finer than it."""
    if slots.KIND_RANK.get(place.kind, 3) <= slots.KIND_RANK.get(wider.kind, 3):
        return False
    key = place_norm(wider.name_ar)
    return bool(area) and bool(key) and (key in place_norm(area) or place_norm(area) in key)


def _same_place_as(incident: Incident, incidents: list[Incident]) -> None:
    """The place of the last incident told, for an act "في نفس الجبهة" / "في المنطقة ذاتها"."""
    last = next((i for i in reversed(incidents) if i.place is not None and not i.place_weak), None)
    if last is not None:
        incident.place, incident.area_ar = last.place, last.area_ar
        incident.governorate_ar = incident.governorate_ar or last.governorate_ar


def complete(incident: Incident, s: Sentence, pos: int) -> None:
    """Details told in the sentence right after an incident: how, where to, with what."""
    trigger = main_trigger(s)
    follow = Incident(sentence=pos, span=s.span, destination=slots.choose_destination(s, trigger),
                      with_weapons=attributes.with_weapons(s.folded),
                      commander=attributes.includes_commander(s.folded),
                      reasons=attributes.reasons(s.folded),
                      consequences=attributes.consequences(s.folded), last_sentence=pos)
    if POINTER.search(s.folded) and not any(g.actor is not None and incident.group is not None
                                            and not actor_table.related(g.key, incident.group.key)
                                            for g in s.groups):
        if (incident.count is None or incident.count.value is None) and incident.single is None:
            pointer = POINTER.search(s.folded)
            found = slots.person_counts(s, trigger.start if trigger else pointer.start())
            follow.count = found[0][1].count if found else None
        if incident.place is None or incident.place_weak:
            follow.place, follow.place_weak, follow.area_ar = slots.choose_place(s, trigger)
            follow.governorate_ar = slots.governorate_of(follow.place, s, follow.area_ar)
        elif incident.place.kind in COARSE:
            place, weak, area = slots.choose_place(s, trigger)
            if place is not None and not weak and _inside(place, area, incident.place):
                follow.place, follow.area_ar = place, area
                follow.governorate_ar = slots.governorate_of(place, s, area)
    told = (follow.destination, follow.with_weapons, follow.count, follow.place) != (
        None, None, None, None) or follow.reasons or follow.consequences or follow.commander
    if told:
        follow.evidence = [s.whole]
    merge(incident, follow, fill_only=True)
    incident.last_sentence = pos


@cache
def _never_an_act() -> frozenset[str]:
    """Cancel reasons that no sentence score overrides (data/extraction.yaml)."""
    return frozenset(lexicon.data(FILE)["never_an_act"])


def find_incidents(sentences: list[Sentence], models=None) -> list[Incident]:
    """The incidents of a document, in the order they are first told.

    ``models`` is (sentence scorer, group scorer); the shipped ones by default."""
    sentence_model, group_model = (models or shipped_models())[:2]
    counts = document_group_counts(sentences)
    incidents: list[Incident] = []
    headline: list[Incident] = []
    abroad = told_abroad(sentences)  # a report from Yemen or Iraq tells no incident in Syria
    for pos, s in enumerate(sentences):
        features = sentence_features(sentences, pos) if s.triggers else None
        score = sentence_model.probability(features) if features is not None else 0.0
        s.extra["score"] = score
        last = incidents[-1] if incidents else None
        if s.live_triggers and ROSTER.search(s.folded) and roster_items(s):
            score = max(score, sentence_model.threshold)  # "المنشقين عن X وهم: …" names them
        scored = [(group_model.probability(group_features(sentences, c, counts)), c)
                  for c in group_candidates(sentences, pos)] if s.triggers else []
        if scored:  # a sentence that names the defectors' unit plainly is surer to tell an act
            best = max(p for p, c in scored if c.mention is not None or not s.groups)
            score = min(1.0, score + GROUP_EVIDENCE * (best - 0.5))
        if features is not None and plain_act(sentences, pos, features):
            score = max(score, sentence_model.threshold)
        if abroad:
            score = 0.0
        if s.triggers and all(t.cancelled_by in _never_an_act() for t in s.triggers):
            score = 0.0  # every act told is one the conventions never count (a prison escape)
        if score < sentence_model.threshold or _follow_up(s, last, pos):
            if last is not None and pos - 2 <= last.last_sentence < pos and s.number >= 0:
                complete(last, s, pos)
            continue
        chosen = _choose_groups(_unit_that_left_first(s, _not_the_destination(sentences, s, scored)))
        if len(chosen) > 1 and not _each_its_own(s, [c.mention for _, c in chosen]):
            chosen = _coordinated(s, chosen)
        for prob, cand in chosen:
            cand = _written_in_arabic(sentences, cand)
            incident = build_incident(sentences, pos, cand, score * prob, len(chosen) > 1)
            if incident.place is None and SAME_PLACE.search(s.folded):
                _same_place_as(incident, incidents)
            if s.is_title:
                headline.append(incident)
                continue
            told = [replace(incident, count=count, place=place, place_weak=False, area_ar=None,
                            governorate_ar=slots.governorate_of(place, s, None)
                            or incident.governorate_ar, evidence=list(incident.evidence),
                            another=i > 0)
                    for i, (count, place) in enumerate(counted_places(s, incident))
                    ] if len(chosen) == 1 else []
            for one in told or [incident]:
                add_incident(incidents, one)
            for named in roster(s, incident) + parallel_acts(s, incident):
                add_incident(incidents, named)
    for incident in headline:  # a headline sums up the body: it adds to what the body tells
        target = next((i for i in incidents if same_incident(i, incident)), None)
        if target is not None:
            merge(target, incident, fill_only=True)
        elif not incidents:
            incidents.append(incident)
    _report_place(sentences, incidents)
    return incidents


def _report_place(sentences: list[Sentence], incidents: list[Incident]) -> None:
    """An incident told with no place takes the report's own place: the place the most
    sentences give (at least two of them, unless it is the only place named), loosely tied."""
    if all(i.place is not None for i in incidents):
        return
    seen: dict[str, list] = {}
    for s in sentences:
        place, _, area = slots.choose_place(s, main_trigger(s))
        if place is not None:
            seen.setdefault(place_norm(place.name_ar), []).append((place, area, s))
    if not seen:
        return
    key = max(seen, key=lambda k: len(seen[k]))  # first named wins a tie
    if len(seen[key]) < 2 and len(seen) > 1:
        return
    place, area, s = seen[key][0]
    for incident in incidents:
        if incident.place is None:
            incident.place, incident.place_weak, incident.area_ar = place, True, area
            incident.governorate_ar = incident.governorate_ar or slots.governorate_of(
                place, s, area)


# ----------------------------------------------------------------------------- filter

def _whole_words(s_text: str, value: str | None) -> bool:
    """True when ``value`` occurs in the text as whole words (not cut inside a word)."""
    if not value:
        return True
    pos = s_text.find(value)
    if pos < 0:
        return True  # a canonical name, not a span of this text
    before = s_text[pos - 1] if pos > 0 else " "
    after = s_text[pos + len(value)] if pos + len(value) < len(s_text) else " "
    return not (LETTER.match(before) and before not in "وبل") and not LETTER.match(after)


def keep(incident: Incident, text: str) -> bool:
    """True for a concrete incident whose values are whole names."""
    if incident.group is None and incident.count_value is None and incident.place is None:
        return False
    if incident.group is None and incident.count_value is None:
        return False
    if incident.place is not None and len(LETTERS.findall(incident.place.name_ar)) < 2:
        incident.place = None  # "7", "–": not the name of a place
    spans = [incident.group.surface if incident.group else None,
             incident.place.name_ar if incident.place else None]
    return all(_whole_words(text, v) for v in spans)


# ----------------------------------------------------------------------------- events

def extract_events(doc: Document, models=None) -> list[DefectionEvent]:
    """Every defection incident reported in ``doc``, one event each, in text order.

    ``models`` replaces the shipped scorers (cross-validation in the training script)."""
    text = doc.text or ""
    if not text.strip():
        return []
    models = models or shipped_models()
    sentences = analyse_document(doc)
    incidents = [i for i in find_incidents(sentences, models)
                 if keep(i, f"{doc.title or ''}\n{text}")]
    return [to_event(doc, incident) for incident in incidents]


@cache
def shipped_models() -> tuple:
    """The scorers shipped with the package: sentence and group."""
    return linear.load("sentence"), linear.load("group")


def actor_name(surface: str) -> str:
    """A group's name as written, without what follows the name: a comma and the clause after
    it, a relative clause, or an attribute and what it says ("المسيطرة على …", "المدعوم
    روسياً", "التابعان لـ…")."""
    # a hashtag ("#كتيبة_X", as channels post them) is the name without its marks
    name = re.split(r"\s*[،,؛]", surface.replace("_", " ").replace("#", ""))[0]
    words = name.split()
    openers = lexicon.words(FILE, "name_openers_dropped")
    while len(words) > 1 and fold_word(words[0]) in openers:
        words = words[1:]  # "صفوف النظام" names النظام
    ends = lexicon.words(FILE, "name_enders")
    stems = lexicon.phrases(FILE, "name_trailer_stems")
    cut = next((i for i, w in enumerate(words) if i and (
        fold_word(w) in ends or fold_word(w).startswith(stems))), len(words))
    return " ".join(words[:cut]) or surface


def _actor(incident: Incident) -> Actor:
    """The event's actor: the unit as written, its force and side."""
    group = incident.group
    if group is None:
        return Actor()
    info = group.actor
    parent_info = None
    if incident.parent is not None and incident.parent.actor is not None:
        parent_info = incident.parent.actor
    elif info is not None and info.parent:
        parent_info = actor_table.get(info.parent)
    side = actor_table.side_of(info.id) if info else None
    if side is None and parent_info is not None:
        side = actor_table.side_of(parent_info.id)
    name = actor_name(group.surface)
    return Actor(id=info.id if info else "unit:" + "_".join(name.split()),
                 name_ar=name, name_en=info.name_en if info else None,
                 parent_ar=parent_info.name_ar if parent_info else None,
                 parent_id=parent_info.id if parent_info else None, side=side)


def to_event(doc: Document, incident: Incident) -> DefectionEvent:
    """The event record of an assembled incident."""
    actor = _actor(incident)
    count = incident.count_value
    if incident.count is not None and incident.count.value is not None:
        qualifier = incident.count.qualifier
    else:
        qualifier = "exact" if incident.single else "none"
    count_range = None
    if incident.count is not None and incident.count.low is not None and \
            incident.count.high is not None:
        count_range = [incident.count.low, incident.count.high]
    location = _location(incident)
    destination = incident.destination if incident.destination and \
        incident.destination.id != "unknown" and (incident.destination.id or
                                                  incident.destination.name_ar) else None
    date = incident_date(doc.text or "", [(s.start, s.end) for s in incident.evidence],
                         doc.published, incident.anchor)
    evidence = [Evidence(doc_id=doc.doc_id, text=s.text, start=s.start, end=s.end, url=doc.url)
                for s in incident.evidence if s.paragraph >= 0]
    first = incident.evidence[0].start if incident.evidence else 0
    seen = utc_now_iso()  # ingestion time (DESIGN): the incident's own date is `date`
    event_id = stable_id(doc.doc_id, actor.id, location.place_id or location.name_ar, count,
                         first)
    return DefectionEvent(
        event_id=event_id, actor=actor, count=count, count_qualifier=qualifier,
        count_range=count_range, includes_commander=incident.commander,
        with_weapons=incident.with_weapons, location=location, destination=destination,
        date=date, reasons=incident.reasons, consequences=incident.consequences,
        evidence=evidence,
        sources=[Source(doc_id=doc.doc_id, url=doc.url, outlet=doc.outlet,
                        published=doc.published)],
        first_seen=seen, last_seen=seen, corroboration=1)


def _gazetteer_place(incident: Incident):
    """The gazetteer entry of the place, else of the nearest wider area that has one."""
    if incident.place.place is not None:
        return incident.place.place, True
    own = incident.place.kind not in ("rif", "area") and not slots._directional(incident.place)
    names = [incident.place.name_ar, place_norm(incident.place.name_ar),
             place_norm(incident.area_ar), incident.governorate_ar]
    for index, name in enumerate(names):
        found = lookup(name) if name else None
        if found is not None:
            return found, index == 0 or (index == 1 and own)
    return None, False


def _location(incident: Incident) -> Location:
    """The place as named, its area and governorate, and coordinates from the gazetteer.

    A place that no dataset holds keeps its name and takes the coordinates (and precision) of
    its nearest named parent; nothing is invented.
    """
    if incident.place is None:
        return Location(governorate_ar=incident.governorate_ar)
    place, itself = _gazetteer_place(incident)
    geo = resolve_geo(place) if place is not None else None
    kind = {"rif": "area"}.get(incident.place.kind, incident.place.kind)
    return Location(
        name_ar=incident.place.name_ar, area_ar=incident.area_ar,
        governorate_ar=incident.governorate_ar or getattr(place, "governorate_ar", None),
        name_en=getattr(place, "name_en", None) if itself else None,
        geo=GeoPoint(lat=geo[0], lon=geo[1]) if geo and geo[0] is not None else None,
        precision=geo[2] if geo else kind,
        place_id=getattr(place, "id", None) if itself else (geo[3] if geo else None))
