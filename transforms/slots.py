"""The count, place, destination and time of one incident, chosen in its sentence.

Each chooser takes the analysed sentence (``analysis.Sentence``), the trigger the incident
hangs on and, when known, the defectors' group, and returns the best candidate of the
sentence or None. They read the mentions the analysis found and the word lists of
``data/extraction.yaml``: a count must count people near the act, a place must be introduced as
one (في/من/قرب X، بريف X) and not be a destination, a reporter or a reference point.
"""
from __future__ import annotations

import re
from functools import cache

from schemas.records import Destination
from transforms import attributes, lexicon
from transforms.analysis import CountAt, GroupMention, Place, Sentence
from transforms.mentions import Count, PlaceRef, TimeRef, lookup
from transforms.normalize import fold_word
from transforms.triggers import Trigger, trigger_number
from transforms.units import head_noun

FILE = "extraction"
WORD = re.compile(r"[\w]+")
LOCAL_KINDS = ("village", "town", "city", "neighbourhood", "subdistrict")  # finer than an area
KIND_RANK = {"neighbourhood": 6, "village": 6, "town": 6, "city": 5, "subdistrict": 4,
             "area": 3, "district": 3, None: 3, "rif": 2, "governorate": 1}
PLACE_INTRO = re.compile(
    rf"(?:(?<![\w])(?:{lexicon.pattern(FILE, 'place_intros')})\s+|(?<![\w])[بو]?ب)$")
DIRECTION = re.compile(r"[وب]?(?:ال)?(?:شرق|غرب|شمال|جنوب)(?:ي|ا)?")
REPORTER_REACH = 5  # words from a reporter's word to a place in its description
MAX_COUNT_DISTANCE = 300  # characters between a count and the act it counts
MAX_TIME_DISTANCE = 70
DATELINE = re.compile(r"\s*(?:\(|-|–|—|:|/)")
COMPANIONS = re.compile(
    rf"(?<![\w])(?:{lexicon.pattern(FILE, 'companion_intros')})\s+(?:(احد|عدد\s+من|\d+|[\w]+)\s+)?"
    rf"(?:من\s+)?(?:{lexicon.pattern(FILE, 'companion_nouns')})(?![\w])")


@cache
def _stems(key: str, head: str = r"^(?:ال)?", tail: str = "") -> re.Pattern:
    """A regex for the stems of list ``key`` of ``data/extraction.yaml``."""
    return re.compile(head + "(?:" + lexicon.alternation(lexicon.phrases(FILE, key)) + ")" + tail)


def _words(key: str) -> frozenset[str]:
    return lexicon.words(FILE, key)


# ----------------------------------------------------------------------------- count

def _counted_noun(s: Sentence, c: CountAt) -> str:
    """The noun a count counts (the parser's, else the word after the figure)."""
    noun = fold_word(c.count.noun or "")
    if not noun:
        noun = (s.words_after(c.end, 1) or [""])[0]
    if noun == "من" or noun.startswith("من "):
        noun = (s.words_after(c.end, 2)[1:2] or [""])[0]
    return noun


def person_counts(s: Sentence, anchor: int, participle: bool = False) -> list[tuple[int, CountAt]]:
    """(distance, count) of the counts of people in the sentence, best first.

    A count in the act's own clause comes before one in another clause; then the nearest."""
    non_person, person = _stems("non_person_stems"), _stems("person_noun_stems")
    out = []
    for c in s.counts:
        noun = _counted_noun(s, c)
        if noun and non_person.match(noun) and not noun.startswith(("عناصر", "عنصر")):
            continue
        if c.count.value is not None and not person.match(noun or "") and not (
                participle and c.start < anchor <= c.end + 2):
            continue  # a number that counts something else (a year, a unit's number)
        defectors = _called_defectors(s, c)
        if set(s.words_before(c.start, 2)) & _words("subset_before") and not defectors:
            continue
        distance = anchor - c.end if c.end <= anchor else c.start - anchor
        if distance <= MAX_COUNT_DISTANCE:
            out.append((distance, c, defectors))
    out.sort(key=lambda item: (item[1].count.value is None, not item[2],
                               not s.same_clause(item[1].start, anchor), item[0]))
    return [(distance, c) for distance, c, _ in out]


def _called_defectors(s: Sentence, c: CountAt) -> bool:
    """True when the counted people are called defectors ("55 شخصاً بينهم 17 جندياً منشقاً":
    the 17 are the defectors, the 55 are all who crossed)."""
    return any(_stems("defector_stems").match(w) for w in s.words_after(c.end, 2))


