"""Defection events of one document: every incident it reports, each once.

``extract_events(doc)`` is pure: the same document gives the same events (and ids). It reads
the text sentence by sentence (``sentences``), finds live defection triggers (``triggers``),
and for each one the group (``actors``), the count, place, destination and time
(``mentions``) and the attributes (``attributes``). Context carries over: a sentence that names
no group takes the group of the sentence before it (or the headline's), and a sentence that
only adds details to the last incident (no new group, place or count) is merged into it.
Candidates that describe the same incident (same group, compatible count and place) become one
event. Background statements (counted cases, intentions, calls, fears) give none.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from schemas.records import (
    Actor,
    DefectionEvent,
    Destination,
    Document,
    Evidence,
    GeoPoint,
    Location,
    Source,
    stable_id,
    utc_now_iso,
)
from transforms import actors as actor_table
from transforms import attributes
from transforms.actors import ActorInfo, ActorMention
from transforms.arabic_fold import fold, fold_word
from transforms.destinations import destination_spans
from transforms.incident_date import incident_date
from transforms.mentions import (
    Count,
    PlaceRef,
    TimeRef,
    find_counts,
    find_places,
    find_times,
    lookup,
    resolve_geo,
)
from transforms.sentences import Span, split_sentences
from transforms.triggers import Trigger, find_triggers

WORD = re.compile(r"[\w]+")
DATA = Path(__file__).parent / "data" / "extraction.yaml"
_WORDS = yaml.safe_load(DATA.read_text(encoding="utf-8"))


def _folded_set(key: str) -> frozenset:
    """A word list of ``data/extraction.yaml``, folded like the text."""
    return frozenset(fold_word(w) for w in _WORDS[key])


LINKS = _folded_set("links")
PARENT_WORDS = _folded_set("parent_words")
DESCRIPTORS = _folded_set("descriptors")
REPORTERS = _folded_set("reporters")
NATIVE = _folded_set("natives")
NEAR = _folded_set("near")
SUBSET_BEFORE = _folded_set("subset_before")
REFERENTIAL = _folded_set("referential")
MEMBER_BEFORE = _folded_set("member_before")
PLURAL_TITLES = _folded_set("plural_titles")
SINGLE_TITLE_WORDS = _folded_set("single_titles")
TIME_GENERIC = _folded_set("time_generic")


def _stems_regex(key: str, head: str, tail: str = "") -> re.Pattern:
    """A regex matching any (folded) word of ``data/extraction.yaml``'s list ``key``."""
    return re.compile(head + "(?:" + "|".join(re.escape(w) for w in _WORDS[key]) + ")" + tail)


NON_PERSON = _stems_regex("non_person_stems", r"^(?:ال)?")
PERSON_NOUN = _stems_regex("person_noun_stems", r"^(?:ال)?")
GROUP_NOUNS = _stems_regex("group_nouns", r"(?<![\w])(?:[وب])?(?:ال)?", r"(?![\w])")
DUAL_TITLE = _stems_regex("dual_titles", r"(?<![\w])(?:ال)?", r"(?![\w])")
QUOTED_GROUP = re.compile(r"[\"“”«»]\s*((?:كتيبة|كتيبه|لواء|ألوية|الوية|جيش|فرقة|فرقه|حركة|"
                          r"حركه|فيلق|تجمع|جبهة|جبهه|حماة|سرايا|فوج|مجلس|تنظيم|هيئة|هيئه|"
                          r"فصيل|قوات|مجموعة|مجموعه|غرفة|اتحاد)[^\"“”«»\n]{2,60})\s*[\"“”«»]")
POINTER = re.compile(r"(?<![\w])(?:هولاء|تلك\s+المجموعه|هذه\s+المجموعه|ال?منشق\S*|ال?فار(?:ين|ون))")
KIND_RANK = {"neighbourhood": 6, "village": 6, "town": 6, "city": 5, "subdistrict": 4,
             "area": 3, "district": 3, None: 3, "rif": 2, "governorate": 1}
# Between a trigger and a group named in apposition ("عنصران من قوى الأمن الداخلي «الأسايش»").
APPOSITIVE_GAP = re.compile(r"[^،,؛]*(?<![\w])(?:من|عن)\s[^،,؛]*")
MAX_TIME_DISTANCE = 70  # characters between a time expression and the trigger it dates
SINGLE_AFTER_TRIGGER = re.compile(
    r"(?<![\w])[وف]?(?:انشق|انشقت|فر|هرب|انشقاق|فرار|هروب)\s+(?:احد\s+\S+|ال?قيادي|ال?ضابط|"
    r"عنصر|جندي|مقاتل|مجند|عسكري|شاب|متطوع|صف\s+ضابط)(?![\w])")
QUESTION = re.compile(r"[؟?]\s*$")
ADDITIVE = re.compile(r"^\s*(?:و?كذلك|كما|ايضا|وايضا|الي\s+جانب|فضلا|اضافه|بالاضافه|ومن\s+جهه\s+اخري|"
                      r"من\s+جهه\s+اخري|وفي\s+تطور\s+اخر|في\s+سياق\s+اخر)(?![\w])")


