"""The alert an analyst reads: Arabic + English text and the webhook JSON of a defection event.

Pure functions, no I/O besides reading the packaged governorate names once:

- ``build_message(event, kind, links)`` → ``AlertMessage(title, body)``: group, count (and
  range), place and governorate, date, destination, the evidence sentence, source links, an
  OpenStreetMap link at the coordinates and, when a Kibana URL is configured, a Discover link
  filtered to the event — first in Arabic, then in English.
- ``build_digest(events, links)``: one message for a burst of events (burst protection).
- ``webhook_payload(...)`` / ``digest_payload(...)``: the JSON POSTed to webhooks — the whole
  event (``event_id`` included) plus ``kind``, ``title``, ``message`` and ``links``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from schemas.records import DefectionEvent
from transforms.gazetteer import governorates_en

OSM_ZOOM = 12
MAX_SOURCES = 5
MAX_EVIDENCE_CHARS = 600
DIGEST_MAX_LINES = 50

QUALIFIER_AR = {"at_least": "لا يقل عن", "approx": "نحو", "exact": "", "none": ""}
QUALIFIER_EN = {"at_least": "at least", "approx": "about", "exact": "", "none": ""}
HEADLINE = {
    "new": ("انشقاق جديد", "New defection"),
    "update": ("تحديث حادثة انشقاق", "Defection update"),
    "digest": ("موجز انشقاقات", "Defection digest"),
}


@dataclass(frozen=True)
class AlertMessage:
    """The text of one alert: a one-line ``title`` and a multi-line ``body``."""
    title: str
    body: str


@dataclass(frozen=True)
class LinkSettings:
    """Where links in alerts point: the Kibana base URL (optional) and the index prefix."""
    kibana_url: str | None = None
    index_prefix: str = "defwatch"


def osm_link(event: DefectionEvent) -> str | None:
    """OpenStreetMap at the event's coordinates, or None when it has none."""
    geo = event.location.geo if event.location else None
    if geo is None:
        return None
    lat, lon = round(float(geo.lat), 5), round(float(geo.lon), 5)
    return (f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}"
            f"#map={OSM_ZOOM}/{lat}/{lon}")


def kibana_link(event_id: str, links: LinkSettings) -> str | None:
    """Kibana Discover on the events data view filtered to ``event_id`` (None without Kibana)."""
    if not links.kibana_url:
        return None
    view = f"{links.index_prefix}-events"
    state = (f"(dataSource:(dataViewId:'{view}',type:dataView),"
             f"query:(language:kuery,query:'event_id:\"{event_id}\"'))")
    return (f"{links.kibana_url.rstrip('/')}/app/discover#/"
            f"?_g=(time:(from:now-5y,to:now))&_a={quote(state, safe='():,')}")


def source_urls(event: DefectionEvent) -> list[str]:
    """Distinct source (then evidence) URLs of the event, first cited first."""
    urls = [s.url for s in event.sources if s.url] + [e.url for e in event.evidence if e.url]
    return list(dict.fromkeys(urls))[:MAX_SOURCES]


def event_links(event: DefectionEvent, links: LinkSettings) -> dict[str, Any]:
    """The links of an event: ``map`` (OSM), ``kibana`` and ``sources``."""
    return {"map": osm_link(event), "kibana": kibana_link(event.event_id, links),
            "sources": source_urls(event)}


def _count_text(event: DefectionEvent, qualifiers: dict[str, str], range_word: str,
                unknown: str) -> str:
    """``نحو 25 (16–25)`` / ``about 25 (range 16–25)``; ``unknown`` without a figure."""
    if event.count is None:
        return unknown
    text = " ".join(p for p in (qualifiers.get(event.count_qualifier, ""), str(event.count)) if p)
    if event.count_range and len(event.count_range) == 2 and (
            event.count_range[0] != event.count_range[1]):
        text += f" ({range_word} {event.count_range[0]}–{event.count_range[1]})"
    return text


def _date_text(event: DefectionEvent) -> str | None:
    """``2021-05-01 – 2021-05-10 (مطلع الشهر الجاري)`` or the single date."""
    date = event.date
    if not date or not (date.start or date.end or date.text_ar):
        return None
    span = date.start or ""
    if date.end and date.end != date.start:
        span = f"{span} – {date.end}" if span else date.end
    return f"{span} ({date.text_ar})" if date.text_ar and span else (span or date.text_ar)


def _place_ar(event: DefectionEvent) -> str | None:
    loc = event.location
    parts = [loc.name_ar, loc.area_ar if loc.area_ar != loc.name_ar else None]
    if loc.governorate_ar and loc.governorate_ar != loc.name_ar:
        parts.append(f"محافظة {loc.governorate_ar}")
    return "، ".join(p for p in parts if p) or None


def _place_en(event: DefectionEvent) -> str | None:
    loc = event.location
    gov = governorates_en().get(loc.governorate_ar or "", loc.governorate_ar)
    name = loc.name_en or loc.name_ar
    parts = [name, f"{gov} governorate" if gov and gov != name else None]
    return ", ".join(p for p in parts if p) or None


def evidence_text(event: DefectionEvent) -> str | None:
    """The first evidence sentence, shortened to ``MAX_EVIDENCE_CHARS``."""
    if not event.evidence:
        return None
    text = " ".join(event.evidence[0].text.split())
    return text if len(text) <= MAX_EVIDENCE_CHARS else text[:MAX_EVIDENCE_CHARS - 1] + "…"


