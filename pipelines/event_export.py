"""Events as analysts take them away: a terminal table, JSON Lines, CSV and GeoJSON.

Every writer takes :class:`~schemas.records.DefectionEvent` records and a text stream. CSV
and GeoJSON flatten an event into the same columns (:func:`flat_row`); GeoJSON (RFC 7946)
puts each event with coordinates at ``[lon, lat]`` and keeps the events the gazetteer could
not place, with ``geometry: null``, so nothing is lost on the way to QGIS.
"""
from __future__ import annotations

import csv
import json
from typing import IO, Any

from schemas.records import DefectionEvent

FORMATS = ("table", "jsonl", "csv", "geojson")
COUNT_SIGNS = {"exact": "", "at_least": "≥", "approx": "~", "none": ""}
TABLE_COLUMNS = ("date", "actor", "count", "place", "destination", "corr", "first source")
CELL_WIDTH = {"actor": 48, "place": 32, "destination": 36}
FLAT_COLUMNS = (
    "event_id", "date_start", "date_end", "date_precision", "date_text_ar", "actor_id",
    "actor_name_ar", "actor_name_en", "actor_parent_ar", "actor_side", "count",
    "count_qualifier", "includes_commander", "with_weapons", "place_ar", "place_en", "area_ar",
    "governorate_ar", "lat", "lon", "location_precision", "destination_ar", "destination_en",
    "destination_id", "corroboration", "outlets", "first_source_url", "source_urls",
    "evidence", "first_seen", "last_seen")


def shown_date(event: DefectionEvent) -> str:
    """The incident's date as a short cell: the day, or the range with its precision."""
    date = event.date
    if not date.start:
        return "unknown"
    if date.precision == "day" or not date.end or date.end == date.start:
        return date.start
    return f"{date.start}…{date.end}"


def shown_count(event: DefectionEvent) -> str:
    """``12``, ``≥12``, ``~12`` or ``?``."""
    if event.count is None:
        return "?"
    return f"{COUNT_SIGNS.get(event.count_qualifier, '')}{event.count}"


def first_source(event: DefectionEvent) -> str:
    """Outlet and URL of the first source (else of the first evidence)."""
    if event.sources:
        source = event.sources[0]
        return " ".join(v for v in (source.outlet, source.url) if v) or source.doc_id
    return event.evidence[0].url or "" if event.evidence else ""


def _join(*parts: str | None, sep: str = " / ") -> str:
    return sep.join(p for p in parts if p)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def table_row(event: DefectionEvent) -> tuple[str, ...]:
    """The table cells of one event (see TABLE_COLUMNS)."""
    actor, loc = event.actor, event.location
    dest = event.destination
    return (shown_date(event),
            _clip(_join(actor.name_ar, actor.name_en) or actor.id or "?", CELL_WIDTH["actor"]),
            shown_count(event),
            _clip(_join(loc.name_ar or loc.name_en, loc.governorate_ar, sep=", "),
                  CELL_WIDTH["place"]),
            _clip(_join(dest.name_ar, dest.name_en) if dest else "", CELL_WIDTH["destination"]),
            str(event.corroboration), first_source(event))


def write_table(events: list[DefectionEvent], out: IO[str]) -> None:
    """A fixed-width table with a header line (the last column is not padded)."""
    if not events:
        out.write("no events match\n")
        return
    rows = [TABLE_COLUMNS, *(table_row(e) for e in events)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(TABLE_COLUMNS) - 1)]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)]
        out.write("  ".join([*cells, row[-1]]).rstrip() + "\n")


def write_jsonl(events: list[DefectionEvent], out: IO[str]) -> None:
    """One event JSON object per line (the indexed shape)."""
    for event in events:
        out.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")


def flat_row(event: DefectionEvent) -> dict[str, Any]:
    """The event as one flat row (see FLAT_COLUMNS); lists are joined with `` | ``."""
    actor, loc, date = event.actor, event.location, event.date
    dest = event.destination
    urls = list(dict.fromkeys(s.url for s in event.sources if s.url))
    outlets = list(dict.fromkeys(s.outlet for s in event.sources if s.outlet))
    return {
        "event_id": event.event_id, "date_start": date.start, "date_end": date.end,
        "date_precision": date.precision or "unknown", "date_text_ar": date.text_ar,
        "actor_id": actor.id, "actor_name_ar": actor.name_ar, "actor_name_en": actor.name_en,
        "actor_parent_ar": actor.parent_ar, "actor_side": actor.side, "count": event.count,
        "count_qualifier": event.count_qualifier,
        "includes_commander": event.includes_commander, "with_weapons": event.with_weapons,
        "place_ar": loc.name_ar, "place_en": loc.name_en, "area_ar": loc.area_ar,
        "governorate_ar": loc.governorate_ar, "lat": loc.geo.lat if loc.geo else None,
        "lon": loc.geo.lon if loc.geo else None, "location_precision": loc.precision,
        "destination_ar": dest.name_ar if dest else None,
        "destination_en": dest.name_en if dest else None,
        "destination_id": dest.id if dest else None, "corroboration": event.corroboration,
        "outlets": " | ".join(outlets), "first_source_url": urls[0] if urls else None,
        "source_urls": " | ".join(urls),
        "evidence": event.evidence[0].text if event.evidence else None,
        "first_seen": event.first_seen, "last_seen": event.last_seen,
    }


def write_csv(events: list[DefectionEvent], out: IO[str]) -> None:
    """A header row and one row per event (empty cells for unknown values)."""
    writer = csv.DictWriter(out, fieldnames=FLAT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for event in events:
        writer.writerow({k: "" if v is None else v for k, v in flat_row(event).items()})


def feature(event: DefectionEvent) -> dict[str, Any]:
    """A GeoJSON Feature: a Point at ``[lon, lat]``, or ``geometry: null`` when unplaced."""
    row = flat_row(event)
    lat, lon = row.pop("lat"), row.pop("lon")
    geometry = None if lat is None or lon is None else {"type": "Point",
                                                        "coordinates": [lon, lat]}
    return {"type": "Feature", "id": event.event_id, "geometry": geometry, "properties": row}


def write_geojson(events: list[DefectionEvent], out: IO[str]) -> None:
    """An RFC 7946 FeatureCollection of the events."""
    collection = {"type": "FeatureCollection", "features": [feature(e) for e in events]}
    json.dump(collection, out, ensure_ascii=False, indent=1)
    out.write("\n")


WRITERS = {"table": write_table, "jsonl": write_jsonl, "csv": write_csv,
           "geojson": write_geojson}