@dataclass
class _Candidate:
    """One live trigger sentence with what it says about the incident."""
    sentence: int
    paragraph: int
    span: Span
    actor: ActorInfo | None = None
    actor_explicit: bool = False
    source_id: str | None = None
    count: Count | None = None
    single: int | None = None  # 1 or 2 when a named officer (or two) is the defector
    place: PlaceRef | None = None
    place_weak: bool = False
    area_ar: str | None = None
    governorate_ar: str | None = None
    destination: Destination | None = None
    time: TimeRef | None = None
    with_weapons: bool | None = None
    commander: bool = False
    reasons: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    evidence: list[Span] = field(default_factory=list)
    participle_only: bool = False
    referential: bool = False
    additive: bool = False
    status_only: bool = False  # only tells what happened to defectors already reported
    definite_only: bool = False  # only "المنشقون/المنشقين": the defectors already told of
    last_sentence: int = 0

    @property
    def count_value(self) -> int | None:
        """The number of defectors, when the text gives one."""
        if self.count is not None and self.count.value is not None:
            return self.count.value
        return self.single

    @property
    def place_key(self) -> str | None:
        """Folded name of the place, for comparisons."""
        return _place_norm(self.place.name_ar) if self.place and not self.place_weak else None


def _place_norm(name: str | None) -> str:
    """Folded place name for comparisons (ديرالزور → دير الزور, no ريف/direction words)."""
    text = fold_word(name or "").replace("ديرالزور", "دير الزور")
    text = re.sub(r"(?<![\w])ال(?=\w\w)", "", text)
    text = re.sub(r"(?<![\w])(?:ريف|مدينه|محافظه|بلده|قريه)(?![\w])", " ", text)
    text = re.sub(r"(?<![\w])[بلو]?(?:شرقي|غربي|شمالي|جنوبي|ب?عموم)(?![\w])", " ", text)
    text = re.sub(r"(?<![\w])ل(?=دير|حلب|حمص|حماه|دمشق|درعا|ادلب)", "", text)
    return " ".join(text.split())


def _times_conflict(a: TimeRef | None, b: TimeRef | None) -> bool:
    """True when both times are given and cannot be the same (no shared word, other dates)."""
    if a is None or b is None:
        return False
    if a.date_start and b.date_start:
        return a.date_start != b.date_start
    wa = set(fold_word(a.text).split()) - TIME_GENERIC
    wb = set(fold_word(b.text).split()) - TIME_GENERIC
    return bool(wa and wb) and not wa & wb


# ----------------------------------------------------------------------------- sentence level

def _to_folded(index: tuple[int, ...], offset: int) -> int:
    """Folded offset of an original offset (``index`` maps folded → original)."""
    return min(bisect.bisect_left(index, offset), len(index) - 1)


def _words_before(folded: str, start: int, n: int) -> list[str]:
    """The ``n`` words before ``start``, stripped of the conjunction و."""
    words = WORD.findall(folded[max(0, start - 80):start])[-n:]
    return [w[1:] if len(w) > 2 and w[0] == "و" else w for w in words]


def _word_before(folded: str, start: int) -> str:
    """The word right before ``start`` without و/ف and the clitics ب/ل."""
    words = _words_before(folded, start, 1)
    return words[0] if words else ""


def _governing_word(folded: str, start: int) -> str:
    """The word that governs a group's name, skipping descriptors (عن قوات X → عن)."""
    words = _words_before(folded, start, 3)
    while words and words[-1] in DESCRIPTORS:
        words.pop()
    return words[-1] if words else ""


def _is_linked(folded: str, mention: ActorMention) -> bool:
    """True when the group name is introduced as the people's group (من/عن/صفوف X…)."""
    body = folded[mention.start:mention.end]
    if body.startswith(("ل ", "لل", "بال")) or (body[:1] in "لب" and not body.startswith("ال")
                                               and not mention.actor.name_ar.startswith(
                                                   body[:1])):
        return True
    before = _word_before(folded, mention.start)
    stripped = before[1:] if before[:1] in ("ب", "ل") and len(before) > 3 else before
    return before in LINKS or stripped in LINKS


def _is_reporter(folded: str, start: int) -> bool:
    """True when the name belongs to who reports (مصادر تابعة لقسد), not who defected."""
    return any(w in REPORTERS for w in _words_before(folded, start, 3))


def _unlisted_groups(span: Span, folded: str, index) -> list[ActorMention]:
    """Quoted group names that the actors table does not hold (“كتيبة …”, "جيش …")."""
    out = []
    for match in QUOTED_GROUP.finditer(span.text):
        name = match.group(1).strip()
        folded_name = fold_word(name)
        if actor_table.find_actors(folded_name):
            continue
        start = _to_folded(index, match.start(1))
        end = _to_folded(index, match.end(1))
        info = ActorInfo("group:" + folded_name.replace(" ", "_"), name, None, None, "group")
        out.append(ActorMention(info, start, end))
    return out


# "منشق سابق"، "المنشق عن النظام منذ سنوات": a person's description, not a new act.
FORMER = re.compile(r"\s+(?:ال)?سابق(?:ين|ون|ان|ه)?(?![\w])|[^،,.؛:]{0,40}?(?<![\w])منذ\s+"
                    r"(?:سنوات|اعوام|سنين|عده\s+(?:سنوات|اعوام)|سنه|عام|العام|\d{4})")