def choose_count(s: Sentence, trigger: Trigger, group: GroupMention | None = None,
                 participle: bool = False) -> Count | None:
    """The number of defectors: the count of people nearest the act (or its group)."""
    anchor = group.start if group is not None else trigger.start
    found = person_counts(s, anchor, participle)
    return _with_coordinated(s, found[0][1]) if found else None


JOINED_ITEM = re.compile(r"\s*(?:[\w]+\s+){0,2}?و\s*$")


def _joined(s: Sentence, end: int, start: int) -> bool:
    """True when the text from ``end`` to ``start`` only joins two items of one list of people:
    up to two words describing the first (no preposition, no act), then و."""
    gap = s.folded[end:start]
    if end > start or len(gap) > 30 or not JOINED_ITEM.match(gap):
        return False
    words = WORD.findall(gap)
    return not any(w in _words("list_breakers") for w in words) and not any(
        end <= t.start < start for t in s.triggers)


def _with_coordinated(s: Sentence, best: CountAt) -> Count:
    """The count with the people listed with it ("جنرال وعقيدين و3 ضباط" → 6; "خمسين جندياً
    وضابطاً برتبة عميد" → 51): figures, two-person titles and single titles joined by و."""
    c = best.count
    if c.value is None:
        return c
    people = _words("single_titles") | _words("person_singulars")
    cands = [(o.start, o.end, o.count.value) for o in s.counts
             if o is not best and o.count.value is not None and person_counts_noun(s, o)]
    for m in WORD.finditer(s.folded):
        if any(o.start <= m.start() < o.end or m.start() <= o.start < m.end() for o in s.counts):
            continue
        word, start = m.group(), m.start()
        if word[:1] == "و" and len(word) > 3:
            word, start = word[1:], start + 1
        if word in _words("dual_titles"):
            cands.append((start, m.end(), 2))
        elif _person_word(word, people) and not (
                word.endswith("ا") and s.folded[best.end:start].strip() == "و"):
            cands.append((start, m.end(), 1))  # not "47 عنصراً وضابطاً": one figure for both
    first, last, total = best.start, best.end, c.value
    grown = True
    while grown:
        grown = False
        for cand in list(cands):
            start, end, value = cand
            between = (last, start) if start >= last else (end, first)
            if any(between[0] <= o[0] < between[1] for o in cands if o is not cand):
                continue  # only the item right next to the list joins it
            if _joined(s, last, start) or _joined(s, end, first):
                first, last, total = min(first, start), max(last, end), total + value
                cands.remove(cand)
                grown = True
    if total == c.value:
        return c
    return Count(total, c.qualifier, c.start, c.end, c.noun, c.low, c.high)


def person_counts_noun(s: Sentence, c: CountAt) -> bool:
    """True when the count counts people (its noun is a person's)."""
    noun = _counted_noun(s, c)
    return bool(noun) and bool(_stems("person_noun_stems").match(noun))


def single_defector(s: Sentence, has_group_noun: bool, trigger: Trigger | None = None) -> int | None:
    """1 (or 2) when the defectors are one or two named or titled people, not a body."""
    if _stems("dual_titles", r"(?<![\w])(?:ال)?", r"(?![\w])").search(s.folded):
        return 2
    number = trigger_number(trigger)
    if number == "two" and _person_near(s, trigger):
        return 2
    if number == "many" and not has_group_noun and _one_of_those_who(s, trigger) and \
            _person_near(s, trigger):
        return _with_companions(s)  # "كان الملازم X من أوائل الذين انشقوا": one man
    if has_group_noun or number == "many":
        return None
    after = s.words_after(trigger.end, 1) if trigger is not None else []
    if trigger is not None and trigger.kind == "noun" and after and \
            after[0] in _words("name_openers"):
        return _with_companions(s)  # "انشقاق أبو X": the act of one named man
    if number == "one" and (_person_near(s, trigger) or not _unit_is_subject(s, trigger)):
        return _with_companions(s)
    singles, plurals = _words("single_titles"), _words("plural_titles")
    for start, end in attributes.commander_spans(s.folded):
        title = WORD.findall(s.folded[start:end])[-1]
        title = title[1:] if title[:1] in "وب" and title[1:] in singles else title
        if title in plurals or title not in singles:
            continue
        if set(s.words_before(start, 2)) & _words("member_before"):
            continue
        return _with_companions(s)
    return None


