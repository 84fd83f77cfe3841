"""Incident candidates of a document and the features the learned scorers read.

Two questions are asked of every analysed sentence (``analysis.Sentence``) that holds a
defection trigger, each by a linear scorer trained on gold reports
(``deploy/train_extraction.py``; weights in ``data/models/``):

1. ``sentence_features``: does this sentence report a concrete incident? (rather than a call,
   a denial, a plan, a tally, a civilian's resignation, background …)
2. ``group_features``: for each group named in or just before it — or nobody — is this the
   unit the defectors left?

The features describe the structure around words, not the words of particular reports: the
kind of trigger and what cancels it, which counts, places, times and destinations the sentence
holds, and for a group its shape (listed, numbered, quoted, named), the word that ties it to
the sentence (عن/من صفوف/عناصر/إلى/التابع لـ/مصادر …, classes in ``data/relations.yaml``),
where it stands from the trigger, and whether another group in the sentence is its unit or its
parent. Every function is pure.

``told_abroad`` is no feature: it tells ``extract.find_incidents`` that a report is about an
incident outside Syria (``data/abroad.yaml``), which gives no event whatever the scores.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from transforms import actors as actor_table
from transforms import attributes, lexicon, slots
from transforms.analysis import GroupMention, Sentence
from transforms.normalize import article_cut, clitic_forms
from transforms.triggers import Trigger, trigger_number

RELATIONS = ("from", "member", "to", "parent", "reporter", "control", "other")
MAIN_KINDS = ("verb", "leave", "surrender", "join", "exit", "flee")
YEAR = re.compile(r"(?<![\w\d])(?:19|20)\d\d(?![\d])")
QUESTION = re.compile(r"[؟?]")
FILE = "incidents"  # data/incidents.yaml: the word lists of the features below
BARE_PREPS = "بل"  # a word is looked up in the lists below without و/ف and ب/ل (ك stays)


# The relations of a sentence's other groups that tell a candidate's part by contrast.
RIVAL_RELATIONS = frozenset({"from", "member", "to", "parent"})


def _words(key: str) -> frozenset[str]:
    return lexicon.words(FILE, key)


@cache
def _pattern(key: str, clitics: str = "", name: str = FILE) -> re.Pattern:
    """A whole-word regex of list ``key`` of data file ``name`` (its phrases may span spaces,
    an entry ending in ``*`` takes any ending), ``clitics`` before."""
    return re.compile(rf"(?<![\w]){clitics}(?:{lexicon.pattern(name, key)})(?![\w])")


def _background() -> re.Pattern:
    return _pattern("background")


def _speech() -> re.Pattern:
    return _pattern("speech", r"[وف]?")


def _ranks() -> re.Pattern:
    return _pattern("ranks", r"[وب]?(?:ال)?")


@dataclass(frozen=True)
class GroupCandidate:
    """A group that may be the defectors' unit in sentence ``sentence``; None for nobody."""
    sentence: int  # position in the analysed list
    mention: GroupMention | None
    origin: int  # position of the sentence that names it (== sentence, or an earlier one)


# ----------------------------------------------------------------------------- helpers

@lru_cache(maxsize=1)
def _relation_words() -> dict[str, frozenset]:
    """Relation classes of ``data/relations.yaml`` (folded)."""
    return {name: lexicon.words("relations", name) for name in RELATIONS}


def _success() -> frozenset[str]:
    """Words saying the act succeeded ("تمكن 6 جنود من الانشقاق"): those of the triggers."""
    return lexicon.words("triggers", "success")


def relation_of(word: str) -> str:
    """The relation class of the word before a group's name ("none" when unknown)."""
    table = _relation_words()
    for _, form in clitic_forms(word, preps=BARE_PREPS):
        for name in RELATIONS:
            if form in table[name]:
                return name
    return "none"


def group_relation(s: Sentence, g: GroupMention) -> str:
    """The relation class of the word right before group ``g`` in ``s`` (عن X → "from")."""
    return relation_of((s.words_before(g.start, 1) or [""])[0])


def main_trigger(sentence: Sentence) -> Trigger | None:
    """The trigger the sentence is about: a live act first (verb, leaving, joining …)."""
    live = sentence.live_triggers
    for pool in (tuple(t for t in live if t.kind in MAIN_KINDS), live, sentence.triggers):
        if pool:
            return pool[0]
    return None


def _bucket(value: int, edges=(0, 2, 5, 10, 20)) -> str:
    """A coarse bucket label for a non-negative distance."""
    for edge in edges:
        if value <= edge:
            return f"<={edge}"
    return f">{edges[-1]}"