def _lines(rows: list[tuple[str, str | None]]) -> list[str]:
    return [f"{label}: {value}" for label, value in rows if value]


def _arabic_block(event: DefectionEvent, kind: str, found: dict[str, Any]) -> list[str]:
    actor = event.actor
    group = actor.name_ar or actor.name_en or actor.id
    if group and actor.parent_ar:
        group = f"{group} ({actor.parent_ar})"
    evidence = evidence_text(event)
    return [f"⚠️ {HEADLINE[kind][0]}", *_lines([
        ("المجموعة", group),
        ("العدد", _count_text(event, QUALIFIER_AR, "بين", "غير معروف")),
        ("المكان", _place_ar(event)),
        ("التاريخ", _date_text(event)),
        ("الوجهة", event.destination.name_ar or event.destination.name_en
         if event.destination else None),
        ("الدليل", f"«{evidence}»" if evidence else None),
        ("المصادر", " ".join(found["sources"]) or None),
        ("عدد المصادر", str(event.corroboration)),
        ("الخريطة", found["map"]),
        ("كيبانا", found["kibana"]),
    ])]


def _english_block(event: DefectionEvent, kind: str, found: dict[str, Any]) -> list[str]:
    actor = event.actor
    group = actor.name_en or actor.name_ar or actor.id
    if group and actor.id:
        group = f"{group} [{actor.id}]"
    destination = event.destination
    return [HEADLINE[kind][1], *_lines([
        ("Group", group),
        ("Count", _count_text(event, QUALIFIER_EN, "range", "unknown")),
        ("Place", _place_en(event)),
        ("Date", _date_text(event)),
        ("Destination", (destination.name_en or destination.name_ar) if destination else None),
        ("Evidence", "(Arabic, above)" if event.evidence else None),
        ("Sources", " ".join(found["sources"]) or None),
        ("Corroboration", f"{event.corroboration} source(s)"),
        ("Map", found["map"]),
        ("Kibana", found["kibana"]),
        ("Event id", event.event_id),
    ])]


def build_title(event: DefectionEvent, kind: str = "new") -> str:
    """One line, Arabic then English: ``انشقاق جديد: 21 من الدفاع الوطني — الدوير | …``."""
    actor, loc = event.actor, event.location
    count = "" if event.count is None else f"{event.count} "
    arabic = f"{HEADLINE[kind][0]}: {count}{'من ' if count else ''}{actor.name_ar or actor.id or ''}"
    english = f"{HEADLINE[kind][1]}: {count}{actor.name_en or actor.id or ''}"
    if loc.name_ar:
        arabic += f" — {loc.name_ar}"
    if loc.name_en or loc.name_ar:
        english += f" — {loc.name_en or loc.name_ar}"
    return f"{arabic.strip()} | {english.strip()}"


def build_message(event: DefectionEvent, kind: str = "new",
                  links: LinkSettings | None = None) -> AlertMessage:
    """The Arabic + English alert of one event (``kind`` new or update)."""
    found = event_links(event, links or LinkSettings())
    body = _arabic_block(event, kind, found) + ["", "—" * 10, ""] + _english_block(
        event, kind, found)
    return AlertMessage(title=build_title(event, kind), body="\n".join(body))


def build_digest(events: list[DefectionEvent], links: LinkSettings | None = None) -> AlertMessage:
    """One message for a burst: a line per event (group, count, place, date, map, Kibana)."""
    links = links or LinkSettings()
    rows = []
    for event in events[:DIGEST_MAX_LINES]:
        found = event_links(event, links)
        head = build_title(event, "new").split(": ", 1)[-1]
        extra = [_date_text(event), found["map"], found["kibana"],
                 found["sources"][0] if found["sources"] else None]
        rows.append(" • " + " | ".join(p for p in [head, *extra] if p))
    if len(events) > DIGEST_MAX_LINES:
        rows.append(f" … +{len(events) - DIGEST_MAX_LINES}")
    ar, en = HEADLINE["digest"]
    title = f"{ar}: {len(events)} حادثة جديدة | {en}: {len(events)} new incidents"
    body = [f"⚠️ {ar} ({len(events)}) — {en} ({len(events)})", *rows]
    return AlertMessage(title=title, body="\n".join(body))


def webhook_payload(event: DefectionEvent, message: AlertMessage, kind: str = "new",
                    links: LinkSettings | None = None) -> dict[str, Any]:
    """The webhook JSON: the whole event plus ``kind``, ``title``, ``message``, ``links``."""
    return {**event.to_dict(), "kind": kind, "title": message.title, "message": message.body,
            "links": event_links(event, links or LinkSettings())}


def digest_payload(events: list[DefectionEvent], message: AlertMessage,
                   links: LinkSettings | None = None) -> dict[str, Any]:
    """The webhook JSON of a digest: every event (with its links) plus the digest text."""
    links = links or LinkSettings()
    return {"kind": "digest", "title": message.title, "message": message.body,
            "event_ids": [e.event_id for e in events],
            "events": [{**e.to_dict(), "links": event_links(e, links)} for e in events]}


def summary_line(event: DefectionEvent) -> str:
    """A short one-line summary stored on the alert document."""
    return build_title(event, "new").split(" | ", 1)[0]