RELATIVE = frozenset({"الذي", "التي", "الذين", "وهو", "هو"})
DEFINITE = re.compile(r"^[وف]?(?:ال|بال|لل)")


def _former(folded: str, trigger: Trigger) -> bool:
    """True for a defector described as one of long ago (منشق سابق، الذي انشق منذ سنوات)."""
    if trigger.kind not in ("participle", "verb"):
        return False
    if trigger.kind == "verb" and _word_before(folded, trigger.start) not in RELATIVE:
        return False
    return bool(FORMER.match(folded, trigger.end))


def _origin(folded: str, mention: ActorMention) -> bool:
    """True for where people come from, not a group they serve in (من أبناء العشائر)."""
    first = folded[mention.start:mention.end].split()[:1]
    return bool(first and (first[0] in NATIVE or first[0][1:] in NATIVE)) or \
        _word_before(folded, mention.start) in NATIVE


def _same_clause(folded: str, mention: ActorMention, trigger: Trigger) -> bool:
    """True when no clause boundary separates the group's name from the trigger."""
    lo, hi = min(mention.start, trigger.start), max(mention.end, trigger.end)
    return not re.search(r"[،,؛]", folded[lo:hi])


def _choose_actor(folded: str, mentions: list[ActorMention], trigger: Trigger,
                  dest_ranges, participle: bool,
                  allow_unlinked: bool) -> tuple[ActorMention | None, str | None]:
    """The defecting group of the sentence and the group they left (عن X), if named."""
    usable = [m for m in mentions
              if m.actor.kind == "group"
              and not any(s <= m.start < e for s, e, _ in dest_ranges)
              and not _is_reporter(folded, m.start)
              and (not participle or m.start >= trigger.start or trigger.start - m.end < 50)]
    usable = [m for m in usable if not set(_words_before(folded, m.start, 4)) & SUBSET_BEFORE
              and not _origin(folded, m)]
    subject = [m for m in usable if 0 <= trigger.start - m.end <= 3 and trigger.kind == "verb"]
    near_after = [m for m in usable if 0 <= m.start - trigger.end <= 45
                  and APPOSITIVE_GAP.fullmatch(folded[trigger.end:m.start])]
    linked = [m for m in usable if _is_linked(folded, m) or m in subject or m in near_after]
    parents = [m for m in linked if _governing_word(folded, m.start) in PARENT_WORDS
               or _word_before(folded, m.start)[:6] in PARENT_WORDS]
    if len(parents) < len(linked):
        linked = [m for m in linked if m not in parents]  # "اللواء 8 التابع لـX": X is its parent
    if trigger.kind == "participle":
        right_after = [m for m in linked if 0 <= m.start - trigger.end <= 20
                       and _governing_word(folded, m.start) == "عن"]
        if right_after:  # "منشقين عن قسد": the group they left is theirs
            return right_after[0], None
    source = next((m for m in linked if _governing_word(folded, m.start) == "عن"
                   and m.start > trigger.start - 10), None) or next(
        (m for m in linked if _governing_word(folded, m.start) == "عن"), None)
    members = [m for m in linked if m is not source]
    if trigger.kind == "verb" and source is not None and _same_clause(folded, source, trigger):
        members = [m for m in members if _same_clause(folded, m, trigger)]
    pool = members or ([source] if source else []) or (usable if allow_unlinked else [])
    if not pool:
        return None, None

    def distance(m: ActorMention) -> float:
        near = trigger.start - m.end if m.start < trigger.start else (m.start - trigger.end) * 0.5
        return near * (1.5 if m.actor.id.startswith("group:") else 1.0)

    chosen = min(pool, key=distance)
    units = [m for m in pool if chosen.actor.id in actor_table.ancestors(m.actor.id)
             and not m.actor.generic]
    if units:  # "قائد الفرقة السابعة ... انشق عن الجيش": the unit, not its parent force
        chosen = units[0]
    source_id = source.actor.id if source else None
    return chosen, source_id


def _choose_count(counts: list[Count], index, folded: str, trigger: Trigger,
                  participle: bool) -> Count | None:
    """The amount of defectors: the person count nearest the trigger in the sentence."""
    best, best_key = None, None
    for count in counts:
        start, end = _to_folded(index, count.start), _to_folded(index, count.end)
        if participle and not start < trigger.start <= end + 2 and (
                start < trigger.start or re.search(r"[،,؛]", folded[trigger.end:start])):
            continue
        noun = fold_word(count.noun or "") or (WORD.findall(folded[end:end + 30]) or [""])[0]
        if noun.startswith("من ") or noun == "من":
            noun = (WORD.findall(folded[end:end + 40])[1:2] or [""])[0]
        if noun and NON_PERSON.match(noun) and not noun.startswith(("عناصر", "عنصر")):
            continue
        if count.value is not None and not PERSON_NOUN.match(noun or "") and not (
                participle and start < trigger.start <= end + 2):
            continue  # a number that counts something else (a year, an outlet's name)
        if set(_words_before(folded, start, 2)) & SUBSET_BEFORE:
            continue
        distance = trigger.start - end if end <= trigger.start else start - trigger.end
        if distance > 130:
            continue
        key = (count.value is None, abs(distance))
        if best_key is None or key < best_key:
            best, best_key = count, key
    return best


