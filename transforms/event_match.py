"""Whether two defection reports describe the same incident, and how to merge them.

Pure functions, no Beam: ``block_key`` (which events are compared at all), ``score_pair``
(how much evidence says "same incident", or a veto), ``merge_events`` (the merge policy) and
``best_match`` (pick the candidate an event merges into). ``transforms.event_dedup`` uses them
in batch (``cluster_events``) and in the streaming ``DeduplicateEvents``.

Scoring. Vetoes first — never merge: different actors (unless one is the parent of the other
and place and count agree), different governorates, two different point places (villages,
towns) that neither contains, reports further apart than the window, two events of the same
document. Then evidence adds up (weights in ``data/event_match.yaml``): same village or town
+2 (same city +1, same countryside or governorate-level name +0.5: the larger the place, the
more incidents share it), the area holding the village +1, equal figures +0.5 (a single person) to +2 (25 and more; an equal
large figure is rarely a coincidence), close figures (16 vs 21; within 1.35×) +1, figures far apart (5 vs 125)
-3, overlapping dates +1, same destination +0.5 (a different one -0.5), evidence sentences'
content words (names, units, places) Jaccard × 4 up to +2.

Threshold 2.0: the score of one strong agreement (same village, or the same large figure, or
near-verbatim evidence) or two weaker ones (area + close figure, close figure + shared names).
No single weak signal reaches it: an equal small figure (+0.5 … +1) or a containing area (+1)
alone, which is what separate incidents of one group in one governorate share. Known
disagreements (destination, a figure 2× off) pull a pair below it.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from schemas.records import (
    Actor,
    DateRange,
    DefectionEvent,
    Destination,
    Location,
    Source,
)
from transforms.fingerprint import jaccard, words

DATA_FILE = Path(__file__).parent / "data" / "event_match.yaml"
ARTICLE_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
POINT_PRECISIONS = frozenset({"village", "town", "neighbourhood", "city"})
SOURCE_HAS_COUNT = "count" in {f.name for f in dataclasses.fields(Source)}


@functools.lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    """The packaged defaults of ``data/event_match.yaml``."""
    with open(DATA_FILE, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@dataclass(frozen=True)
class MatchSettings:
    """Event dedup settings: packaged defaults, overridden key by key."""
    window_days: int = 21
    expiry_margin_days: int = 7
    threshold: float = 2.0
    weights: Mapping[str, float] = field(default_factory=dict)
    count_close_ratio: float = 1.35
    count_far_ratio: float = 2.0
    count_far_min_diff: int = 3
    precision_rank: tuple[str, ...] = ()
    region_words: frozenset[str] = frozenset()
    evidence_stopwords: frozenset[str] = frozenset()

    @classmethod
    def load(cls, overrides: Mapping[str, Any] | None = None) -> MatchSettings:
        """Defaults from the data file, then ``overrides`` (weights merge key by key)."""
        data = dict(_defaults())
        for key, value in (overrides or {}).items():
            if key == "weights":
                data["weights"] = {**data["weights"], **value}
            elif value is not None:
                data[key] = value
        names = {f.name for f in dataclasses.fields(cls)}
        data = {k: v for k, v in data.items() if k in names}
        data["precision_rank"] = tuple(data.get("precision_rank") or ())
        data["region_words"] = frozenset(_strip_article(w) for w in
                                         words(" ".join(data.get("region_words") or ())))
        data["evidence_stopwords"] = frozenset(
            _strip_article(w) for w in words(" ".join(data.get("evidence_stopwords") or ())))
        return cls(**data)

    def weight(self, name: str) -> float:
        return float(self.weights.get(name, 0.0))


def as_settings(settings: Any = None) -> MatchSettings:
    """``MatchSettings`` from None, a mapping, an object with matching attributes, or itself."""
    if isinstance(settings, MatchSettings):
        return settings
    if settings is None:
        return MatchSettings.load()
    if isinstance(settings, Mapping):
        return MatchSettings.load(settings)
    names = [f.name for f in dataclasses.fields(MatchSettings)]
    return MatchSettings.load({n: getattr(settings, n) for n in names if hasattr(settings, n)})


# ----------------------------------------------------------------------------- names

def _strip_article(word: str) -> str:
    """``word`` without a leading (conjunction +) definite article."""
    for prefix in ARTICLE_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            return word[len(prefix):]
    return word


@functools.lru_cache(maxsize=8192)
def name_words(name: str | None) -> frozenset[str]:
    """Normalized words of a name, articles stripped (الدوير == دوير)."""
    return frozenset(_strip_article(w) for w in words(name))


def _same_name(a: str | None, b: str | None) -> bool:
    wa, wb = name_words(a), name_words(b)
    return bool(wa) and wa == wb


# ----------------------------------------------------------------------------- actors

def _actor_key(actor: Actor) -> str | None:
    """The actor's id, else its normalized name."""
    if actor.id:
        return str(actor.id)
    words_ = name_words(actor.name_ar) or name_words(actor.name_en)
    return "name:" + " ".join(sorted(words_)) if words_ else None


