"""Counts, time expressions and places in one sentence, for the event extractor.

Thin adapters over the shared modules (``transforms.numbers``, ``transforms.timeexpr``,
``transforms.gazetteer``) with small local fallbacks so that extraction keeps working when one
of them is missing or fails on a sentence. Offsets are into the ORIGINAL sentence text.
Places also come from the way news Arabic introduces them (قرية/بلدة/مدينة X، بريف X الغربي),
which finds small villages that no packaged dataset holds.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import cache, lru_cache

from transforms import actors as actor_table
from transforms import lexicon
from transforms.normalize import fold, fold_word

try:
    from transforms import numbers as _numbers
except ImportError:  # pragma: no cover - depends on the tree
    _numbers = None
try:
    from transforms import timeexpr as _timeexpr
except ImportError:  # pragma: no cover
    _timeexpr = None
try:
    from transforms import gazetteer as _gazetteer
except ImportError:  # pragma: no cover
    _gazetteer = None


@dataclass(frozen=True)
class Count:
    """A counted amount: ``value`` None for vague amounts (عدد من، مجموعة، عشرات)."""
    value: int | None
    qualifier: str
    start: int
    end: int
    noun: str | None = None
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True)
class TimeRef:
    """A time expression and, when the publish date is known, its date range."""
    text: str
    start: int
    end: int
    date_start: str | None = None
    date_end: str | None = None
    precision: str | None = None


@dataclass(frozen=True)
class PlaceRef:
    """A place named in the sentence; ``place`` is the gazetteer entry when there is one."""
    name_ar: str
    start: int
    end: int
    kind: str | None = None
    place: object | None = None
    area_ar: str | None = None
    governorate_ar: str | None = None
    source: str = "pattern"  # pattern (قرية X، بريف X…) | gazetteer (a name the dataset knows)


# ----------------------------------------------------------------------------- counts

UNITS = {"واحد": 1, "احد": 1, "اثنان": 2, "اثنين": 2, "اثنتين": 2, "ثلاث": 3, "ثلاثه": 3,
         "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6, "سبع": 7, "سبعه": 7,
         "ثمان": 8, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9, "عشر": 10, "عشره": 10}
TENS = {"عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
        "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
        "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90}
BIG = {"مئه": 100, "مائه": 100, "مايه": 100, "ميه": 100, "مئتين": 200, "مئتان": 200,
       "مايتين": 200, "مائتين": 200, "الف": 1000, "الفي": 2000, "الفين": 2000, "الفان": 2000,
       "الاف": 1000}
QUALIFIERS = [("at_least", r"(?:اكثر\s+من|ما\s+يزيد\s+(?:عن|علي)|ما\s+لا\s+يقل\s+عن|يزيد\s+عن|"
                           r"يتجاوز|تجاوز|تجاوزت|يفوق|اكثر\s+من|زهاء\s+اكثر\s+من)"),
              ("approx", r"(?:قرابه|نحو|حوالي|حوالى|زهاء|ما\s+يقارب|ما\s+يقرب\s+من|قرابت|تقريبا)")]
NUMBER_WORD = "|".join(sorted([*UNITS, *TENS, *BIG, "عشر", "عشره"], key=len, reverse=True))
LOCAL_COUNT = re.compile(
    r"(?<![\w])(?:و?(?P<qual>" + "|".join(q for _, q in QUALIFIERS) + r")\s+)?"
    r"(?P<num>(?:ال)?\d+(?:[.,]\d+)?|(?:(?:" + NUMBER_WORD + r")(?:\s+(?:و)?(?:"
    + NUMBER_WORD + r"))*))(?![\w])")
VAGUE = re.compile(r"(?<![\w])[وب]?(?:عدد\s+من|عددا\s+من|عدد\s+كبير\s+من|مجموعه|مجموعات|"
                   r"عشرات|مئات|العشرات|المئات|بعض|قسم\s+من)(?![\w])")
UNIT_BEFORE = re.compile(r"(?:فرقه|لواء|فوج|كتيبه|الفرقه|اللواء|الفوج|الكتيبه|الفيلق|فيلق|"
                         r"عام|العام|سنه|رقم|يوم|حاجز|الحاجز|الطريق|طريق|مايو|مارس)\s*$")


def _words_value(phrase: str) -> int | None:
    """Value of a folded number phrase in words (ثلاثة، خمسة عشر، خمس وعشرين، ألفي)."""
    total, current = 0, 0
    words = [w[1:] if w.startswith("و") and w[1:] in {**UNITS, **TENS, **BIG} else w
             for w in phrase.split()]
    for i, word in enumerate(words):
        if word in ("عشر", "عشره") and i > 0:
            current += 10
        elif word in UNITS:
            current += UNITS[word]
        elif word in TENS:
            current += TENS[word]
        elif word in BIG:
            scale = BIG[word]
            if scale in (100, 1000) and current:
                current *= scale
            else:
                current += scale
            total, current = total + current, 0
        else:
            return None
    return (total + current) or None


def _next_word(folded: str, end: int) -> str | None:
    """The word after ``end`` (the counted noun), without the tanween alef."""
    match = re.match(r"\s*(?:من\s+)?([\w]+)", folded[end:])
    return match.group(1) if match else None


def _local_counts(text: str) -> list[Count]:
    """Counts in ``text`` by the local rules (digits and number words)."""
    folded, index = fold(text)
    out = []
    for match in LOCAL_COUNT.finditer(folded):
        raw = match.group("num")
        raw = raw[2:] if raw.startswith("ال") and raw[2:3].isdigit() else raw
        digits = re.sub(r"[.,]\d+$", "", raw)
        if raw[0].isdigit() and len(digits) > 9:
            continue  # an id or a phone number, not a count of people
        value = int(digits) if raw[0].isdigit() else _words_value(raw)
        if value is None or UNIT_BEFORE.search(folded[max(0, match.start() - 12):match.start()]):
            continue
        qualifier = "exact"
        if match.group("qual"):
            qual = match.group("qual")
            qualifier = next(n for n, p in QUALIFIERS if re.fullmatch(p, qual))
        out.append(Count(value, qualifier, index[match.start()], index[match.end()],
                         _next_word(folded, match.end())))
    for match in VAGUE.finditer(folded):
        if not any(c.start <= index[match.start()] < c.end for c in out):
            out.append(Count(None, "none", index[match.start()], index[match.end()],
                             _next_word(folded, match.end())))
    return sorted(out, key=lambda c: c.start)


@lru_cache(maxsize=1024)
def find_counts(text: str) -> tuple[Count, ...]:
    """Counted amounts in a sentence: the shared parser's when present, plus local rules."""
    local = _local_counts(text)
    if _numbers is None or not hasattr(_numbers, "find_counts"):
        return tuple(local)
    try:
        shared = [Count(c.value, c.qualifier or "none", c.start, c.end,
                        getattr(c, "noun", None), getattr(c, "low", None),
                        getattr(c, "high", None)) for c in _numbers.find_counts(text)]
    except Exception:  # noqa: BLE001 - a bad sentence must not stop extraction
        return tuple(local)
    merged = list(shared)
    for count in local:
        if not any(c.start < count.end and count.start < c.end for c in shared):
            merged.append(count)
    return tuple(sorted(merged, key=lambda c: c.start))