def _single_defector(folded: str, trigger: Trigger, has_group: bool) -> int | None:
    """1 (or 2) when the defector is a named officer or official rather than a group."""
    if DUAL_TITLE.search(folded):
        return 2
    if has_group:
        return None
    for start, end in attributes.commander_spans(folded):
        title = WORD.findall(folded[start:end])[-1]
        title = title[1:] if title[:1] in "وب" and title[1:] in SINGLE_TITLE_WORDS else title
        if title in PLURAL_TITLES or title not in SINGLE_TITLE_WORDS:
            continue
        if set(_words_before(folded, start, 2)) & MEMBER_BEFORE:
            continue
        return 1
    if SINGLE_AFTER_TRIGGER.search(folded):
        return 1
    return None


PLACE_INTRO = re.compile(r"(?:(?<![\w])(?:في|من|قرب|بمحيط|محيط|عند|داخل)\s+|(?<![\w])[بو]?ب)$")


def _introduced(folded: str, start: int) -> bool:
    """True when a place name is introduced as a place (في X، بX، قرب X)."""
    return bool(PLACE_INTRO.search(folded[max(0, start - 8):start]))


def _directional(place: PlaceRef) -> bool:
    """True for a place given as a direction from another (غرب مدينة دير الزور)."""
    return bool(re.match(r"(?:شرق|غرب|شمال|جنوب)", fold_word(place.name_ar)))


def _choose_place(places: list[PlaceRef], index, folded: str, dest_ranges, actor_ranges,
                  trigger: Trigger) -> tuple[PlaceRef | None, bool, str | None]:
    """The incident's place, whether it is only loosely tied to the act (weak), its area.

    The most specific place wins, with a bonus for the trigger's own clause; places that are
    only the defectors' home town or a reference point are used when nothing else is named.
    """
    scored = []
    for place in places:
        start = _to_folded(index, place.start)
        if any(s <= start < (e if dest.id else e + 6)
               for s, e, dest in dest_ranges if dest is not None):
            continue
        if any(s <= start < e for s, e in actor_ranges):
            continue
        before = _words_before(folded, start, 3)
        if any(w in REPORTERS for w in before):
            continue
        reference = "كم" in before or (before[-2:-1] == ["بعد"]) or bool(
            set(before[-2:]) & NATIVE) or bool(set(before[-2:]) & NEAR)
        if place.source == "gazetteer" and not _introduced(folded, start):
            reference = True  # a bare word that happens to be a village name
        same_clause = not re.search(r"[،,؛]", folded[min(start, trigger.start):
                                                    max(start, trigger.end)])
        score = (KIND_RANK.get(place.kind, 3) - (1 if _directional(place) else 0)
                 + (1.5 if same_clause else 0) - (10 if reference else 0))
        landmark = bool(set(before[-2:]) & NEAR) and place.source != "gazetteer"
        scored.append((score, -abs(place.start - index[trigger.start]), place, same_clause,
                       reference, landmark))
    if not scored:
        return None, False, None
    best = max(scored, key=lambda item: item[:2])
    _, _, place, same_clause, reference, _ = best
    # "من حاجز قرب بلدة X بريف Y": X is only a reference point when a more specific place is
    # named; otherwise it is the most precise place there is.
    landmarks = [item for item in scored if item[5] and KIND_RANK.get(item[2].kind, 3)
                 > KIND_RANK.get(place.kind, 3)]
    if landmarks and not any(KIND_RANK.get(item[2].kind, 3) >= KIND_RANK.get(
            landmarks[0][2].kind, 3) for item in scored if not item[4]):
        _, _, place, same_clause, _, _ = landmarks[0]
        reference = False
    area = None
    for other in places:
        if other is not place and other.kind in ("area", "rif") and \
                0 <= other.start - place.end <= 4:
            area = other.name_ar
    return place, reference or not same_clause, area


def _referential(folded: str, trigger: Trigger) -> bool:
    """True for a noun that points back to an act told before (عملية الانشقاق، سبب انشقاقهم)."""
    if trigger.kind not in ("noun", "participle"):
        return False
    before = _word_before(folded, trigger.start)
    if before == "بعد" and trigger.text.endswith(("هم", "ه", "ها")):
        return True
    return before in REFERENTIAL or (before[:1] in "لب" and before[1:] in REFERENTIAL)


def _numbers_in(counts: list[Count], index, start: int, end: int) -> set[int]:
    """Values of the exact counts between two folded offsets."""
    return {c.value for c in counts if c.value is not None
            and start <= _to_folded(index, c.start) < end}


def _pieces(span: Span) -> list[Span]:
    """The sentence, cut between clauses that each tell an incident with its own count."""
    folded, index = fold(span.text)
    triggers = [t for t in find_triggers(folded) if t.live and t.kind != "participle"
                and not _referential(folded, t)]
    if len(triggers) < 2:
        return [span]
    counts = find_counts(span.text)
    cuts, start = [], 0
    for current, following in zip(triggers, triggers[1:], strict=False):
        boundary = max(folded.rfind(mark, current.end, following.start) for mark in "،؛,")
        if boundary < 0:
            continue
        after = re.search(r"[،؛,]", folded[following.end:])
        stop = following.end + after.start() if after else len(folded)
        mine = _numbers_in(counts, index, start, boundary)
        theirs = _numbers_in(counts, index, boundary, stop)
        if mine and theirs and not mine & theirs:
            cuts.append(boundary)
            start = boundary
    if not cuts:
        return [span]
    pieces, begin = [], 0
    for cut in [*cuts, len(folded)]:
        lo, hi = index[begin], index[cut]
        pieces.append(Span(span.start + lo, span.start + hi, span.text[lo:hi], span.paragraph))
        begin = cut + 1
    return pieces