def block_key(event: DefectionEvent) -> str:
    """The Beam key of blocking: the actor family (parent id, else id, else name), else place."""
    actor = event.actor or Actor()
    if actor.id:
        return "actor:" + str(actor.parent_id or actor.id)
    key = _actor_key(actor)
    if key:
        return "actor:" + key
    if event.location and event.location.place_id:
        return "place:" + str(event.location.place_id)
    gov = name_words(event.location.governorate_ar if event.location else None)
    return "gov:" + " ".join(sorted(gov)) if gov else "none"


def actor_relation(a: Actor, b: Actor) -> str:
    """``same``, ``parent`` (one is the other's parent), ``unknown`` or ``different``."""
    if a.id and b.id:
        if a.id == b.id:
            return "same"
        if a.id == b.parent_id or b.id == a.parent_id:
            return "parent"
        return "different"
    wa = name_words(a.name_ar) or name_words(a.name_en)
    wb = name_words(b.name_ar) or name_words(b.name_en)
    if not wa or not wb:
        return "unknown"
    if wa == wb:
        return "same"
    if wa == name_words(b.parent_ar) or wb == name_words(a.parent_ar):
        return "parent"
    return "different"


def _named_differently(a: Actor, b: Actor) -> bool:
    """Same actor id but unit names with no word in common (a table lumping two units)."""
    wa, wb = name_words(a.name_ar), name_words(b.name_ar)
    if not wa or not wb:
        return False
    return not ({w for w in wa if not w.isdigit()} & {w for w in wb if not w.isdigit()})


# ----------------------------------------------------------------------------- places

@functools.lru_cache(maxsize=1)
def _gazetteer():
    """The gazetteer when ``transforms.gazetteer`` is installed and loads, else None."""
    try:
        from transforms.gazetteer import Gazetteer
        return Gazetteer.load()
    except Exception:  # noqa: BLE001 - optional collaborator: names are the fallback
        return None


def _gazetteer_contains(outer_id: str | None, inner_id: str | None) -> bool:
    """Whether the gazetteer says place ``outer_id`` holds place ``inner_id``."""
    gaz = _gazetteer()
    if gaz is None or not outer_id or not inner_id or outer_id == inner_id:
        return False
    try:
        outer, inner = gaz.get(outer_id), gaz.get(inner_id)
        return bool(outer is not None and inner is not None and gaz.contains(outer, inner))
    except Exception:  # noqa: BLE001 - a gazetteer API mismatch must not stop dedup
        return False


def _is_region(loc: Location, settings: MatchSettings) -> bool:
    """Whether the location names a region (countryside, district, governorate), not a point."""
    name = name_words(loc.name_ar)
    if not name:
        return True
    if name & settings.region_words:
        return True
    return name == name_words(loc.governorate_ar) or name == name_words(loc.area_ar)


def _place_weight(relation: str, a: Location, b: Location, settings: MatchSettings) -> float:
    """Evidence of a place relation; a shared name counts less the larger the place it names."""
    if relation == "contains":
        return settings.weight("place_contains")
    if relation != "same":
        return 0.0
    if _is_region(a, settings) or _is_region(b, settings) or "governorate" in (
            a.precision, b.precision):
        return settings.weight("place_same_region")
    if "city" in (a.precision, b.precision):
        return settings.weight("place_same_city")
    return settings.weight("place_same")