def _person_counts(sentence: Sentence, anchor: int = 0) -> list:
    """Counts of people in the sentence (not years, unit numbers, cars or days)."""
    from transforms.slots import person_counts  # the count rules live with the slot choice
    return [c for _, c in person_counts(sentence, anchor) if c.count.value is not None]


# ----------------------------------------------------------------------------- sentence

def sentence_features(sentences: list[Sentence], i: int) -> dict[str, float]:
    """Features of "sentence ``i`` reports a concrete defection incident"."""
    s = sentences[i]
    f: dict[str, float] = {"bias": 1.0}
    trigger = main_trigger(s)
    if trigger is None:
        f["no_trigger"] = 1.0
        return f
    f[f"main_kind={trigger.kind}"] = 1.0
    f[f"main_cancel={trigger.cancelled_by or 'none'}"] = 1.0
    f[f"main_kind_cancel={trigger.kind}:{trigger.cancelled_by or 'none'}"] = 1.0
    if trigger.political:
        f["main_political"] = 1.0
    f["n_live"] = min(len(s.live_triggers), 3) / 3
    f["n_cancelled"] = min(sum(1 for t in s.triggers if t.cancelled_by), 3) / 3
    for t in s.triggers:
        f[f"has_kind={t.kind}"] = 1.0
        if t.cancelled_by:
            f[f"has_cancel={t.cancelled_by}"] = 1.0
        if t.political:
            f["has_political"] = 1.0
    if not s.live_triggers:
        f["no_live"] = 1.0
    elif all(t.kind == "join" for t in s.live_triggers) and not any(
            group_relation(s, g) == "from" for g in s.groups):
        f["join_only"] = 1.0  # "انضم 300 شاب إلى X": recruits, unless they came from a unit
    after = s.words_after(trigger.end, 2)
    if after and relation_of(after[0]) == "from" or after[:1] in (["عن"], ["من"]):
        f["trigger_then_from"] = 1.0
        f[f"trigger_then_from={trigger.kind}"] = 1.0  # "انشقاقه عن X" is not "المنشقين عن X"
    if after and relation_of(after[0]) == "to":
        f["trigger_then_to"] = 1.0
    before = s.words_before(trigger.start, 3)
    if any(w in _words("announce") for w in before):
        f["announced"] = 1.0
    if any(w in _words("announce") for w in s.words_between(0, trigger.start)):
        f["announce_in_sentence"] = 1.0  # "أعلنت كتيبة X العاملة ضمن …، انشقاقها"
    if any(w in _words("auxiliary") for w in before):
        f["auxiliary_before"] = 1.0
    if any(w in _words("future") for w in before):
        f["future_or_modal"] = 1.0
    f[f"number={trigger_number(trigger) or 'unknown'}"] = 1.0
    if trigger.kind in ("noun", "plural") and article_cut(trigger.text) is not None:
        f["main_definite"] = 1.0  # "سبب الهروب", "عملية الانشقاق": the act told already, by name
    f.update(_act_templates(s, trigger))
    counts = _person_counts(s, trigger.start)
    if counts:
        f["has_count"] = 1.0
        near = min(abs(c.start - trigger.start) for c in counts)
        f[f"count_dist{_bucket(len(s.words_between(min(near, 0), near)))}"] = 1.0
        if any(c.count.value == 1 for c in counts):
            f["count_one"] = 1.0
        if any((c.count.value or 0) >= 1000 for c in counts):
            f["count_thousands"] = 1.0
    if any(c.count.value is None for c in s.counts):
        f["vague_count"] = 1.0
    groups = s.groups
    if groups:
        f["has_group"] = 1.0
        f["n_groups"] = min(len(groups), 4) / 4
        rels = {group_relation(s, g) for g in groups}
        for rel in rels:
            f[f"group_rel={rel}"] = 1.0
        if any(g.actor is None for g in groups):
            f["has_unlisted_group"] = 1.0
    else:
        f["no_group"] = 1.0
    kinds = {p.ref.kind for p in s.places}
    if kinds & set(slots.LOCAL_KINDS) or any(
            p.ref.source == "pattern" and p.ref.kind is None for p in s.places):
        f["has_local_place"] = 1.0
    elif kinds:
        f["has_wide_place"] = 1.0
    if s.times:
        f["has_time"] = 1.0
    if YEAR.search(s.folded):
        f["has_year"] = 1.0
    if s.destinations:
        f["has_destination"] = 1.0
        if any(d.dest is not None and d.dest.id for d in s.destinations):
            f["has_known_destination"] = 1.0
    if _background().search(s.folded):
        f["background_word"] = 1.0
    if any(w in _words("recap_openers") for w in s.words_between(0, len(s.folded))[:2]):
        f["recap_opener"] = 1.0  # "يذكر أن X انشق عن …": what is known, told again
    if _speech().search(s.folded):
        f["speech_verb"] = 1.0
    if _ranks().search(s.folded):
        f["rank_or_title"] = 1.0
    if _pattern("settlement", r"[وف]?[بل]?(?:ال)?").search(s.folded):
        f["settlement"] = 1.0  # "أجرى 800 شاب ومنشق تسويات": a settlement, not an act
    if attributes.with_weapons(s.folded):
        f["weapons"] = 1.0
    if QUESTION.search(s.text):
        f["question"] = 1.0
    if s.is_title:
        f["title"] = 1.0
    if s.number == 0:
        f["first_sentence"] = 1.0
    f[f"len{_bucket(len(s.tokens), (8, 15, 30, 50))}"] = 1.0
    before = sentences[i - 1] if i > 0 else None
    if before is not None and before.live_triggers:
        f["prev_has_live"] = 1.0
    f.update(_capture_after(sentences, i, trigger))
    f.update(_document_features(sentences, i))
    return f