def _analyse(span: Span, number: int, published: str | None, doc_destination: list,
             allow_unlinked: bool = False,
             fresh: bool = False) -> tuple[_Candidate | None, list[ActorMention],
                                                     list[PlaceRef]]:
    """The candidate of one sentence (None when it reports no act), its groups and places."""
    folded, index = fold(span.text)
    triggers = find_triggers(folded)
    mentions = [*actor_table.find_actors(folded), *_unlisted_groups(span, folded, index)]
    mentions.sort(key=lambda m: m.start)
    places = [p for p in find_places(span.text)
              if not any(m.start <= _to_folded(index, p.start) < m.end for m in mentions)]
    linked = [m for m in mentions if _is_linked(folded, m) and m.actor.kind == "group"]
    question = bool(QUESTION.search(span.text))
    live, cancelled = [], False
    for trigger in triggers:
        inherits = cancelled and trigger.text.startswith("و") and trigger.kind == "noun"
        if trigger.live and not inherits and not question and not _former(folded, trigger):
            live.append(trigger)
        elif trigger.cancelled_by and not trigger.political:
            cancelled = True
    status_only = False
    if not live:
        if triggers and any(t.cancelled_by in ("aggregate", None) for t in triggers):
            for _, _, dest in destination_spans(folded, triggers[0].start):
                if dest is not None and dest.id and dest.id != "unknown":
                    doc_destination.append(dest)
        # "منازل ذوي عناصرها الفارين": no new act, but it may name the group of the last one
        live = [t for t in triggers if t.cancelled_by == "status" and t.kind == "participle"]
        status_only = True
        if not live:
            return None, linked, places
    trigger = next((t for t in live if not _referential(folded, t)
                    and t.kind in ("verb", "leave", "surrender")), None) or next(
        (t for t in live if not _referential(folded, t)), live[0])
    dest_ranges = destination_spans(folded, 0, span.text, index)
    # "بعد انشقاقهم" points back, unless nothing was told before: then it is the report itself
    participle = trigger.kind == "participle" or (_referential(folded, trigger) and not fresh)
    chosen, source_id = _choose_actor(folded, mentions, trigger,
                                      [(s, e, d) for s, e, d in dest_ranges], participle,
                                      allow_unlinked)
    counts = find_counts(span.text)
    count = _choose_count(counts, index, folded, trigger, participle)
    has_group = bool(GROUP_NOUNS.search(folded)) or (count is not None) or any(
        w in PLURAL_TITLES for w in WORD.findall(folded))
    actor_ranges = [(m.start, m.end) for m in mentions]
    place, weak, area = _choose_place(places, index, folded, dest_ranges, actor_ranges, trigger)
    if place is None:  # "فرّوا نحو بادية X": the place they fled to is the incident's place
        for s, e, dest in dest_ranges:
            if dest is None:
                sub = [p for p in places if s <= _to_folded(index, p.start) < e + 2]
                if sub:
                    place, weak, area = sub[0], False, None
                    break
    anchor = index[trigger.start]
    times = [t for t in find_times(span.text, published)
             if min(abs(t.start - anchor), abs(t.end - anchor)) <= MAX_TIME_DISTANCE]
    time = min(times, key=lambda t: abs(t.start - anchor)) if times else None
    destination = next((d for _, _, d in dest_ranges if d is not None and d.id), None) or next(
        (d for _, _, d in dest_ranges if d is not None), None)  # a known side before free text
    cand = _Candidate(
        sentence=number, paragraph=span.paragraph, span=span,
        actor=chosen.actor if chosen else None, actor_explicit=chosen is not None,
        source_id=source_id, count=count,
        single=None if count else _single_defector(folded, trigger, has_group),
        place=place, place_weak=weak, area_ar=area,
        governorate_ar=_governorate(place, places, area),
        destination=destination, time=time,
        with_weapons=attributes.with_weapons(folded),
        commander=attributes.includes_commander(folded),
        reasons=attributes.reasons(folded), consequences=attributes.consequences(folded),
        evidence=[span], participle_only=all(t.kind == "participle" or _referential(folded, t)
                                             for t in live),
        referential=all(_referential(folded, t) for t in live),
        additive=bool(ADDITIVE.match(folded)), status_only=status_only,
        definite_only=all(t.kind == "participle" and DEFINITE.match(t.text)
                          and not re.match(r"\s+عن\s", folded[t.end:]) for t in live),
        last_sentence=number)
    return cand, linked, places


ROSTER = re.compile(r"(?<![\w])(?:وهم|هم|وهما|هما|ابرزهم|منهم)\s*:")
ITEM_PLACE = re.compile(r"(?<![\w])في\s+([\w]+(?:\s+ال[\w]+)?)\s*$")