# ----------------------------------------------------------------------------- time

LOCAL_TIME = re.compile(
    r"(?<![\w])(?:في\s+)?(?:(?:مطلع|منتصف|اواخر|اواسط|نهايه|بدايه|اوايل|خلال|اول)\s+)?"
    r"(?:(?:الشهر|العام|الاسبوع|السنه)\s+(?:الجاري|الماضي|الفايت|الحالي|المنصرم)"
    r"|(?:شهر\s+)?(?:كانون\s+الثاني|كانون\s+الاول|تشرين\s+الثاني|تشرين\s+الاول|شباط|اذار|"
    r"نيسان|ايار|حزيران|تموز|اب|ايلول|يناير|فبراير|مارس|ابريل|مايو|يونيو|يوليو|اغسطس|"
    r"سبتمبر|اكتوبر|نوفمبر|ديسمبر)(?:\s*/\s*\S+(?:\s+\S+)?)?(?:\s+(?:الجاري|الماضي|الفايت|"
    r"\d{4}))?"
    r"|(?:(?:يوم|فجر|مساء|صباح|ليله|ظهر|ظهيره)\s+(?:ال)?|ال)(?:اثنين|ثلاثاء|اربعاء|خميس|جمعه|"
    r"سبت|احد)(?:\s*/\s*(?:ال)?\S+)?(?:\s+الماضي)?"
    r"|(?:(?:فجر|مساء|صباح|ليله)\s+)?(?:امس|اليوم)"
    r"|قبل\s+(?:ايام|اشهر|اسابيع|يومين|شهرين|عامين|سنوات|ساعات|شهر|اسبوع|عام|سنه)"
    r"|مؤخرا|موخرا)(?![\w])")