def _capture_after(sentences: list[Sentence], i: int, trigger: Trigger) -> dict[str, float]:
    """Words of capture after the act, in its sentence or the next: a foiled attempt or
    defectors caught ("حاولوا الفرار … ليتم القبض عليهم")."""
    f: dict[str, float] = {}
    capture = _words("capture")
    s = sentences[i]
    if any(form in capture for w in s.words_between(trigger.end, len(s.folded))
           for _, form in clitic_forms(w, preps=BARE_PREPS)):
        f["capture_after"] = 1.0
    nxt = sentences[i + 1] if i + 1 < len(sentences) else None
    if nxt is not None and any(form in capture for w in nxt.words_between(0, len(nxt.folded))
                               for _, form in clitic_forms(w, preps=BARE_PREPS)):
        f["capture_next"] = 1.0
    return f


def _act_templates(s: Sentence, trigger: Trigger) -> dict[str, float]:
    """The shapes a report of an act takes around its trigger, and those of background."""
    f: dict[str, float] = {}
    before = s.words_before(trigger.start, 4)
    after = s.words_after(trigger.end, 3)
    people = _words("people")
    people_counts = _person_counts(s, trigger.start)
    counts_before = [c for c in people_counts if 0 <= trigger.start - c.end <= 40
                     and s.same_clause(c.start, trigger.start)]
    counts_after = [c for c in people_counts if 0 <= c.start - trigger.end <= 12]
    if counts_before or any(w in people for w in before[-3:]):
        f["people_then_act"] = 1.0  # "انشق 12 عنصراً" / "12 عنصراً انشقوا"
    if counts_after or any(w in people for w in after[:2]):
        f["act_then_people"] = 1.0  # "انشقاق 50 عنصراً من"
    linked = [g for g in s.groups if s.same_clause(g.start, trigger.start)
              and group_relation(s, g) in ("from", "member")]
    if linked:
        f["group_linked_in_clause"] = 1.0
    if any(w in _words("relatives") for w in before[-2:]):
        f["relative_clause"] = 1.0  # "الذين انشقوا": who they are, not what happened
    clause = s.words_between(max(0, trigger.start - 80), trigger.start)[-8:]
    if any(form in _success() for w in clause for _, form in clitic_forms(w, preps=BARE_PREPS)) \
            and s.same_clause(max(0, trigger.start - 60), trigger.start):
        f["managed_to"] = 1.0  # "تمكن 6 جنود من الانشقاق": the act succeeded
    if any(w in _words("after_words") for w in before[-2:]):
        f["after_the_act"] = 1.0  # "بعد انشقاقه": what came of it
    if any(w in _words("past_words") for w in before):
        f["long_ago"] = 1.0
    if any(d.start > trigger.start and s.same_clause(d.start, trigger.start)
           for d in s.destinations):
        f["destination_in_clause"] = 1.0
    return f


# ----------------------------------------------------------------------------- where