def place_relation(a: Location, b: Location, settings: MatchSettings) -> str:
    """``same``, ``contains``, ``compatible``, ``unknown`` or ``conflict`` (never merge)."""
    gov_a, gov_b = name_words(a.governorate_ar), name_words(b.governorate_ar)
    if gov_a and gov_b and gov_a != gov_b:
        return "conflict"
    name_a, name_b = name_words(a.name_ar), name_words(b.name_ar)
    if not name_a or not name_b:
        if not (name_a or gov_a) or not (name_b or gov_b):
            return "unknown"
        return "compatible"
    if name_a == name_b:
        return "same"
    if (name_a == name_words(b.area_ar) or name_b == name_words(a.area_ar)
            or _gazetteer_contains(a.place_id, b.place_id)
            or _gazetteer_contains(b.place_id, a.place_id)):
        return "contains"
    if _is_region(a, settings) or _is_region(b, settings):
        return "compatible"  # "the countryside of X" vs X: neighbours, not one inside the other
    return "conflict"


# ----------------------------------------------------------------------------- counts, dates

def figures(event: DefectionEvent) -> list[int]:
    """The exact figures an event holds: its range ends, else its count."""
    if event.count_range:
        return [int(v) for v in event.count_range if v is not None]
    return [int(event.count)] if event.count else []


def _equal_figure_weight(n: int) -> float:
    """Weight of two reports giving the same figure ``n``: rarer by chance as ``n`` grows."""
    return min(2.0, 0.5 + math.log10(max(n, 1)))


def count_score(a: DefectionEvent, b: DefectionEvent, settings: MatchSettings) -> float:
    """Evidence from the figures: equal, close (16 vs 21), neutral, or far apart (5 vs 125)."""
    fa, fb = figures(a), figures(b)
    if not fa or not fb:
        return 0.0
    lo_a, hi_a, lo_b, hi_b = min(fa), max(fa), min(fb), max(fb)
    if lo_a == hi_a == lo_b == hi_b:
        return _equal_figure_weight(lo_a)
    if lo_a <= hi_b and lo_b <= hi_a:
        return settings.weight("count_close")
    (lower, near), far = ((a, hi_a), lo_b) if hi_a < lo_b else ((b, hi_b), lo_a)
    if lower.count_qualifier == "at_least":
        return 0.0  # "at least 16" does not contradict 21
    ratio = far / max(near, 1)
    if ratio <= settings.count_close_ratio:
        return settings.weight("count_close")
    if ratio > settings.count_far_ratio and far - near >= settings.count_far_min_diff:
        return settings.weight("count_far")
    return 0.0


@functools.lru_cache(maxsize=8192)
def _parse_day(value: str | None) -> dt.date | None:
    """The date of a ``YYYY-MM-DD…`` string, else None."""
    if not value or len(value) < 10:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _published_day(event: DefectionEvent) -> dt.date | None:
    """When the event was first reported: the earliest source publication date."""
    days = [d for d in (_parse_day(s.published) for s in event.sources) if d]
    return min(days) if days else None


def reference_day(event: DefectionEvent) -> dt.date | None:
    """The day a report is placed at when nothing else is known: published, else first seen."""
    return _published_day(event) or _parse_day(event.first_seen)


def _incident_span(event: DefectionEvent) -> tuple[dt.date, dt.date] | None:
    """The incident's date range, when the report dates it."""
    date = event.date or DateRange()
    start = _parse_day(date.start)
    end = _parse_day(date.end) or start
    start = start or end
    if start is None or end is None:
        return None
    return (min(start, end), max(start, end))


def _gap_days(a: tuple[dt.date, dt.date], b: tuple[dt.date, dt.date]) -> int:
    """Days between two date ranges (0 when they overlap)."""
    if a[1] < b[0]:
        return (b[0] - a[1]).days
    if b[1] < a[0]:
        return (a[0] - b[1]).days
    return 0


def date_score(a: DefectionEvent, b: DefectionEvent,
               settings: MatchSettings) -> float | None:
    """+overlap for two dated incidents that overlap, 0 within the window, None (veto) beyond.

    An event without an incident date is placed at its publication date.
    """
    span_a, span_b = _incident_span(a), _incident_span(b)
    day_a, day_b = _published_day(a), _published_day(b)
    if day_a is None and day_b is None:
        # first_seen is when we saw the report: comparable only between two reports that
        # both lack a publication date (a backfill sees every archive page "now")
        day_a, day_b = _parse_day(a.first_seen), _parse_day(b.first_seen)
    ref_a = span_a or ((day_a, day_a) if day_a else None)
    ref_b = span_b or ((day_b, day_b) if day_b else None)
    if ref_a is None or ref_b is None:
        return 0.0
    gap = _gap_days(ref_a, ref_b)
    if gap > settings.window_days:
        return None
    if span_a and span_b and gap == 0:
        narrow = all((s[1] - s[0]).days <= 2 * settings.window_days for s in (span_a, span_b))
        return settings.weight("date_overlap") if narrow else 0.0
    return 0.0


