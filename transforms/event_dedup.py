"""Event deduplication: one event per real incident, however many outlets report it.

Two entry points over the same pure policy (``transforms.event_match``):

- ``cluster_events(events, settings)``: batch, for ``defwatch extract --dedup``. Sorts the
  reports (published, doc_id, offset, event_id) and assigns each document's events to the
  clusters built so far, best pair first; same input, same clusters and ids, every run.
- ``DeduplicateEvents(settings, store_factory=None)``: streaming. Events are keyed by their
  blocking key (the actor family); a stateful DoFn keeps the block's recent events in keyed
  state, expired by an event-time timer ``window + margin`` after the last report. When the
  state is empty (first report of the block, or after a restart) it asks the store
  (``connectors.event_store.EventStore``) for candidates, so a restarted pipeline merges into
  the existing event. Output: ``EventChange`` records (``new`` → alert, ``update``,
  ``unchanged`` for a replayed report) and a dead-letter output.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec, TimerSpec, on_timer
from apache_beam.utils.timestamp import Duration

from schemas.records import DEAD_LETTER, DeadLetter, DefectionEvent, EventChange
from transforms.event_match import (
    MatchSettings,
    as_settings,
    best_match,
    block_key,
    merge_events,
    report_order,
    score_pair,
)

NAMESPACE = "defwatch.event_dedup"
SECONDS_PER_DAY = 86400
INVALID_KEY = "!invalid"  # key of input that has no blocking key: dead-lettered downstream


# ----------------------------------------------------------------------------- batch

def _document_of(event: DefectionEvent) -> str:
    """The document an extracted (single-report) event comes from."""
    return min(event.doc_ids(), default=event.event_id)


def _assign(group: Sequence[DefectionEvent], clusters: list[DefectionEvent],
            blocks: dict[str, list[int]], settings: MatchSettings) -> None:
    """Merge one document's events into ``clusters``: best pairs first, one event per cluster."""
    pairs = []
    for e_index, event in enumerate(group):
        for c_index in blocks.get(block_key(event), []):
            pair = score_pair(clusters[c_index], event, settings)
            if pair.merge and pair.score >= settings.threshold:
                pairs.append((-pair.score, c_index, e_index))
    used_events, used_clusters = set(), set()
    for _, c_index, e_index in sorted(pairs):
        if e_index in used_events or c_index in used_clusters:
            continue
        used_events.add(e_index)
        used_clusters.add(c_index)
        clusters[c_index] = merge_events(clusters[c_index], group[e_index], settings)
    for e_index, event in enumerate(group):
        if e_index not in used_events:
            blocks.setdefault(block_key(event), []).append(len(clusters))
            clusters.append(event)


def cluster_events(events: Iterable[DefectionEvent], settings: Any = None) -> list[DefectionEvent]:
    """Merge the per-document events of many reports into one event per incident.

    Deterministic: the input is sorted first, so the same events give the same clusters with
    the same ``event_id`` (that of the incident's first report) whatever their order.
    """
    s = as_settings(settings)
    ordered = sorted(events, key=report_order)
    clusters: list[DefectionEvent] = []
    blocks: dict[str, list[int]] = {}
    by_document: dict[str, list[DefectionEvent]] = {}
    for event in ordered:
        by_document.setdefault(_document_of(event), []).append(event)
    for group in by_document.values():
        _assign(group, clusters, blocks, s)
    return clusters


# ----------------------------------------------------------------------------- streaming

def decide(event: DefectionEvent, entries: list[list[Any]],
           settings: Any = None) -> EventChange:
    """The change one report makes to a block's events ``[event, seq_no, primary_term]``.

    ``entries`` is updated in place: a merge replaces the candidate, a new event is appended.
    """
    index, _ = best_match(event, [entry[0] for entry in entries], settings)
    if index is None:
        entries.append([event, None, None])
        return EventChange(kind="new", event=event)
    base, seq_no, primary_term = entries[index]
    merged = merge_events(base, event, settings)
    if merged == base:
        return EventChange(kind="unchanged", event=base, seq_no=seq_no,
                           primary_term=primary_term)
    entries[index] = [merged, seq_no, primary_term]
    return EventChange(kind="update", event=merged, previous=base, seq_no=seq_no,
                       primary_term=primary_term)


