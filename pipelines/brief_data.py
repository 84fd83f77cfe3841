"""What a periodic brief says, computed from the events of its period (pure functions).

:func:`build_brief` turns events into a :class:`Brief`: totals, the rows of the tables by side,
unit and governorate, the timeline (defectors per day or week of the incident's date), the
points of the map (each incident at its coordinates, else at its governorate's, from the
gazetteer; sized by count) and the most corroborated incidents with their evidence and sources.
Rendering is ``pipelines/brief_render.py``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from schemas.records import DefectionEvent

SIDE_LABELS = {
    "regime": ("النظام", "Regime"), "iran_backed": ("ميليشيات إيران", "Iran-backed"),
    "russian_backed": ("تشكيلات روسيا", "Russia-backed"), "sdf": ("قسد", "SDF"),
    "sna": ("الجيش الوطني", "SNA"), "hts": ("هيئة تحرير الشام", "HTS"),
    "opposition": ("المعارضة", "Opposition"), "isis": ("تنظيم الدولة", "ISIS"),
    "tribal": ("العشائر", "Tribal"), "other": ("أخرى", "Other"), None: ("غير معروف", "Unknown"),
}
TOP_UNITS = 15
TOP_CORROBORATED = 10
WEEKLY_AFTER_DAYS = 62  # a longer period is drawn per week


@dataclass
class Row:
    """One line of a table: a label (Arabic, English), incidents and defectors."""
    label_ar: str
    label_en: str
    incidents: int = 0
    defectors: int = 0
    undisclosed: int = 0  # incidents whose count the reports do not give


@dataclass
class Point:
    """An incident (or several at one place) on the map."""
    lat: float
    lon: float
    defectors: int
    incidents: int
    label: str
    approximate: bool  # placed at its governorate, not its own place


@dataclass
class Bucket:
    """Defectors and incidents of one day or week of the timeline."""
    start: dt.date
    defectors: int = 0
    incidents: int = 0


@dataclass
class Brief:
    """Everything one brief shows."""
    since: dt.date
    until: dt.date
    generated: str
    incidents: int = 0
    defectors: int = 0
    corroborated: int = 0
    undated: int = 0
    by_side: list[Row] = field(default_factory=list)
    by_unit: list[Row] = field(default_factory=list)
    by_governorate: list[Row] = field(default_factory=list)
    timeline: list[Bucket] = field(default_factory=list)
    bucket_days: int = 1
    points: list[Point] = field(default_factory=list)
    unplaced: int = 0
    top: list[DefectionEvent] = field(default_factory=list)


def _add(row: Row, event: DefectionEvent) -> None:
    row.incidents += 1
    if event.count is None:
        row.undisclosed += 1
    else:
        row.defectors += event.count


def _table(events: list[DefectionEvent], key, limit: int | None = None) -> list[Row]:
    """Rows grouped by ``key(event) -> (group, label_ar, label_en)``, most defectors first."""
    rows: dict[object, Row] = {}
    for event in events:
        group, label_ar, label_en = key(event)
        _add(rows.setdefault(group, Row(label_ar, label_en)), event)
    ordered = sorted(rows.values(), key=lambda r: (-r.defectors, -r.incidents, r.label_ar))
    return ordered[:limit] if limit else ordered


def _side(event: DefectionEvent):
    side = event.actor.side if event.actor.side in SIDE_LABELS else None
    return (side, *SIDE_LABELS[side])


def _unit(event: DefectionEvent):
    actor = event.actor
    name = actor.name_ar or actor.name_en or actor.id or "غير معروف"
    return (actor.id or name, name, actor.name_en or "")


def _governorate(event: DefectionEvent):
    name = event.location.governorate_ar or "غير معروف"
    return (name, name, "" if event.location.governorate_ar else "Unknown")


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat((value or "")[:10])
    except ValueError:
        return None


def timeline(events: list[DefectionEvent], since: dt.date,
             until: dt.date) -> tuple[list[Bucket], int]:
    """Buckets of the period (days, or weeks for long periods) and their width in days."""
    width = 7 if (until - since).days > WEEKLY_AFTER_DAYS else 1
    count = (until - since).days // width + 1
    buckets = [Bucket(since + dt.timedelta(days=i * width)) for i in range(count)]
    for event in events:
        day, last = _day(event.date.start), _day(event.date.end) or _day(event.date.start)
        if day is None or day > until or last < since:
            continue  # undated, or outside the period: not drawn
        index = min(max((day - since).days // width, 0), count - 1)  # a range begun before
        buckets[index].incidents += 1
        buckets[index].defectors += event.count or 0
    return buckets, width


def map_points(events: list[DefectionEvent],
               governorates: dict[str, tuple[float, float]]) -> tuple[list[Point], int]:
    """Incidents merged per place: own coordinates, else the governorate's; and the unplaced."""
    merged: dict[tuple[float, float], Point] = {}
    unplaced = 0
    for event in events:
        loc = event.location
        approximate = loc.geo is None
        if loc.geo is not None:
            lat, lon = loc.geo.lat, loc.geo.lon
        elif loc.governorate_ar in governorates:
            lat, lon = governorates[loc.governorate_ar]
        else:
            unplaced += 1
            continue
        key = (round(lat, 3), round(lon, 3))
        label = loc.name_ar or loc.governorate_ar or ""
        point = merged.setdefault(key, Point(lat, lon, 0, 0, label, approximate))
        point.incidents += 1
        point.defectors += event.count or 0
    return sorted(merged.values(), key=lambda p: -p.defectors), unplaced


def most_corroborated(events: list[DefectionEvent],
                      limit: int = TOP_CORROBORATED) -> list[DefectionEvent]:
    """The incidents most outlets reported (then the largest, then the newest)."""
    return sorted(events, key=lambda e: (-e.corroboration, -(e.count or 0),
                                         e.date.start or "", e.event_id))[:limit]


def build_brief(events: list[DefectionEvent], since: dt.date, until: dt.date,
                governorates: dict[str, tuple[float, float]], generated: str) -> Brief:
    """The brief of ``events`` (already filtered to the period)."""
    points, unplaced = map_points(events, governorates)
    buckets, width = timeline(events, since, until)
    return Brief(
        since=since, until=until, generated=generated, incidents=len(events),
        defectors=sum(e.count or 0 for e in events),
        corroborated=sum(1 for e in events if e.corroboration > 1),
        undated=sum(1 for e in events if not e.date.start),
        by_side=_table(events, _side), by_unit=_table(events, _unit, TOP_UNITS),
        by_governorate=_table(events, _governorate), timeline=buckets, bucket_days=width,
        points=points, unplaced=unplaced, top=most_corroborated(events))


def governorate_points(places) -> dict[str, tuple[float, float]]:
    """Governorate name (Arabic) → (lat, lon), from gazetteer places."""
    out: dict[str, tuple[float, float]] = defaultdict(tuple)
    for place in places:
        if place.kind == "governorate" and place.lat is not None and place.lon is not None:
            out[place.name_ar] = (place.lat, place.lon)
    return dict(out)