def find_times(text: str, published: str | None) -> list[TimeRef]:
    """Time expressions in a sentence, with date ranges from the shared resolver if present."""
    pub = None
    if published:
        try:
            pub = dt.date.fromisoformat(str(published)[:10])
        except ValueError:
            pub = None
    if _timeexpr is not None and hasattr(_timeexpr, "find_time_expressions"):
        try:
            found = _timeexpr.find_time_expressions(text, pub)
            refs = [TimeRef(t.text, t.start, t.end, _iso(t.date_start), _iso(t.date_end),
                            getattr(t, "precision", None)) for t in found]
            if refs:
                return refs
        except Exception:  # noqa: BLE001
            pass
    folded, index = fold(text)
    return [TimeRef(text[index[m.start()]:index[m.end()]].strip(), index[m.start()],
                    index[m.end()]) for m in LOCAL_TIME.finditer(folded)]


def _iso(value) -> str | None:
    """ISO date string of a date/datetime/str, or None."""
    if value is None:
        return None
    return value.isoformat()[:10] if hasattr(value, "isoformat") else str(value)[:10]


# ----------------------------------------------------------------------------- places

GOVERNORATES = ["دير الزور", "ديرالزور", "الرقة", "الحسكة", "حلب", "إدلب", "ادلب", "حماة",
                "حمص", "دمشق", "ريف دمشق", "درعا", "السويداء", "القنيطرة", "اللاذقية",
                "طرطوس"]
GOV_CANON = {fold_word(g): g for g in GOVERNORATES}
GOV_CANON[fold_word("ديرالزور")] = "دير الزور"
GOV_CANON[fold_word("ادلب")] = "إدلب"
GOV_MENTION = re.compile(
    r"(?<![\w])(?:[وبل]|في\s+)?(?:ال|لل)?("
    + "|".join(sorted({g[2:] if g.startswith("ال") else g for g in GOV_CANON}, key=len,
                      reverse=True)) + r")(?![\w])")
PHRASES = "place_phrases"
HEADS = lexicon.pattern(PHRASES, "heads")
# a number with the article ("ال15"), words starting with بال or لل, and و-words other than
# وادي end a name too; bare digits do not (making them stops measured −0.001 events F1)
STOP = rf"(?:{lexicon.pattern(PHRASES, 'name_stops')}|(?:ا|ال)[0-9]+|و?بال\S*|لل\S*|و(?!ادي)\S+)"
PREFIX_WORDS = rf"(?:{lexicon.pattern(PHRASES, 'name_first_words')})"
NAME = (rf"(?:{PREFIX_WORDS}\s+(?!{STOP}(?![\w]))[\w]+|(?!{STOP}(?![\w]))[\w]+"
        rf"(?:\s+(?!{STOP}(?![\w]))ال[\w]+)?)")
DIRECTION = r"(?:\s+(?:ال)?(?:شرقي|غربي|شمالي|جنوبي)(?:\s+(?:ال)?(?:شرقي|غربي))?)?"
# a name may stand in brackets after its head ("بلدة (عين عيسى)"); quotes fold to spaces
HEADED = re.compile(rf"(?<![\w])[وب]?(?:ال)?({HEADS})\s+(?:\(\s*)?({NAME})")
RIF = re.compile(rf"(?<![\w])(?:[وب]|في\s+)?(?:ال)?ريف(?:\s+مدينه)?\s+({NAME}){DIRECTION}"
                 r"|(?<![\w])(?:[وب]|في\s+)?الريف\s+(?:ال)?(?:شرقي|غربي|شمالي|جنوبي)\s+(?:ل|من\s+)"
                 rf"({NAME})")