def _one_of_those_who(s: Sentence, trigger: Trigger) -> bool:
    """True for a plural act told of one man as one of many ("من أوائل الذين انشقوا"،
    "من بين الذين فروا")."""
    before = s.words_before(trigger.start, 3)
    if not before or before[-1] != "الذين":
        return False
    return "من" in before[:-1] or bool(set(before[:-1]) & _words("one_of_many"))


def _with_companions(s: Sentence) -> int | None:
    """The lone defector and the men told going with him; None when their number is vague."""
    men = companions(s)
    return None if men is None else 1 + men


def companions(s: Sentence) -> int | None:
    """How many men go with a lone defector ("مع أحد مرافقيه" → 1; "مع 7 من عناصره" → 7)."""
    match = COMPANIONS.search(s.folded)
    if not match:
        return companion_others(s)
    word = (match.group(1) or "").strip()
    if word.isdigit():
        return int(word)
    if word == "احد":
        return 1
    count = next((c.count for c in s.counts if c.start <= match.start(1) < c.end), None) \
        if match.group(1) else None
    if count is not None and count.value is None:
        return None  # "مع عدد من عناصره": men went with him, how many is not told
    return count.value if count is not None else 0


def _after_companion_word(s: Sentence, start: int) -> bool:
    """True when a companion word (مع، برفقة …) is one of the three words before ``start``."""
    return bool(set(s.words_before(start, 3)) & _words("companion_words"))


def tells_other_defectors(s: Sentence) -> bool:
    """True when the sentence says its defectors are others than those told before
    ("انشق عناصر آخرون"، "مجموعة أخرى"، "انشقاق جديد"), not when "other" names a companion of
    a lone defector ("انشق قيادي برفقة عنصر آخر")."""
    return any(_describes_defectors(s, m.start()) and not _after_companion_word(s, m.start())
               for m in _stems("other_stems", r"(?<![\w])", r"\S*").finditer(s.folded))


def _describes_defectors(s: Sentence, start: int) -> bool:
    """True when "other"/"new" at ``start`` qualifies people, a body of them, a batch or the act
    itself ("عناصر آخرون"، "دفعة جديدة"، "انشقاق جديد"), not a place or a date."""
    if any(0 <= start - t.end <= 2 for t in s.triggers):
        return True  # right after the act's word: "انشقاق جديد"
    before = (s.words_before(start, 1) or [""])[0]
    return bool(before in _words("group_nouns") or before in _words("batch_nouns")
                or _stems("person_noun_stems").match(before))


def companion_others(s: Sentence) -> int:
    """1 for "برفقة عنصر آخر", 2 for "مع عنصرين آخرين": others going with a lone defector."""
    for m in _stems("other_stems", r"(?<![\w])", r"\S*").finditer(s.folded):
        if not _after_companion_word(s, m.start()):
            continue
        noun = (s.words_before(m.start(), 1) or [""])[0]
        if noun in _words("person_singulars"):
            return 1
        if noun in _words("dual_titles"):
            return 2
    return 0


def _unit_is_subject(s: Sentence, trigger: Trigger) -> bool:
    """True when a unit, not a person, is what defected ("انشق الفوج 46")."""
    from transforms.incidents import subject_role  # the incident features define the roles
    return any(subject_role(s, g, trigger) for g in s.groups)


def with_their_leader(s: Sentence, count: Count | None) -> Count | None:
    """A commander "with 7 of his men" counts 8 (the corpus convention): a single title, then
    مع/برفقة/ومعه right before the figure, adds one."""
    if count is None or count.value is None:
        return count
    start = s.to_folded(count.start)
    before = s.words_before(start, 10)  # back to the clause's subject: "قائد … مع 7"
    if not before or before[-1] not in _words("companion_words"):
        return count
    if not any(w in _words("single_titles") for w in before[:-1]):
        return count
    return Count(count.value + 1, count.qualifier, count.start, count.end, count.noun,
                 count.low, count.high)


def _person_near(s: Sentence, trigger: Trigger | None) -> bool:
    """True when a person (a rank, a title, "المدعو", a soldier) is named near the trigger."""
    if trigger is None:
        return False
    people = _words("single_titles") | _words("person_singulars")
    lo = max(0, trigger.start - 90)
    return any(_person_word(w, people) for w in WORD.findall(s.folded[lo:trigger.end + 90]))


