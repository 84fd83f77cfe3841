"""Typed records that flow through the pipeline: documents, articles, events, alerts, dead letters.

Every record is a dataclass with ``to_dict()`` (the JSON shape indexed in Elasticsearch and
printed by ``defwatch extract``) and ``from_dict()``. The event's field names are a contract
with outside tools (see docs/design.md): change them only with a new index version.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from typing import Any

DEAD_LETTER = "dead_letter"  # tag of the dead-letter output of every DoFn that can fail

COUNT_QUALIFIERS = ("exact", "at_least", "approx", "none")
SIDES = ("regime", "iran_backed", "russian_backed", "sdf", "sna", "hts", "opposition", "isis",
         "tribal", "other")
DATE_PRECISIONS = ("day", "week", "month", "year", "unknown")


def utc_now_iso() -> str:
    """The current UTC time as an ISO-8601 string with a ``Z`` suffix, second precision."""
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def stable_id(*parts: Any, length: int = 20) -> str:
    """A short hex id that depends only on ``parts`` (same input, same id, on every run)."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def _drop_none(value: Any) -> Any:
    """Recursively remove keys whose value is None from dicts (lists keep their items)."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


class _Record:
    """Shared dict conversion for the records below."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]):
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})


# ----------------------------------------------------------------------------- documents

@dataclass
class FeedConfig(_Record):
    """One entry of feeds.yaml."""
    id: str
    url: str
    name: str | None = None
    kind: str = "rss"  # rss | telegram | sitemap
    language: str = "ar"
    poll_interval: int = 300


@dataclass
class FeedEntry(_Record):
    """One item seen in a feed, Telegram preview or sitemap, before its article is fetched."""
    feed_id: str
    url: str  # canonical URL (courlan); for Telegram the message permalink
    entry_id: str  # the feed's own id/guid, else the URL
    title: str | None = None
    summary: str | None = None  # feed summary, or the whole message text for Telegram
    published: str | None = None  # ISO-8601 UTC
    outlet: str | None = None  # feed name or domain
    kind: str = "rss"
    inline_text: bool = False  # True when ``summary`` is the full text (Telegram): no fetch


@dataclass(frozen=True)
class EntryRef(_Record):
    """A feed entry handed to the pipeline: committed to its feed's cursor once processed."""
    feed_id: str
    entry_id: str
    published: str | None = None  # ISO-8601 UTC: the cursor keeps the newest entries

    @classmethod
    def of(cls, entry: FeedEntry) -> EntryRef:
        return cls(entry.feed_id, entry.entry_id, entry.published)


@dataclass
class Document(_Record):
    """The input of extraction: the JSONL shape of docs/design.md plus the outlet."""
    doc_id: str
    url: str | None = None
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD (or ISO datetime; extraction uses the date)
    text: str | None = None
    html: str | None = None
    outlet: str | None = None


@dataclass
class Article(_Record):
    """A cleaned article, as indexed in ``defwatch-articles`` (id = ``doc_id``)."""
    doc_id: str  # stable_id(canonical url)
    url: str
    text: str  # cleaned main text, as published (evidence offsets point into it)
    title: str | None = None
    published: str | None = None  # YYYY-MM-DD or ISO datetime
    outlet: str | None = None
    feed_id: str | None = None
    author: str | None = None
    sitename: str | None = None
    language: str | None = "ar"
    text_source: str = "page"  # page | summary (page failed) | inline (Telegram) | archive
    fetch_error: str | None = None  # why the page was not used, when text_source == summary
    duplicate_of: str | None = None  # doc_id of the canonical copy (near-duplicate detection)
    fetched_at: str | None = None

    def to_document(self) -> Document:
        return Document(doc_id=self.doc_id, url=self.url, title=self.title,
                        published=self.published, text=self.text, outlet=self.outlet)


# ----------------------------------------------------------------------------- events

@dataclass
class Actor(_Record):
    id: str | None = None
    name_ar: str | None = None
    name_en: str | None = None
    parent_ar: str | None = None
    parent_id: str | None = None
    side: str | None = None  # one of SIDES


@dataclass
class GeoPoint(_Record):
    lat: float
    lon: float


@dataclass
class Location(_Record):
    name_ar: str | None = None
    area_ar: str | None = None
    governorate_ar: str | None = None
    name_en: str | None = None
    geo: GeoPoint | None = None
    precision: str | None = None  # village | town | city | subdistrict | district | governorate
    place_id: str | None = None  # gazetteer id of the named place (else of the parent used)


@dataclass
class Destination(_Record):
    name_ar: str | None = None
    name_en: str | None = None
    id: str | None = None