BARE = re.compile(rf"(?<![\w])ب(?!لده|لدات)({NAME})\s+(?=بريف|في\s+ريف)")
DIRECTIONAL = re.compile(rf"(?<![\w])((?:شرق|غرب|شمال|جنوب)(?:ي)?)\s+(?:مدينه\s+)?({NAME})")
# A bare place after a verb of motion and "من" ("قادمين من منبج", "فرّوا من حطلة") is where
# the people left; it counts when the gazetteer knows the name.
FROM_PLACE = re.compile(rf"(?<![\w])[وف]?(?:{lexicon.pattern(PHRASES, 'leaving_words')})"
                        r"\s+من\s+([\w]+)(?:\s+([\w]+))?")
FRONTS = lexicon.words(PHRASES, "fronts")  # a front or an axis of fighting (folded)
FORCE_FRONTS = lexicon.words(PHRASES, "force_fronts")  # a front head that may name a force
GENERIC_NAMES = lexicon.words(PHRASES, "generic_names")


@lru_cache(maxsize=1)
def gazetteer():
    """The shared gazetteer, loaded once, or None when it is missing or fails to load."""
    if _gazetteer is None:
        return None
    try:
        return _gazetteer.Gazetteer.load()
    except Exception:  # noqa: BLE001
        return None


def _governorate_in(name: str) -> str | None:
    """The governorate named by a folded place name, if it is one."""
    if name in GOV_CANON:
        return GOV_CANON[name]
    name = re.sub(r"^(?:ال)?ريف\s+", "", name)
    name = re.sub(r"\s+(?:ال)?(?:شرقي|غربي|شمالي|جنوبي)$", "", name)
    return GOV_CANON.get(name)


@cache
def _head_kinds() -> dict[str, str]:
    """Folded place head → the kind of place it names (others name an area)."""
    return {fold_word(k): v for k, v in lexicon.data(PHRASES)["head_kinds"].items()}


def _known_first_word(text: str, folded: str, index, start: int, end: int) -> int:
    """The end of a two-word name, or of its first word when only that one is a known place
    ("بمدينة حلب الانضمام إلى" → حلب)."""
    space = folded.find(" ", start, end)
    if space < 0:
        return end
    first = lookup(text[index[start]:index[space]])
    return space if first is not None and lookup(text[index[start]:index[end]]) is first else end


def _clean_name(folded_name: str) -> str:
    """Folded place name without trailing generic words."""
    words = [w for w in folded_name.split() if w not in GENERIC_NAMES]
    return " ".join(words)


def find_places(text: str) -> list[PlaceRef]:
    """Places named in a sentence, most specific first at each position."""
    folded, index = fold(text)
    refs: list[PlaceRef] = []

    def add(start: int, end: int, kind: str | None, area: str | None = None,
            name_start: int | None = None):
        # the name (after its head, when the head is kept) must hold a word that names
        # something, and the span ends at its last such word ("جبهات القتال" is no place)
        words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", folded[start:end])
                 if start + m.start() >= (name_start or start)]
        while words and folded[words[-1][0]:words[-1][1]] in GENERIC_NAMES:
            words.pop()
        if not words or name_start is not None and folded[words[0][0]:words[0][1]] in GENERIC_NAMES:
            return  # "جبهات القتال المشتعلة": a generic word right after the head names nothing
        end = words[-1][1]
        name = _clean_name(folded[start:end])
        if not name:
            return
        original = " ".join(re.sub(r"[\"'“”«»#_]", " ", text[index[start]:index[end]]).split())
        refs.append(PlaceRef(original, index[start], index[end], kind,
                             area_ar=area, governorate_ar=_governorate_in(name)))

    named_forces = cache(lambda: actor_table.find_actors(folded))
    matches = list(HEADED.finditer(folded))
    while matches:
        match = matches.pop(0)
        head = match.group(1)
        kind = _head_kinds().get(head, "area")
        definite = folded[match.start(1) - 2:match.start(1)] == "ال"
        if (definite and not head.startswith("بادي")) or head in FRONTS and (any(
                a.start < match.end(2) and match.start(1) < a.end for a in named_forces()) or
                HEADED.match(folded, match.start(2))):
            # a definite head takes an adjective, not a name ("المدينة سابقاً"، "الجبهات
            # المتقدمة"); "جبهة النصرة" is a force; "محور قرية X" names the village
            inner = HEADED.match(folded, match.start(2))
            matches[:0] = [inner] if inner else []
            continue
        end = _known_first_word(text, folded, index, match.start(2), match.end(2))
        if head in lexicon.words(PHRASES, "named_with_head") or head in FRONTS:
            add(match.start(1), end, "area", name_start=match.start(2))
        else:
            add(match.start(2), end, kind)
    for match in RIF.finditer(folded):
        body = folded[match.start():match.end()]
        add(match.start() + body.find("ريف") - (2 if body.find("الريف") >= 0 else 0),
            match.end(), "rif",  # "ريف المدينة": the countryside of a town told before, no name
            name_start=match.start(1) if match.group(1) else match.start(2))
    for match in BARE.finditer(folded):
        if re.fullmatch(HEADS, "ب" + match.group(1).split()[0]) or any(
                r.start <= index[match.start(1)] < r.end for r in refs):
            continue
        if lookup(text[index[match.start(1)]:index[match.end(1)]]) is None:
            continue  # "بأسلحة خفيفة …": only a name the gazetteer knows is a bare place
        add(match.start(1), match.end(1), None)
    for match in DIRECTIONAL.finditer(folded):
        if _governorate_in(match.group(2)):
            add(match.start(), match.end(), "area")
    for match in GOV_MENTION.finditer(folded):
        name = match.group(1)
        start = match.start(1) - (2 if folded[match.start(1) - 2:match.start(1)] == "ال" else 0)
        if any(r.start <= index[start] < r.end for r in refs):
            continue
        canon = GOV_CANON.get(name) or GOV_CANON.get("ال" + name)
        refs.append(PlaceRef(canon, index[match.start()], index[match.end()], "governorate",
                             governorate_ar=canon))
    refs.extend(_gazetteer_places(text, refs))
    refs.extend(_places_left(text, folded, index, refs))
    return sorted(refs, key=lambda r: (r.start, -(r.end - r.start)))