def _person_word(word: str, people: frozenset[str]) -> bool:
    """True when ``word`` is one of ``people`` after a و/ب proclitic or with the accusative
    ending ("إن قائداً عسكرياً انشق" → قائد)."""
    for form in (word, word[1:] if word[:1] in "وب" else ""):
        if form in people or (form.endswith("ا") and form[:-1] in people):
            return True
    return False


def names_a_body(s: Sentence) -> bool:
    """True when the sentence speaks of a body of people (عناصر، مجموعة، ضباط …)."""
    return bool(_stems("group_nouns", r"(?<![\w])(?:[وب])?(?:ال)?", r"(?![\w])").search(s.folded)
                or any(w in _words("plural_titles") for w in WORD.findall(s.folded)))


# ----------------------------------------------------------------------------- place

def _introduced(s: Sentence, start: int) -> bool:
    """True when a place name is introduced as a place (في X، بX، قرب X)."""
    return bool(PLACE_INTRO.search(s.folded[max(0, start - 8):start]))


def _directional(place: PlaceRef) -> bool:
    """True for a place given as a direction from another (غرب مدينة دير الزور)."""
    return bool(re.match(r"(?:شرق|غرب|شمال|جنوب)", fold_word(place.name_ar)))


def _excluded(s: Sentence, p: Place, groups: list[GroupMention]) -> bool:
    """True for a place inside a destination phrase or a group's name."""
    if any(d.start <= p.start < (d.end if d.dest is not None and d.dest.id else d.end + 6)
           for d in s.destinations if d.dest is not None):
        return True
    if any(g.start <= p.start < g.end for g in s.groups if g not in groups):
        return True
    return any(g.start <= p.start < g.end and not _names_a_place_in(s, p, g) for g in groups)


def _names_a_place_in(s: Sentence, p: Place, g: GroupMention) -> bool:
    """True for a town a unit is named after ("مجلس هجين العسكري"): the gazetteer knows the
    name and it is not the group's own head word. Other words of a group's name ("مجلس
    الشعب"، "جبهة النصرة") name the group, not a place."""
    first = WORD.search(s.folded, g.start)
    if first is not None and first.start() <= p.start < first.end():
        return False
    return (p.ref.place or lookup(p.ref.name_ar)) is not None


def _in_reporter_phrase(s: Sentence, start: int) -> bool:
    """True when the words before a place describe the reporter ("مراسل شبكة X في Y"، "موقع X
    المختص بشؤون Y"): a reporter word at most ``REPORTER_REACH`` words back, and no "أن" or
    act between it and the place."""
    words = list(WORD.finditer(s.folded, max(0, start - 12 * REPORTER_REACH), start))
    words = words[-REPORTER_REACH:]
    last = max((i for i, w in enumerate(words) if w.group() in _words("reporters")), default=None)
    if last is None:
        return False
    if any(w.group() in _words("reported_speech") for w in words[last + 1:]):
        return False
    return not any(words[last].end() <= t.start < start for t in s.triggers)


def _points_from(s: Sentence, p: Place) -> bool:
    """True for a place that only locates the place named right before it ("قرية X غرب بلدة
    Y"، "جبهة X، شرق مدينة Y": Y is a reference point)."""
    before = s.words_before(p.start, 2)
    if not any(DIRECTION.fullmatch(w) for w in before):
        return False
    return any(o.end <= p.start and p.start - o.end <= 25 and not DIRECTION.match(
        fold_word(o.ref.name_ar)) for o in s.places if o is not p)


def _dateline(s: Sentence, p: Place) -> bool:
    """True for the place of a dateline ("دمشق (وكالات) -", "ديرالزور - خاص")."""
    return s.number <= 1 and p.start <= 2 and bool(DATELINE.match(s.folded, p.end))