ABROAD = "abroad"  # data/abroad.yaml: places and forces outside Syria, and Syria's own name
# Sides whose names do not tell the report is about Syria: they fight abroad too (ISIS in Iraq,
# Hezbollah in Lebanon, the Iraqi militias of Iran) or are foreign states and coalitions.
CROSS_BORDER_SIDES = frozenset({"other", "isis", "iran_backed"})
AFTER_ACT_FROM = re.compile(r"\s+(?:[^\s.،,]+\s+){0,2}عن\s+")  # "انشق جندي عن " before the unit


def _abroad_pattern(key: str) -> re.Pattern:
    """A whole-word regex of list ``key`` of ``abroad.yaml``, clitics and article before."""
    return _pattern(key, r"[وف]?[بل]?(?:ال|ل)?", ABROAD)


def _syrian_group(g: GroupMention) -> bool:
    """A listed group of a Syrian side (not an umbrella name, not a force of every border)."""
    return (g.actor is not None and not g.actor.generic
            and actor_table.side_of(g.actor.id) not in CROSS_BORDER_SIDES)


def where_told(s: Sentence) -> tuple[bool, bool]:
    """(names a place or force abroad, names something only Syrian) for sentence ``s``.

    Syrian: Syria's own name, a place the gazetteer knows (unless a foreign name covers it)
    or a listed group of a Syrian side; the forces that fight on both sides of a border and
    umbrella names ("الجيش") tell nothing."""
    spans = [m.span() for key in ("places", "forces")
             for m in _abroad_pattern(key).finditer(s.folded)
             if not any(g.start <= m.start() and m.end() <= g.end and g.actor is not None
                        and actor_table.side_of(g.actor.id) != "other" for g in s.groups)]
    syrian = bool(_abroad_pattern("syria").search(s.folded))
    if not syrian:
        syrian = any(p.ref.place is not None and not any(a < p.end and p.start < b
                                                         for a, b in spans)
                     for p in s.places)
    if not syrian:
        syrian = any(_syrian_group(g) and not any(a < g.end and g.start < b for a, b in spans)
                     for g in s.groups)
    return bool(spans), syrian


def _left_a_foreign_force(s: Sentence) -> bool:
    """An act whose unit left is a force of another country: "انشقاقه عن الجيش اللبناني"."""
    forces = _abroad_pattern("forces")
    for t in s.triggers:  # عن within the three words after the act ("انشق جندي عن …")
        gap = AFTER_ACT_FROM.match(s.folded, t.end)
        if gap and forces.match(s.folded, gap.end()):
            return True
    return False


def told_abroad(sentences: list[Sentence]) -> bool:
    """True for a report of an incident outside Syria, which the conventions never count: it
    names places or forces abroad and nothing only Syrian (a defection in Yemen, Iraq or
    Libya), or it tells an act against a foreign army and no Syrian unit that anyone left."""
    marks = [where_told(s) for s in sentences]
    if any(a for a, _ in marks) and not any(y for _, y in marks):
        return True
    return any(_left_a_foreign_force(s) for s in sentences) and not any(
        _syrian_group(g) and group_relation(s, g) == "from"
        for s in sentences for g in s.groups)


def live_sentences(sentences: list[Sentence]) -> list[int]:
    """Positions of the sentences besides the headline that tell an act nothing cancels."""
    return [j for j, s in enumerate(sentences) if s.live_triggers and not s.is_title]


def _document_features(sentences: list[Sentence], i: int) -> dict[str, float]:
    """What the whole report says: a headline about a defection, how many sentences tell one."""
    f: dict[str, float] = {}
    title = sentences[0] if sentences and sentences[0].is_title else None
    if title is not None and i != 0:
        f["doc_title_live"] = float(bool(title.live_triggers))
        f["doc_title_cancelled"] = float(bool(title.triggers) and not title.live_triggers)
    live = live_sentences(sentences)
    f[f"doc_live_sentences{_bucket(len(live), (1, 2, 4))}"] = 1.0
    if live and live[0] == i:
        f["doc_first_live"] = 1.0
    # what cancels the document's other triggers: a report of a denial, a call to defect or a
    # tally tells it in most of its sentences, a report of an act only here and there
    reasons = {t.cancelled_by or ("political" if t.political else "live")
               for j, s in enumerate(sentences) if j != i for t in s.triggers}
    for reason in reasons - {"live"}:
        f[f"doc_other_cancel={reason}"] = 1.0
    if reasons and "live" not in reasons:
        f["doc_others_all_cancelled"] = 1.0
    return f


# ----------------------------------------------------------------------------- groups