def _roster(cand: _Candidate, span: Span) -> list[_Candidate]:
    """Named defectors listed after "وهم:" (one officer each, "قائد … في البصيرة")."""
    folded, index = fold(span.text)
    match = ROSTER.search(folded)
    if not match or cand.actor is None:
        return []
    out: list[_Candidate] = []
    begin = match.end()
    for piece in re.split(r"([،,؛])", folded[match.end():]):
        item_start, begin = begin, begin + len(piece)
        item = piece.strip(" .")
        if not item or not attributes.includes_commander(item):
            continue
        original = span.text[index[item_start]:index[item_start + len(piece)]]
        places = find_places(original)
        place = max(places, key=lambda p: KIND_RANK.get(p.kind, 3)) if places else None
        tail = ITEM_PLACE.search(piece.rstrip(" ."))
        if place is None and tail:
            start, end = index[item_start + tail.start(1)], index[item_start + tail.end(1)]
            place = PlaceRef(span.text[start:end], start, end, None)
        if place is None:
            continue
        out.append(_Candidate(
            sentence=cand.sentence, paragraph=cand.paragraph, span=span, actor=cand.actor,
            actor_explicit=True, source_id=cand.source_id, single=1, place=place,
            governorate_ar=place.governorate_ar or cand.governorate_ar, commander=True,
            evidence=[span], last_sentence=cand.sentence))
    return out


def _governorate(place: PlaceRef | None, places: list[PlaceRef], area: str | None) -> str | None:
    """Governorate of the place, else of its area, else one named in the sentence."""
    if place is not None:
        if place.governorate_ar:
            return place.governorate_ar
        gazetteer_place = place.place or lookup(place.name_ar)
        gov = getattr(gazetteer_place, "governorate_ar", None)
        if gov:
            return gov
    found = next((other.governorate_ar for other in places if other.governorate_ar), None)
    if found or place is None:
        return found
    for other in places:  # "حي X في مدينة Y": the governorate of the city it belongs to
        gov = getattr(other.place or lookup(other.name_ar), "governorate_ar", None)
        if gov:
            return gov
    return None


# ----------------------------------------------------------------------------- merging

def _places_compatible(a: _Candidate, b: _Candidate) -> bool:
    """True when two candidates' places can be the same incident's."""
    if a.place_key is None or b.place_key is None:
        return True
    if a.place_key == b.place_key or a.place_key in b.place_key or b.place_key in a.place_key:
        return True
    for x, y in ((a, b), (b, a)):
        wider = [_place_norm(y.area_ar), _place_norm(y.governorate_ar)]
        if x.place.kind in ("governorate", "area", "rif") and any(
                w and (x.place_key in w or w in x.place_key) for w in wider):
            return True
        if x.place.kind == "governorate" and not y.governorate_ar:
            return True
    return False


def _compatible(event: _Candidate, cand: _Candidate) -> bool:
    """True when ``cand`` describes the same incident as ``event``."""
    if event.actor is None or cand.actor is None:
        same_actor = True
    elif event.actor.id == cand.actor.id:
        same_actor = True
    elif actor_table.related(event.actor.id, cand.actor.id):
        near = cand.sentence - event.last_sentence <= 2
        same_count = event.count is not None and cand.count is not None and \
            event.count.value is not None and event.count.value == cand.count.value
        same_actor = near or same_count
    else:
        same_actor = False
    if not same_actor:
        return False
    if event.count_value is not None and cand.count_value is not None and \
            event.count_value != cand.count_value:
        return False
    if event.source_id and cand.source_id and event.source_id != cand.source_id:
        return False
    if _times_conflict(event.time, cand.time):
        return False
    return _places_compatible(event, cand)


def _more_specific(a: ActorInfo | None, b: ActorInfo | None) -> bool:
    """True when ``b`` is a unit of ``a``."""
    return bool(a and b) and a.id in actor_table.ancestors(b.id)


def _merge(event: _Candidate, cand: _Candidate, fill_only: bool = False) -> None:
    """Fold the details of ``cand`` into ``event`` (the earlier mention wins on conflicts)."""
    if fill_only and event.place is not None and not event.place_weak:
        cand.place = None
    if event.actor is None or (not fill_only and _more_specific(event.actor, cand.actor)
                               and cand.actor_explicit
                               and (cand.participle_only or not (
                                   event.actor_explicit and event.count_value is not None
                                   and cand.count_value is None))):
        event.actor, event.actor_explicit = cand.actor, cand.actor_explicit or event.actor_explicit
    elif (not fill_only and cand.actor_explicit and cand.count is not None
          and cand.count.value is not None and event.count_value is None
          and _more_specific(cand.actor, event.actor)):
        event.actor = cand.actor  # the sentence with the figure names the group it counts
    if event.count is None or (event.count.value is None and cand.count
                               and cand.count.value is not None):
        if cand.count is not None:
            event.count = cand.count
    if event.single is None and event.count is None:
        event.single = cand.single
    if cand.place is not None and (event.place is None or (not cand.place_weak and (
            event.place_weak or KIND_RANK.get(cand.place.kind, 3)
            > KIND_RANK.get(event.place.kind, 3)))):
        event.place, event.place_weak = cand.place, cand.place_weak
        event.area_ar = cand.area_ar or event.area_ar
        event.governorate_ar = cand.governorate_ar or event.governorate_ar
    event.area_ar = event.area_ar or cand.area_ar
    event.governorate_ar = event.governorate_ar or cand.governorate_ar
    if event.destination is None or event.destination.id == "unknown":
        event.destination = cand.destination or event.destination
    event.time = event.time or cand.time
    event.source_id = event.source_id or cand.source_id
    if event.with_weapons is None:
        event.with_weapons = cand.with_weapons
    event.commander = event.commander or cand.commander
    event.reasons = sorted(set(event.reasons) | set(cand.reasons), key=_REASON_ORDER.index)
    event.consequences = [c for c in ("raids", "arrests_of_relatives")
                          if c in event.consequences or c in cand.consequences]
    event.evidence.extend(s for s in cand.evidence if s not in event.evidence)
    event.last_sentence = max(event.last_sentence, cand.sentence)


