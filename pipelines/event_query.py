"""What analysts ask of the events index, as Elasticsearch queries: filters, dates, sorts.

:class:`EventFilter` holds the questions (`--since 7d --side regime --near 35.3,40.1 …`);
:func:`build_query` turns one into a ``bool`` query and :func:`build_sort` a sort; both are pure
and shared by ``defwatch search`` and ``defwatch brief``. Dates filter on the incident's date
(``date.start``/``date.end``): an incident is in ``[since, until]`` when its date range overlaps
it; an event whose date is unknown has no place in a dated window and is left out.

Names (actor, place, destination) are folded with the project's Arabic folding
(:mod:`transforms.normalize`: alef forms, taa marbuta, case) and tried with and without the
article ال; the index's Arabic analysis compares the words; ids match exactly, without regard
to case.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from schemas.records import SIDES
from transforms.normalize import strip_prefixes, words

ARABIC = re.compile(r"^[\u0621-\u064a]")
RELATIVE = re.compile(r"^(\d{1,4})\s*([dwmy])$", re.IGNORECASE)
UNIT_DAYS = {"d": 1, "w": 7}
SORTS = ("date", "count", "corroboration")
DATE_SORT = [{"date.start": {"order": "desc", "missing": "_last", "unmapped_type": "date"}},
             {"first_seen": {"order": "desc", "unmapped_type": "date"}}, {"event_id": "asc"}]


class QueryError(ValueError):
    """A filter value that cannot be understood (the message names it)."""


def _months_back(today: dt.date, months: int) -> dt.date:
    """``today`` moved back by whole months (the day clipped to the month's length)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(today.day, last))


def parse_when(value: str, today: dt.date, *, end: bool = False) -> dt.date:
    """A date from ``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY`` or an age (``7d``, ``2w``, ``3m``,
    ``1y`` before ``today``); with ``end`` a month or year means its last day."""
    text = (value or "").strip()
    match = RELATIVE.match(text)
    if match:
        amount, unit = int(match[1]), match[2].lower()
        if unit in UNIT_DAYS:
            return today - dt.timedelta(days=amount * UNIT_DAYS[unit])
        return _months_back(today, amount * (12 if unit == "y" else 1))
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = map(int, text.split("-"))
            first = dt.date(year, month, 1)
            return _months_back(first, -1) - dt.timedelta(days=1) if end else first
        if re.fullmatch(r"\d{4}", text):
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
    except ValueError:
        pass
    raise QueryError(f"{value!r} is not a date: use YYYY-MM-DD, YYYY-MM, YYYY or an age such "
                     f"as 7d, 2w, 3m, 1y")


def parse_point(value: str) -> tuple[float, float]:
    """``LAT,LON`` as two floats within range."""
    parts = [p.strip() for p in (value or "").split(",")]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise QueryError(f"{value!r} is not a point: use LAT,LON in degrees, e.g. "
                         f"35.33,40.14") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise QueryError(f"{value!r} is out of range: latitude -90..90, longitude -180..180")
    return lat, lon


def name_forms(value: str) -> list[str]:
    """The name folded as typed, without its articles and with them (الأحرار، احرار).

    The index's Arabic stemmer reads a leading و or ف as a conjunction only when no article
    protects the word ("وطني" → "طن", "الوطني" → "وطن"), so a name is matched in every form.
    """
    tokens = words(value)
    bare = [strip_prefixes(t) for t in tokens]
    with_article = [t if t != b or not ARABIC.match(t) else "ال" + t
                    for t, b in zip(tokens, bare, strict=True)]
    return list(dict.fromkeys(" ".join(f) for f in (tokens, bare, with_article) if f))


@dataclass
class EventFilter:
    """The questions of one search; None (or False) leaves a question out."""
    text: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    actor: str | None = None
    side: str | None = None
    place: str | None = None
    governorate: str | None = None
    destination: str | None = None
    min_count: int | None = None
    outlet: str | None = None
    with_weapons: bool = False
    commander: bool = False
    near: tuple[float, float] | None = None
    radius_km: float | None = None
    undated_seen: bool = False  # also undated incidents first seen within [since, until]

    def validate(self) -> EventFilter:
        """Self, or QueryError naming the first bad value."""
        if self.side is not None and self.side not in SIDES:
            raise QueryError(f"unknown side {self.side!r}: one of {', '.join(SIDES)}")
        if self.since and self.until and self.since > self.until:
            raise QueryError(f"--since {self.since} is after --until {self.until}")
        if self.min_count is not None and self.min_count < 0:
            raise QueryError(f"--min-count {self.min_count} is negative")
        if (self.radius_km is not None) and self.near is None:
            raise QueryError("--radius needs --near LAT,LON")
        if self.radius_km is not None and self.radius_km <= 0:
            raise QueryError(f"--radius {self.radius_km:g} must be more than 0 km")
        return self


def _names(value: str, text_fields: list[str], id_fields: list[str],
           ids: tuple[str, ...] = ()) -> dict[str, Any]:
    """Any of the text fields holding every word of ``value``, or an id equal to it or to one
    of ``ids`` (the table entries the name resolves to)."""
    should: list[dict] = [{"match": {f: {"query": form, "operator": "and"}}}
                          for f in text_fields for form in name_forms(value)]
    should += [{"term": {f: {"value": v, "case_insensitive": True}}}
               for f in id_fields for v in dict.fromkeys([value.strip(), *ids])]
    return {"bool": {"should": should, "minimum_should_match": 1}}


def actor_ids(value: str) -> tuple[str, ...]:
    """The ids of the actors table an alias names ("قسد" → sdf, "لواء الإمام الباقر" →
    liwa_al_baqir), so a search by any alias finds the events stored under the id."""
    from transforms.actors import find_actors
    from transforms.normalize import fold
    return tuple(dict.fromkeys(m.actor.id for m in find_actors(fold(value)[0])))


def governorate_names(value: str) -> list[str]:
    """The Arabic governorate name for an English one ("Deir ez-Zor" → دير الزور), and the
    value itself; the index holds the Arabic name."""
    from transforms.gazetteer import governorates_en
    wanted = " ".join(value.lower().replace("-", " ").split())
    arabic = [ar for ar, en in governorates_en().items()
              if en and " ".join(en.lower().replace("-", " ").split()) == wanted]
    return list(dict.fromkeys([*arabic[:1], value]))


def _date_filters(since: dt.date | None, until: dt.date | None,
                  undated_seen: bool = False) -> list[dict]:
    """Incidents whose date range overlaps ``[since, until]``; undated ones only with
    ``undated_seen``, when first seen within the window."""
    dated: list[dict] = []
    if since:
        dated.append({"bool": {"minimum_should_match": 1, "should": [
            {"range": {"date.end": {"gte": since.isoformat()}}},
            {"bool": {"must_not": {"exists": {"field": "date.end"}},
                      "filter": {"range": {"date.start": {"gte": since.isoformat()}}}}}]}})
    if until:
        dated.append({"range": {"date.start": {"lte": until.isoformat()}}})
    if not dated or not undated_seen:
        return dated
    seen = {k: v.isoformat() + ("T23:59:59Z" if k == "lte" else "")
            for k, v in (("gte", since), ("lte", until)) if v}
    undated = {"bool": {"must_not": {"exists": {"field": "date.start"}},
                        "filter": {"range": {"first_seen": seen}}}}
    return [{"bool": {"minimum_should_match": 1,
                      "should": [{"bool": {"filter": dated}}, undated]}}]


def build_query(f: EventFilter) -> dict[str, Any]:
    """The Elasticsearch query of a filter."""
    must: list[dict] = []
    if f.text and f.text.strip():
        must.append({"multi_match": {"query": f.text, "fields": TEXT_FIELDS,
                                     "type": "best_fields", "lenient": True}})
    filters = _date_filters(f.since, f.until, f.undated_seen)
    if f.actor:
        filters.append(_names(f.actor, ["actor.name_ar", "actor.name_en", "actor.parent_ar"],
                              ["actor.id", "actor.parent_id"], actor_ids(f.actor)))
    if f.side:
        filters.append({"term": {"actor.side": f.side}})
    if f.place:
        filters.append(_names(f.place, ["location.name_ar", "location.area_ar",
                                        "location.name_en"], ["location.place_id"]))
    if f.governorate:
        filters.append({"bool": {"minimum_should_match": 1, "should": [
            _names(name, ["location.governorate_ar"], [])
            for name in governorate_names(f.governorate)]}})
    if f.destination:
        filters.append(_names(f.destination, ["destination.name_ar", "destination.name_en"],
                              ["destination.id"], actor_ids(f.destination)))
    if f.min_count is not None:
        filters.append({"range": {"count": {"gte": f.min_count}}})
    if f.outlet:
        pattern = f"*{f.outlet.strip()}*"
        filters.append({"bool": {"minimum_should_match": 1, "should": [
            {"wildcard": {"sources.outlet": {"value": pattern, "case_insensitive": True}}},
            {"wildcard": {"sources.url": {"value": pattern, "case_insensitive": True}}}]}})
    if f.with_weapons:
        filters.append({"term": {"with_weapons": True}})
    if f.commander:
        filters.append({"term": {"includes_commander": True}})
    if f.near is not None:
        lat, lon = f.near
        filters.append({"geo_distance": {"distance": f"{f.radius_km or DEFAULT_RADIUS_KM}km",
                                         "location.geo": {"lat": lat, "lon": lon}}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def build_sort(sort: str | None, has_text: bool) -> list[dict] | None:
    """The sort of ``--sort`` (relevance when words are searched and no sort is asked)."""
    if sort is None:
        return None if has_text else DATE_SORT
    if sort not in SORTS:
        raise QueryError(f"unknown sort {sort!r}: one of {', '.join(SORTS)}")
    if sort == "date":
        return DATE_SORT
    return [{sort: {"order": "desc", "missing": "_last"}}, *DATE_SORT]


DEFAULT_RADIUS_KM = 25.0
TEXT_FIELDS = [
    "evidence.text", "actor.name_ar^3", "actor.parent_ar", "actor.name_en^3", "actor.id^3",
    "location.name_ar^2", "location.area_ar", "location.governorate_ar", "location.name_en^2",
    "destination.name_ar", "destination.name_en", "destination.id", "date.text_ar", "reasons",
]