def group_candidates(sentences: list[Sentence], i: int) -> list[GroupCandidate]:
    """The groups that may be the defectors' unit in sentence ``i``, and nobody (None).

    The sentence's own groups, and — when it names none that is tied to the act — the groups
    of the sentence before it and of the headline, which the sentence may continue.
    """
    own = [GroupCandidate(i, g, i) for g in sentences[i].groups]
    context: list[GroupCandidate] = []
    seen = {g.mention.key for g in own}
    for j in (i - 1, 0):
        if 0 <= j < i and (j == i - 1 or sentences[j].is_title):
            for g in sentences[j].groups:
                if g.key not in seen:
                    seen.add(g.key)
                    context.append(GroupCandidate(i, g, j))
    return [*own, *context, GroupCandidate(i, None, i)]


def _specificity(mention: GroupMention) -> str:
    """How specific a group is: a unit of a force, a force, an umbrella, an unlisted unit."""
    if mention.actor is None:
        return "unlisted_" + ("numbered" if mention.shape in ("number", "ordinal") else
                              mention.shape)
    if mention.actor.generic:
        return "umbrella"
    if mention.actor.kind != "group":
        return "side"
    return "unit" if mention.actor.parent else "force"


def _ancestor_of_other(mention: GroupMention, others: list[GroupMention]) -> bool:
    """True when another group of the sentence is a unit of this one."""
    if mention.actor is None:
        return False
    return any(o is not mention and o.actor is not None
               and mention.actor.id in actor_table.ancestors(o.actor.id) for o in others)


def in_destination(sentence: Sentence, mention: GroupMention) -> bool:
    """True when the group's name lies inside a destination phrase (إلى X، انضموا إلى X)."""
    return any(d.start <= mention.start < max(d.end, d.start + 3) for d in sentence.destinations)


def group_features(sentences: list[Sentence], cand: GroupCandidate,
                   doc_counts: dict[str, int]) -> dict[str, float]:
    """Features of "this group is the unit the defectors of sentence ``cand.sentence`` left"."""
    s = sentences[cand.sentence]
    f: dict[str, float] = {"bias": 1.0}
    trigger = main_trigger(s)
    if cand.mention is None:
        f["nobody"] = 1.0
        f["nobody_groups"] = min(len(s.groups), 3) / 3
        if _ranks().search(s.folded):
            f["nobody_rank"] = 1.0
        if any(c.count.value == 1 for c in s.counts):
            f["nobody_count_one"] = 1.0
        if not s.groups:
            f["nobody_no_group"] = 1.0
        return f
    g = cand.mention
    home = sentences[cand.origin]
    f[f"spec={_specificity(g)}"] = 1.0
    f[f"shape={g.shape}"] = 1.0
    if g.head:
        f[f"head={g.head}"] = 1.0
    if g.actor is not None:
        f[f"side={actor_table.side_of(g.actor.id) or 'none'}"] = 1.0
    if cand.origin != cand.sentence:
        f["context"] = 1.0
        f["context_title"] = float(home.is_title)
        f[f"context_spec={_specificity(g)}"] = 1.0
        f["context_own_groups"] = float(any(not in_destination(s, o) for o in s.groups))
    before = home.words_before(g.start, 2)
    rel1 = relation_of(before[-1]) if before else "start"
    rel2 = relation_of(before[-2]) if len(before) > 1 else "start"
    f[f"rel1={rel1}"] = 1.0
    f[f"rel2={rel2}"] = 1.0
    f[f"rel12={rel2}:{rel1}"] = 1.0
    if before and before[-1][:1] in "لب" and not before[-1].startswith("ال"):
        f["clitic_before"] = 1.0
    raw_before = home.folded[max(0, g.start - 2):g.start]
    if raw_before.endswith(("ل", "ب")) and not raw_before.endswith(" "):
        f["attached_clitic"] = 1.0
    after = home.words_after(g.end, 1)
    if after:
        f[f"rel_after={relation_of(after[0])}"] = 1.0
    if in_destination(home, g):
        f["in_destination"] = 1.0
    if _ancestor_of_other(g, list(home.groups)):
        f["has_unit_in_sentence"] = 1.0
    if any(o is not g and o.actor is not None and g.actor is not None
           and o.actor.id in actor_table.ancestors(g.actor.id) for o in home.groups):
        f["has_parent_in_sentence"] = 1.0
    role = subject_role(s, g, trigger) if cand.origin == cand.sentence else None
    if role:
        f[f"subject={role}"] = 1.0
        f[f"subject_number={role}:{trigger_number(trigger) or 'unknown'}"] = 1.0
    others = [o for o in home.groups if o is not g]
    if cand.origin == cand.sentence and any(subject_role(s, o, trigger) for o in others):
        f["other_is_subject"] = 1.0
        f[f"other_is_subject&rel1={rel1}"] = 1.0
    if cand.origin == cand.sentence and trigger is not None:
        gap = len(s.words_between(min(g.end, trigger.start), max(g.start, trigger.end)))
        side = "before" if g.end <= trigger.start else "after"
        f[f"pos={side}"] = 1.0
        f[f"dist_{side}{_bucket(gap)}"] = 1.0
        f["same_clause"] = float(s.same_clause(g.start, trigger.start))
        ranks = sorted(s.groups, key=lambda o: abs(o.start - trigger.start))
        f["nearest"] = float(ranks[0] is g)
        f[f"kind_{trigger.kind}_{side}"] = 1.0
        f[f"rel1_{side}={rel1}"] = 1.0
    if cand.origin == cand.sentence:  # what the rivals are: the one "from" X, the one "to" Y
        for rel in {group_relation(s, o)
                    for o in others} & RIVAL_RELATIONS:
            f[f"other_rel={rel}"] = 1.0
    first = home.groups[0] is g if home.groups else False
    f["first_in_sentence"] = float(first)
    f["mentions_in_doc"] = min(doc_counts.get(g.key, 0), 4) / 4
    if any(o.key == g.key for o in (sentences[0].groups if sentences[0].is_title else ())):
        f["in_title"] = 1.0
    f["words"] = min(len(g.surface.split()), 6) / 6
    if g.actor is not None and g.actor.kind == "group" and _is_umbrella_force(g):
        f["top_force"] = 1.0
    return f