class _MatchInBlock(beam.DoFn):
    """Keyed by blocking key: match each report against the block's recent events."""

    EVENTS = ReadModifyWriteStateSpec("events", PickleCoder())
    EXPIRY = TimerSpec("expiry", TimeDomain.WATERMARK)

    def __init__(self, settings: MatchSettings, store_factory: Callable[[], Any] | None):
        self._settings = settings
        self._store_factory = store_factory
        self._store = None
        self._counts = {kind: beam.metrics.Metrics.counter(NAMESPACE, f"dedup/{kind}")
                        for kind in ("new", "update", "unchanged", "store_lookup")}
        self._failed = beam.metrics.Metrics.counter(NAMESPACE, "dedup/failed")

    def setup(self):
        self._store = self._store_factory() if self._store_factory else None

    def teardown(self):
        close = getattr(self._store, "close", None)
        if callable(close):
            close()

    def _load(self, state: list | None, event: DefectionEvent) -> dict:
        """The block's state; the store's candidates when the state is empty."""
        if state:
            return state
        entries = []
        if self._store is not None:
            self._counts["store_lookup"].inc()
            for stored, seq_no, primary_term in self._store.find_candidates(
                    event, self._settings.window_days):
                entries.append([stored, seq_no, primary_term])
        return {"entries": entries, "expires": None}

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                events=beam.DoFn.StateParam(EVENTS), expiry=beam.DoFn.TimerParam(EXPIRY)):
        key, event = element
        try:
            if key == INVALID_KEY or not isinstance(event, DefectionEvent):
                raise TypeError(f"not a DefectionEvent: {type(event).__name__}")
            state = self._load(events.read(), event)
            change = decide(event, state["entries"], self._settings)
        except Exception as error:  # noqa: BLE001 - one bad event must not stop the stream
            self._failed.inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="dedup", reason=f"dedup_error:{type(error).__name__}", source=key,
                detail=str(error)[:500], payload=str(getattr(event, "event_id", repr(event)))[:2000]))
            return
        days = self._settings.window_days + self._settings.expiry_margin_days
        expires = timestamp + Duration(seconds=days * SECONDS_PER_DAY)
        if state["expires"] is None or expires > state["expires"]:
            state["expires"] = expires
        events.write(state)
        expiry.set(state["expires"])
        self._counts[change.kind].inc()
        yield change

    @on_timer(EXPIRY)
    def expire(self, events=beam.DoFn.StateParam(EVENTS)):
        events.clear()


def _keyed(event: Any) -> tuple[str, Any]:
    """(blocking key, event); input without a key goes on under ``INVALID_KEY``."""
    try:
        return block_key(event), event
    except Exception:  # noqa: BLE001 - dead-lettered by _MatchInBlock with the reason
        return INVALID_KEY, event


class DeduplicateEvents(beam.PTransform):
    """Per-document ``DefectionEvent`` → ``EventChange`` (new | update | unchanged).

    ``store_factory`` builds the store consulted when a block's state is empty (in
    ``setup()``, on the worker); None means no lookup. Returns ``out.main`` and
    ``out.dead_letter``.
    """

    def __init__(self, settings: Any = None, store_factory: Callable[[], Any] | None = None):
        super().__init__()
        self._settings = as_settings(settings)
        self._store_factory = store_factory

    def expand(self, events):
        return (events
                | "KeyByBlock" >> beam.Map(_keyed).with_output_types(tuple[str, Any])
                | "MatchInBlock" >> beam.ParDo(
                    _MatchInBlock(self._settings, self._store_factory)).with_outputs(
                        DEAD_LETTER, main="main"))


__all__ = ["DeduplicateEvents", "cluster_events", "decide"]