# ----------------------------------------------------------------------------- text, destination

def _content_words(text: str | None, settings: MatchSettings) -> frozenset[str]:
    """Words of an evidence sentence that can tell incidents apart (no generic vocabulary)."""
    return _content_words_of(text or "", settings.evidence_stopwords)


@functools.lru_cache(maxsize=4096)
def _content_words_of(text: str, stopwords: frozenset[str]) -> frozenset[str]:
    out = set()
    for word in words(text):
        word = _strip_article(word[1:] if word.startswith("و") and len(word) > 3 else word)
        if len(word) > 1 and word not in stopwords:
            out.add(word)
    return frozenset(out)


def _scored_names(event: DefectionEvent) -> set[str]:
    """Words of the names other parts of the score already compare (actor, places, destination)."""
    actor, loc, dest = event.actor or Actor(), event.location or Location(), event.destination
    names = [actor.name_ar, actor.parent_ar, loc.name_ar, loc.area_ar, loc.governorate_ar,
             dest.name_ar if dest else None]
    return {w for name in names for w in name_words(name)}


def text_similarity(a: DefectionEvent, b: DefectionEvent, settings: MatchSettings) -> float:
    """Highest Jaccard between the evidence sentences' content words, names scored elsewhere out.

    Names both events carry in their fields (group, place, destination) are scored by their
    own parts of the score and left out; what is left to tell incidents apart is people's
    names, units, landmarks, figures, details — and a place one report names only in its text.
    """
    known = _scored_names(a) & _scored_names(b)
    sets_a = [_content_words(e.text, settings) - known for e in a.evidence]
    sets_b = [_content_words(e.text, settings) - known for e in b.evidence]
    return max((jaccard(x, y) for x in sets_a for y in sets_b), default=0.0)


def destination_score(a: Destination | None, b: Destination | None,
                      settings: MatchSettings) -> float:
    """Same destination +, a different known one −, unknown 0."""
    if a is None or b is None:
        return 0.0
    if a.id and b.id:
        same = a.id == b.id
    elif a.name_ar and b.name_ar:
        same = _same_name(a.name_ar, b.name_ar)
        if not same:
            return 0.0  # names vary too much across outlets to count against a pair
    else:
        return 0.0
    return settings.weight("destination_same" if same else "destination_differs")


# ----------------------------------------------------------------------------- the pair score

@dataclass
class PairScore:
    """The evidence that two events report one incident: a total, its parts, or a veto."""
    score: float = 0.0
    veto: str | None = None
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def merge(self) -> bool:
        return self.veto is None


def evidence_keys(event: DefectionEvent) -> set[tuple[str, int, int]]:
    """(doc_id, start, end) of each evidence sentence."""
    return {(e.doc_id, e.start, e.end) for e in event.evidence}


def is_replay(base: DefectionEvent, other: DefectionEvent) -> bool:
    """Whether ``other`` adds nothing to ``base``: every sentence and source already there."""
    other_docs = {s.doc_id for s in other.sources} | {e.doc_id for e in other.evidence}
    base_docs = set(base.doc_ids())
    if not other_docs or not other_docs <= base_docs:
        return False
    keys = evidence_keys(other)
    if keys:
        return keys <= evidence_keys(base)
    return other.event_id == base.event_id