_REASON_ORDER = ["frontline_deployment", "mistreatment", "unpaid_or_low_pay",
                 "security_situation", "conscription", "coordination_with_other_side"]


def _is_followup(cand: _Candidate) -> bool:
    """True when the sentence only adds details to the incident told before it."""
    if cand.referential:
        return True
    if cand.participle_only and not cand.actor_explicit:
        return True
    return not cand.actor_explicit and cand.count is None and cand.single is None and (
        cand.place is None or cand.place_weak)


def _concrete(cand: _Candidate) -> bool:
    """True when the candidate names enough to be an incident (not background)."""
    if cand.actor is None:
        return False
    if cand.actor.id.startswith("group:") and not cand.source_id and not (
            cand.governorate_ar or (cand.place is not None and cand.place.place is not None)):
        return False  # a group we do not know, with nothing that places it in Syria
    return any((cand.count is not None, cand.single is not None,
                cand.place is not None, cand.destination is not None and
                cand.destination.id != "unknown", cand.time is not None))


# ----------------------------------------------------------------------------- events

def _title_first(doc: Document, text: str) -> bool:
    """True when the text already starts with the headline."""
    if not doc.title:
        return True
    return fold_word(doc.title)[:40] in fold_word(text[:400])


def extract_events(doc: Document) -> list[DefectionEvent]:
    """Every defection incident reported in ``doc``, one event each, in text order."""
    text = doc.text or ""
    if not text.strip():
        return []
    doc_destination: list[Destination] = []
    context_actor: ActorInfo | None = None
    if doc.title and not _title_first(doc, text):
        title_span = Span(0, len(doc.title), doc.title, -1)
        cand, linked, _ = _analyse(title_span, -1, doc.published, doc_destination)
        if cand is not None and cand.destination is not None and cand.destination.id:
            doc_destination.append(cand.destination)
        if cand is not None and cand.actor is not None:
            context_actor = cand.actor
        elif linked:
            context_actor = linked[0].actor
    events: list[_Candidate] = []
    sentences = split_sentences(text)
    previous_place: tuple[int, PlaceRef, str | None, str | None] | None = None
    last_governorate: str | None = None
    for number, piece in ((n, p) for n, s in enumerate(sentences) for p in _pieces(s)):
        span = sentences[number]
        cand, linked, places = _analyse(piece, number, doc.published, doc_destination,
                                        allow_unlinked=not events and context_actor is None,
                                        fresh=not events)
        if cand is not None:
            cand.span, cand.evidence = span, [span]
            cand.governorate_ar = cand.governorate_ar or last_governorate
        last_governorate = next((p.governorate_ar for p in places if p.governorate_ar),
                                last_governorate)
        if cand is None:
            useful = [p for p in places if p.kind not in ("governorate", "rif")]
            if useful:
                previous_place = (number, useful[0], None, useful[0].governorate_ar)
            if events and events[-1].last_sentence == number - 1:
                _add_aftermath(events[-1], span)
            if linked and (events or context_actor is None):
                context_actor = context_actor if events else linked[-1].actor
            continue
        if cand.status_only:
            if events and cand.actor_explicit and _compatible(events[-1], cand):
                _merge(events[-1], cand)
            continue
        if cand.actor is None:
            cand.actor = events[-1].actor if events else context_actor
        if cand.definite_only and cand.count is None and cand.source_id is None and events \
                and events[-1].last_sentence >= number - 1:
            _merge(events[-1], cand, fill_only=True)  # "وأضاف أن المنشقين ..." tells more
            continue
        if _is_followup(cand) and events:
            _merge(events[-1], cand, fill_only=True)
            continue
        if cand.place is None and previous_place and previous_place[0] >= number - 1:
            _, place, area, gov = previous_place
            cand.place, cand.place_weak, cand.area_ar, cand.governorate_ar = place, True, area, gov
        if not _concrete(cand):
            if cand.actor_explicit:
                context_actor = cand.actor
            if events and cand.actor and events[-1].actor and \
                    actor_table.related(events[-1].actor.id, cand.actor.id):
                _merge(events[-1], cand)
            elif events and cand.participle_only and events[-1].last_sentence >= number - 1:
                _add_aftermath(events[-1], span)  # "المنشقون ... بمساعدة X" tells how they went
            continue
        for item in [cand, *_roster(cand, span)]:
            target = None if item.additive else next(
                (e for e in reversed(events) if _compatible(e, item)), None)
            if target is not None:
                _merge(target, item)
            else:
                events.append(item)
        context_actor = cand.actor
        if cand.place is not None and not cand.place_weak:
            previous_place = (number, cand.place, cand.area_ar, cand.governorate_ar)
    _specialise(events, sentences, text)
    if doc_destination:
        for event in events:
            if event.destination is None:
                event.destination = doc_destination[0]
    return [_to_event(doc, event) for event in events]