def subject_role(s: Sentence, g: GroupMention, trigger: Trigger | None) -> str | None:
    """How a group is the subject of the act, if it is: the unit itself defected.

    "before": right before the verb ("كتيبة X انشقت"); "after": right after the trigger
    ("انشقت كتيبة X"، "انشقاق لواء X"); "announcer": the unit announces an act that points
    back to it ("أعلنت كتيبة X … انشقاقها"، "كتيبة X تعلن انشقاقها")."""
    if trigger is None or trigger.start <= g.start < trigger.end:
        return None
    own = bool(re.search(r"(?:ه|ها|هم|هما)$", trigger.text))
    if g.end <= trigger.start:
        between = s.words_between(g.end, trigger.start)
        before = s.words_before(g.start, 1)
        if own and len(between) <= 25 and (any(w in _words("announce") for w in between[:2]) or (
                before and before[0] in _words("announce")) or _announced(s, g)):
            return "announcer"
        if len(between) <= 2 and s.same_clause(g.end, trigger.start) and not any(
                relation_of(w) in ("from", "to", "parent") or w in _words("link_words")
                for w in between) and trigger.kind != "noun":
            return "before"
        return None
    between = s.words_between(trigger.end, g.start)
    if len(between) <= 1 and not any(relation_of(w) in ("from", "to", "member", "parent")
                                     or w in _words("link_words") for w in between):
        return "after"
    left = [o for o in s.groups if o is not g and trigger.end <= o.start and o.end <= g.start]
    if left:  # "انشقت عن الحركة كتيبة X": the force left named first, the unit after it
        o = max(left, key=lambda m: m.end)
        lead = s.words_between(trigger.end, o.start)
        if len(lead) == 1 and relation_of(lead[0]) == "from" and not s.words_between(o.end, g.start) \
                and s.same_clause(trigger.end, g.start):
            return "after"
    return None


def _announced(s: Sentence, g: GroupMention) -> bool:
    """"أعلنت ما تعرف بـ"كتائب X""، "أعلنت حركة Y "القطاع X"": an announcing verb a few words
    before the unit, or before the force named right before it."""
    start = g.start
    for o in sorted(s.groups, key=lambda m: -m.end):
        if o is not g and o.end <= start and not s.words_between(o.end, start):
            start = o.start
    return any(w in _words("announce") for w in s.words_before(start, 4))


def _is_umbrella_force(mention: GroupMention) -> bool:
    """True for the widest names of a side (قوات النظام، قسد، المعارضة …)."""
    return mention.actor is not None and not mention.actor.parent


def document_group_counts(sentences: list[Sentence]) -> dict[str, int]:
    """How many sentences of the document name each group."""
    counts: dict[str, int] = {}
    for s in sentences:
        for key in {g.key for g in s.groups}:
            counts[key] = counts.get(key, 0) + 1
    return counts