def score_pair(a: DefectionEvent, b: DefectionEvent, settings: Any = None) -> PairScore:
    """How strongly ``a`` and ``b`` report the same incident (see the module docstring)."""
    s = as_settings(settings)
    if set(a.doc_ids()) & set(b.doc_ids()):
        return PairScore(veto="same_document")
    actors = actor_relation(a.actor or Actor(), b.actor or Actor())
    if actors == "different":
        return PairScore(veto="actor")
    place = place_relation(a.location or Location(), b.location or Location(), s)
    if place == "conflict":
        return PairScore(veto="place")
    dates = date_score(a, b, s)
    if dates is None:
        return PairScore(veto="date")
    parts = {
        "place": _place_weight(place, a.location or Location(), b.location or Location(), s),
        "count": count_score(a, b, s),
        "date": dates,
        "destination": destination_score(a.destination, b.destination, s),
    }
    similarity = text_similarity(a, b, s)
    parts["text"] = min(s.weight("text_max"), s.weight("text_scale") * similarity)
    if actors == "same" and _named_differently(a.actor, b.actor):
        parts["actor"] = s.weight("actor_named_differs")
    if actors in ("parent", "unknown") and not (
            place in ("same", "contains") and parts["count"] > 0):
        return PairScore(veto="parent_needs_place_and_count", parts=parts)
    return PairScore(score=round(sum(parts.values()), 4), parts=parts)


def best_match(event: DefectionEvent, candidates: Sequence[DefectionEvent],
               settings: Any = None) -> tuple[int | None, PairScore | None]:
    """Index of the candidate ``event`` merges into (replay first, else best score ≥ threshold)."""
    s = as_settings(settings)
    for index, candidate in enumerate(candidates):
        if candidate.event_id == event.event_id or is_replay(candidate, event):
            return index, PairScore(score=math.inf)
    best, best_score = None, None
    for index, candidate in enumerate(candidates):
        pair = score_pair(candidate, event, s)
        if pair.merge and pair.score >= s.threshold and (
                best_score is None or pair.score > best_score.score):
            best, best_score = index, pair
    return best, best_score


# ----------------------------------------------------------------------------- merge policy

def outlet_of(source: Source) -> str:
    """The outlet of a source: its name, else the URL's domain, else the doc_id."""
    if source.outlet:
        return source.outlet.strip().lower()
    if source.url:
        host = urlsplit(source.url).hostname or ""
        if host:
            return host[4:] if host.startswith("www.") else host
    return "doc:" + source.doc_id


def _union(items: Iterable[Any], key) -> list[Any]:
    """Items in first-seen order, one per ``key``."""
    seen: dict[Any, Any] = {}
    for item in items:
        seen.setdefault(key(item), item)
    return list(seen.values())


def _report_figures(event: DefectionEvent) -> list[tuple[str, int, str]]:
    """(published, figure, qualifier) of each report in ``event``, oldest first."""
    out = []
    single = len({s.doc_id for s in event.sources}) <= 1
    for source in event.sources:
        figure = getattr(source, "count", None) if SOURCE_HAS_COUNT else None
        if figure is None and single:
            figure = event.count
        if figure is not None:
            out.append((source.published or event.first_seen or "", int(figure),
                        event.count_qualifier))
    if not out and event.count is not None:
        out.append((event.first_seen or "", int(event.count), event.count_qualifier))
    return out


def _with_source_counts(event: DefectionEvent) -> DefectionEvent:
    """A single-report event whose source records the figure it gave (when Source has count)."""
    if not SOURCE_HAS_COUNT or event.count is None or len(event.sources) != 1:
        return event
    source = event.sources[0]
    if getattr(source, "count", None) is not None:
        return event
    return dataclasses.replace(event, sources=[dataclasses.replace(source, count=event.count)])


def merged_count(reports: Sequence[tuple[str, int, str]]) -> tuple[int | None, str]:
    """The most frequent figure; a tie goes to the most recent report's figure.

    Outlets repeat the figure they trust, so the mode is the consensus. When reports disagree
    evenly (16 vs 21), the later report is preferred: follow-ups correct first figures that
    were partial (more members reach the other side, names get counted), rarely the reverse.
    """
    if not reports:
        return None, "none"
    tally = Counter(figure for _, figure, _ in reports)
    top = max(tally.values())
    for _, figure, qualifier in sorted(reports, key=lambda r: r[0], reverse=True):
        if tally[figure] == top:
            return figure, qualifier or "exact"
    return None, "none"  # unreachable


def _rank(loc: Location, settings: MatchSettings) -> int:
    """How specific a location is (lower = more specific)."""
    if not (loc.name_ar or loc.governorate_ar or loc.place_id):
        return 100
    if loc.name_ar and not _is_region(loc, settings):
        base = 0
    elif loc.name_ar:
        base = 20
    else:
        base = 40
    order = settings.precision_rank
    return base + (order.index(loc.precision) if loc.precision in order else len(order))