def _add_aftermath(event: _Candidate, span: Span) -> None:
    """Details told in the sentence right after an incident: consequences, weapons taken."""
    folded = fold(span.text)[0]
    found = attributes.consequences(folded)
    event.consequences = [c for c in ("raids", "arrests_of_relatives")
                          if c in event.consequences or c in found]
    if event.with_weapons is None:
        event.with_weapons = attributes.with_weapons(folded)


def _specialise(events: list[_Candidate], sentences: list[Span], text: str) -> None:
    """Replace a parent force by its one unit named in the same paragraph (الفوج 47)."""
    for event in events:
        if event.actor is None or event.actor.id.startswith("group:"):
            continue
        paragraphs = {s.paragraph for s in event.evidence}
        units = set()
        for span in sentences:
            if span.paragraph in paragraphs and POINTER.search(fold(span.text)[0]):
                for mention in actor_table.find_actors(fold(span.text)[0]):
                    if event.actor.id in actor_table.ancestors(mention.actor.id) and \
                            not mention.actor.generic and event.actor.id != "regime":
                        units.add(mention.actor.id)
        if len(units) == 1:
            event.actor = actor_table.get(units.pop())


def _to_event(doc: Document, cand: _Candidate) -> DefectionEvent:
    """The event record of a merged candidate."""
    info = cand.actor
    parent = actor_table.get(info.parent) if info and info.parent else None
    if info and info.id.startswith("group:") and cand.source_id:
        parent = actor_table.get(cand.source_id)
    actor = Actor(id=info.id if info else None, name_ar=info.name_ar if info else None,
                  name_en=info.name_en if info else None,
                  parent_ar=parent.name_ar if parent else None,
                  parent_id=parent.id if parent else None)
    count = cand.count.value if cand.count is not None and cand.count.value is not None \
        else cand.single
    qualifier = cand.count.qualifier if cand.count is not None and count is not None else (
        "exact" if cand.single else "none")
    count_range = None
    if cand.count is not None and cand.count.low is not None and cand.count.high is not None:
        count_range = [cand.count.low, cand.count.high]
    location = _location(cand)
    destination = cand.destination if cand.destination and cand.destination.id != "unknown" \
        else None
    first = cand.evidence[0]
    date = incident_date(doc.text or "", [(s.start, s.end) for s in cand.evidence],
                         doc.published)
    evidence = [Evidence(doc_id=doc.doc_id, text=s.text, start=s.start, end=s.end, url=doc.url)
                for s in cand.evidence if s.paragraph >= 0]
    seen = doc.published or utc_now_iso()
    event_id = stable_id(doc.doc_id, actor.id, location.place_id or location.name_ar, count,
                         first.start)
    return DefectionEvent(
        event_id=event_id, actor=actor, count=count, count_qualifier=qualifier,
        count_range=count_range, includes_commander=cand.commander,
        with_weapons=cand.with_weapons, location=location, destination=destination,
        date=date, reasons=cand.reasons, consequences=cand.consequences, evidence=evidence,
        sources=[Source(doc_id=doc.doc_id, url=doc.url, outlet=doc.outlet,
                        published=doc.published)],
        first_seen=seen, last_seen=seen, corroboration=1)


def _gazetteer_place(cand: _Candidate):
    """The gazetteer entry of the place, else of the nearest wider area that has one."""
    if cand.place.place is not None:
        return cand.place.place, True
    own = cand.place.kind not in ("rif", "area") and not _directional(cand.place)
    names = [cand.place.name_ar, _place_norm(cand.place.name_ar),
             _place_norm(cand.area_ar), cand.governorate_ar]
    for index, name in enumerate(names):
        found = lookup(name) if name else None
        if found is not None:
            return found, index == 0 or (index == 1 and own)
    return None, False


def _location(cand: _Candidate) -> Location:
    """The location record: the place as named, its area and governorate, and coordinates.

    A place that no dataset holds keeps its name and takes the coordinates (and precision) of
    its nearest named parent; nothing is invented.
    """
    if cand.place is None:
        return Location(governorate_ar=cand.governorate_ar)
    place, itself = _gazetteer_place(cand)
    geo = resolve_geo(place) if place is not None else None
    kind = {"rif": "area"}.get(cand.place.kind, cand.place.kind)
    return Location(
        name_ar=cand.place.name_ar, area_ar=cand.area_ar,
        governorate_ar=cand.governorate_ar or getattr(place, "governorate_ar", None),
        name_en=getattr(place, "name_en", None) if itself else None,
        geo=GeoPoint(lat=geo[0], lon=geo[1]) if geo and geo[0] is not None else None,
        precision=geo[2] if geo else kind,
        place_id=getattr(place, "id", None) if itself else (geo[3] if geo else None))