def choose_place(s: Sentence, trigger: Trigger | None, groups: list[GroupMention] = (),
                 anchor: int | None = None) -> tuple[PlaceRef | None, bool, str | None]:
    """The incident's place, whether it is only loosely tied to the act, and its area.

    The most specific place wins, with a bonus for the act's own clause. A place that is only
    a landmark ("قرب قرية X") counts when nothing as specific is named; the defectors' home
    town ("ينحدرون من X") and the reporter's place ("مصدر محلي من مدينة X") count only when
    nothing else is; a dateline never does. With ``anchor`` (the
    end of one unit of a list) the places named right after that unit come first.
    """
    act = trigger.start if trigger is not None else 0
    scored = []
    for p in s.places:
        if _excluded(s, p, list(groups)) or _dateline(s, p):
            continue
        before = s.words_before(p.start, 3)
        near = bool(set(before[-2:]) & _words("near"))
        reference = "كم" in before or before[-2:-1] == ["بعد"] or bool(
            set(before[-2:]) & _words("natives"))
        if _in_reporter_phrase(s, p.start):
            reference = True  # "مصدر محلي من مدينة X": only when nothing else is named
        if p.ref.source == "gazetteer" and not _introduced(s, p.start):
            reference = True  # a bare word that happens to be a village's name
        near = near or _points_from(s, p)
        same_clause = s.same_clause(p.start, act)
        score = (KIND_RANK.get(p.ref.kind, 3) - (1 if _directional(p.ref) else 0)
                 + (1.5 if same_clause else 0) - (3 if near else 0) - (10 if reference else 0))
        if anchor is not None and 0 <= p.start - anchor <= 60:
            score += 4
        scored.append((score, -abs(p.start - (anchor if anchor is not None else act)), p,
                       same_clause, reference or near))
    if not scored:
        return None, False, None
    _, _, best, same_clause, loose = max(scored, key=lambda item: item[:2])
    area = next((o.ref.name_ar for o in s.places if o is not best and o.ref.kind in ("area", "rif")
                 and 0 <= o.start - best.end <= 4), None)
    return best.ref, loose or not same_clause, area


def place_in_name(group: GroupMention | None) -> PlaceRef | None:
    """The town a unit is named after ("مجلس هجين العسكري" → هجين), when the gazetteer knows it."""
    if group is None or group.actor is not None:
        return None
    words = group.surface.split()[1:]
    for n in (2, 1):
        for i in range(len(words) - n + 1):
            name = " ".join(words[i:i + n])
            place = lookup(name)
            if place is not None and getattr(place, "kind", None) not in (None, "governorate"):
                return PlaceRef(name, 0, 0, place.kind, place,
                                governorate_ar=getattr(place, "governorate_ar", None))
    return None


def governorate_of(place: PlaceRef | None, s: Sentence, area: str | None) -> str | None:
    """Governorate of the place, else one named in the sentence."""
    if place is not None:
        if place.governorate_ar:
            return place.governorate_ar
        found = place.place or lookup(place.name_ar)
        if getattr(found, "governorate_ar", None):
            return found.governorate_ar
    named = next((p.ref.governorate_ar for p in s.places if p.ref.governorate_ar), None)
    if named or place is None:
        return named
    for p in s.places:
        gov = getattr(p.ref.place or lookup(p.ref.name_ar), "governorate_ar", None)
        if gov:
            return gov
    return None


# ----------------------------------------------------------------------------- destination, time

def choose_destination(s: Sentence, trigger: Trigger | None) -> Destination | None:
    """Where they went: a known side before free text (a group by its head first), then a place
    reached, after the act when possible; the looser reading's phrases count here too."""
    spans = list(s.destinations) + list(s.loose_destinations)
    after = [d for d in spans if trigger is None or d.end > trigger.start - 20]
    pool = after or spans
    known = next((d.dest for d in pool if d.dest is not None and d.dest.id), None)
    names = [d.dest for d in pool if d.dest is not None and d.dest.name_ar]
    # a group named by its head ("قوات الأمن"، "غرفة عمليات X") before other free text
    named = next((d for d in names if head_noun(fold_word(d.name_ar.split()[0]))),
                 names[0] if names else None)
    # a phrase read as no name ("نحو أسبوع"، "السبب …") gives way to a place reached
    return known or named or _place_reached(s, [d for d in pool if d.dest is None]) or \
        next((d.dest for d in pool if d.dest is not None), None)


def _place_reached(s: Sentence, spans: list) -> Destination | None:
    """"فرّوا نحو بادية X"، "وصلوا إلى مدينة Y": with no group or side named where they went,
    the place they went to is the destination (it stays the incident's place too)."""
    for d in spans:
        place = next((p for p in s.places if d.start <= p.start < d.end), None)
        if place is not None:
            return Destination(name_ar=place.ref.name_ar, name_en=None, id=None)
    return None


def choose_time(s: Sentence, trigger: Trigger | None) -> TimeRef | None:
    """The time expression nearest the act, within reach of it."""
    if not s.times:
        return None
    anchor = trigger.start if trigger is not None else 0
    near = [t for t in s.times
            if min(abs(t.start - anchor), abs(t.end - anchor)) <= MAX_TIME_DISTANCE]
    return min(near, key=lambda t: abs(t.start - anchor)).time if near else None