def merge_location(a: Location, b: Location, settings: MatchSettings) -> Location:
    """The more specific of two compatible locations, gaps filled from the other."""
    keep, other = (a, b) if _rank(a, settings) <= _rank(b, settings) else (b, a)
    filled = dataclasses.replace(keep)
    for name in ("area_ar", "governorate_ar"):
        if getattr(filled, name) is None:
            setattr(filled, name, getattr(other, name))
    if filled.name_ar is None and filled.geo is None:
        filled.geo, filled.place_id = other.geo, other.place_id
    return filled


def _merge_actor(a: Actor, b: Actor) -> Actor:
    """The more specific actor (the child when one is the parent of the other)."""
    if a.id and b.id and a.id == b.parent_id:
        return b
    if not (a.id or a.name_ar) and (b.id or b.name_ar):
        return b
    return a


def _merge_date(a: DateRange, b: DateRange) -> DateRange:
    """The narrower dated range of the two (the first one on a tie)."""
    spans = []
    for date in (a, b):
        start = _parse_day(date.start)
        end = _parse_day(date.end) or start
        if start or end:
            spans.append(((end - start).days if start and end else 10**6, date))
    if not spans:
        return a if (a.text_ar or not b.text_ar) else b
    return min(spans, key=lambda item: item[0])[1]


def _or(*flags: bool | None) -> bool | None:
    """True if any report says so, False if some say not, None if none tell."""
    known = [f for f in flags if f is not None]
    return any(known) if known else None


def _min(*values: str | None) -> str | None:
    known = [v for v in values if v]
    return min(known) if known else None


def _max(*values: str | None) -> str | None:
    known = [v for v in values if v]
    return max(known) if known else None


def merge_events(base: DefectionEvent, other: DefectionEvent,
                 settings: Any = None) -> DefectionEvent:
    """``base`` (first sighting: its event_id stays) enriched with the report ``other``."""
    s = as_settings(settings)
    if is_replay(base, other):
        return base
    base, other = _with_source_counts(base), _with_source_counts(other)
    sources = _union([*base.sources, *other.sources], key=lambda x: x.doc_id)
    evidence = _union([*base.evidence, *other.evidence], key=lambda x: (x.doc_id, x.start, x.end))
    reports = _report_figures(base) + _report_figures(other)
    count, qualifier = merged_count(reports)
    all_figures = [f for _, f, _ in reports] + figures(base) + figures(other)
    merged = dataclasses.replace(
        base,
        actor=_merge_actor(base.actor or Actor(), other.actor or Actor()),
        count=count,
        count_qualifier=qualifier if count is not None else (base.count_qualifier or "none"),
        count_range=[min(all_figures), max(all_figures)] if all_figures else None,
        includes_commander=_or(base.includes_commander, other.includes_commander),
        with_weapons=_or(base.with_weapons, other.with_weapons),
        location=merge_location(base.location or Location(), other.location or Location(), s),
        destination=base.destination or other.destination,
        date=_merge_date(base.date or DateRange(), other.date or DateRange()),
        reasons=_union([*base.reasons, *other.reasons], key=str),
        consequences=_union([*base.consequences, *other.consequences], key=str),
        evidence=[dataclasses.replace(e) for e in evidence],
        sources=[dataclasses.replace(x) for x in sources],
        first_seen=_min(base.first_seen, other.first_seen),
        last_seen=_max(base.last_seen, other.last_seen, other.first_seen),
        corroboration=len({outlet_of(x) for x in sources}),
    )
    return merged


def report_order(event: DefectionEvent) -> tuple:
    """Sort key of reports: published (unknown last), doc_id, sentence offset, event_id.

    Not first_seen: it is the wall-clock time of extraction, and the order must not depend
    on when the same input was processed.
    """
    published = min((x.published for x in event.sources if x.published), default=None)
    doc = min(event.doc_ids(), default="")
    start = min((e.start for e in event.evidence), default=0)
    return (published or "~", doc, start, event.event_id)


__all__ = [
    "MatchSettings", "PairScore", "as_settings", "block_key", "actor_relation",
    "place_relation", "count_score", "date_score", "text_similarity", "score_pair",
    "best_match", "merge_events", "merged_count", "outlet_of", "report_order", "is_replay",
    "reference_day",
]