def _places_left(text: str, folded: str, index, known: list[PlaceRef]) -> list[PlaceRef]:
    """Bare places the people came or fled from (قادمين من منبج) that the gazetteer knows."""
    out = []
    for match in FROM_PLACE.finditer(folded):
        start = match.start(1)
        if any(r.start <= index[start] < r.end for r in known):
            continue
        ends = [match.end(2), match.end(1)] if match.group(2) else [match.end(1)]
        for end in ends:
            place = lookup(text[index[start]:index[end]])
            if place is not None and getattr(place, "kind", None) not in (None, "governorate"):
                out.append(PlaceRef(text[index[start]:index[end]], index[start], index[end],
                                    place.kind, place,
                                    governorate_ar=getattr(place, "governorate_ar", None)))
                break
    return out


def _gazetteer_places(text: str, known: list[PlaceRef]) -> list[PlaceRef]:
    """Places the shared gazetteer finds that the local patterns did not."""
    gaz = gazetteer()
    if gaz is None:
        return []
    try:
        mentions = gaz.find_mentions(text)
    except Exception:  # noqa: BLE001
        return []
    out = []
    for mention in mentions:
        place = mention.place
        if any(r.start <= mention.start < r.end for r in known):
            continue
        out.append(PlaceRef(mention.surface, mention.start, mention.end,
                            getattr(place, "kind", None), place,
                            governorate_ar=getattr(place, "governorate_ar", None),
                            source="gazetteer"))
    return out


def lookup(name_ar: str):
    """The gazetteer entry for a place name, or None."""
    gaz = gazetteer()
    if gaz is None or not name_ar:
        return None
    try:
        return gaz.lookup(name_ar)
    except Exception:  # noqa: BLE001
        return None


def names_a_force(ref: PlaceRef) -> bool:
    """A front "place" that is a force's name: a singular front head ("جبهة") whose name the
    gazetteer does not know ("جبهة أنصار الإسلام"), unlike "جبهة دير حافر" or "جبهات الشمال"."""
    words = ref.name_ar.split()
    if len(words) < 2 or fold_word(words[0]) not in FORCE_FRONTS:
        return False
    return lookup(" ".join(words[1:])) is None and lookup(words[1]) is None


def resolve_geo(place):
    """``(lat, lon, precision, place_id)`` of a gazetteer place (or its parent), or None."""
    gaz = gazetteer()
    if gaz is None or place is None:
        return None
    try:
        geo = gaz.resolve_geo(place)
    except Exception:  # noqa: BLE001
        return None
    if geo is None:
        return None
    return geo.lat, geo.lon, geo.precision, geo.place_id