@dataclass
class DateRange(_Record):
    start: str | None = None  # YYYY-MM-DD
    end: str | None = None
    text_ar: str | None = None
    precision: str | None = None  # day | week | month | year | unknown


@dataclass
class Evidence(_Record):
    doc_id: str
    text: str
    start: int
    end: int
    url: str | None = None


@dataclass
class Source(_Record):
    doc_id: str
    url: str | None = None
    outlet: str | None = None
    published: str | None = None
    count: int | None = None  # the figure this source reported (merge: most frequent figure)


@dataclass
class DefectionEvent(_Record):
    """One defection incident; the shape indexed in ``defwatch-events`` (id = ``event_id``)."""
    event_id: str
    actor: Actor = field(default_factory=Actor)
    count: int | None = None
    count_qualifier: str = "none"
    count_range: list[int] | None = None
    includes_commander: bool | None = None
    with_weapons: bool | None = None
    location: Location = field(default_factory=Location)
    destination: Destination | None = None
    date: DateRange = field(default_factory=DateRange)
    reasons: list[str] = field(default_factory=list)
    consequences: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    first_seen: str | None = None
    last_seen: str | None = None
    corroboration: int = 1
    event_type: str = "defection"

    def to_dict(self) -> dict[str, Any]:
        return _drop_none(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DefectionEvent:
        def sub(kind, value):
            return kind.from_dict(value) if isinstance(value, dict) else value

        location = dict(data.get("location") or {})
        if isinstance(location.get("geo"), dict):
            location["geo"] = GeoPoint(**location["geo"])
        return cls(
            event_id=data["event_id"],
            actor=sub(Actor, data.get("actor") or {}),
            count=data.get("count"),
            count_qualifier=data.get("count_qualifier") or "none",
            count_range=data.get("count_range"),
            includes_commander=data.get("includes_commander"),
            with_weapons=data.get("with_weapons"),
            location=Location.from_dict(location),
            destination=sub(Destination, data.get("destination")),
            date=sub(DateRange, data.get("date") or {}),
            reasons=list(data.get("reasons") or []),
            consequences=list(data.get("consequences") or []),
            evidence=[Evidence.from_dict(e) for e in data.get("evidence") or []],
            sources=[Source.from_dict(s) for s in data.get("sources") or []],
            first_seen=data.get("first_seen"),
            last_seen=data.get("last_seen"),
            corroboration=data.get("corroboration") or 1,
            event_type=data.get("event_type") or "defection",
        )

    def doc_ids(self) -> list[str]:
        """Every document this event cites, in first-cited order."""
        seen: dict[str, None] = {}
        for item in [*self.sources, *self.evidence]:
            seen.setdefault(item.doc_id, None)
        return list(seen)


@dataclass
class EventChange(_Record):
    """What event deduplication decided for one extracted event.

    ``kind`` is ``new`` (first sighting: alert), ``update`` (merged into an existing event) or
    ``unchanged`` (a replay of a source the event already holds). ``seq_no``/``primary_term``
    are those of the stored document the merge was based on (optimistic concurrency).
    """
    kind: str
    event: DefectionEvent
    previous: DefectionEvent | None = None
    seq_no: int | None = None
    primary_term: int | None = None


# ----------------------------------------------------------------------------- alerts, errors

@dataclass
class Alert(_Record):
    """One alerted event in ``defwatch-alerts`` (id = ``event_id``): the claim and its delivery."""
    event_id: str
    status: str = "claimed"  # claimed | delivered | failed | digested | filtered
    channels: list[str] = field(default_factory=list)
    attempts: int = 0
    errors: list[str] = field(default_factory=list)
    created: str = field(default_factory=utc_now_iso)
    delivered: str | None = None
    kind: str = "new"  # new | update
    summary: str | None = None


@dataclass
class DeadLetter(_Record):
    """Anything that failed, with why: indexed in ``defwatch-deadletter``, never dropped."""
    stage: str  # fetch | feed | clean | extract | dedup | index | alert | archive | …
    reason: str  # short machine-friendly reason, e.g. ``http_status:503``, ``private_address``
    source: str | None = None  # feed id or input file
    url: str | None = None
    detail: str | None = None  # human-readable message
    payload: str | None = None  # the input (truncated) or a reference to it
    time: str = field(default_factory=utc_now_iso)

    def __post_init__(self):
        # Dead letters are stored and printed: no credential, token or secret query value
        # in them (see connectors.redact).
        from connectors.redact import redact
        for name in ("source", "url", "detail", "payload"):
            value = getattr(self, name)
            if isinstance(value, str):
                setattr(self, name, redact(value))

    @property
    def id(self) -> str:
        return stable_id(self.stage, self.reason, self.source, self.url, self.payload)
