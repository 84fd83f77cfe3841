"""Events in Elasticsearch: candidates for dedup after a restart, and merge-safe writes.

``EventStore(client, prefix)`` reads and writes ``<prefix>-events`` (id = ``event_id``):

- ``find_candidates(event, window_days)``: stored events of the event's actor family that may
  report the same incident, each with its ``_seq_no``/``_primary_term``; used by
  ``DeduplicateEvents`` when its keyed state is empty.
- ``upsert(change)``: ``new`` → ``op_type=create``; ``update`` → index with ``if_seq_no`` /
  ``if_primary_term``. On a conflict (another worker or an earlier run wrote first) the stored
  event is re-read, the report merged into it again, and the write retried; a merge that adds
  nothing is not written and comes back as ``unchanged``. Re-running the same input therefore
  leaves the index as it was.

``WriteEvents(target)`` (an ``EsTarget``) wraps it as a PTransform with a dead-letter output.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import apache_beam as beam
from elasticsearch import ConflictError, NotFoundError
from elasticsearch import exceptions as es_exceptions

from connectors.elasticsearch_io import call_with_retry
from connectors.es_client import EsTarget
from schemas.indices import DEFAULT_PREFIX, alias
from schemas.records import DEAD_LETTER, DeadLetter, DefectionEvent, EventChange
from transforms.event_match import (
    MatchSettings,
    as_settings,
    block_key,
    merge_events,
    reference_day,
)

NAMESPACE = "defwatch.event_store"
MAX_ATTEMPTS = 5
CANDIDATES = 200  # most recent events of one actor family considered after a restart


class MergeConflict(RuntimeError):
    """The stored event kept changing under a merge for ``MAX_ATTEMPTS`` attempts."""


class EventStore:
    """Reads candidates from and writes merged events to ``<prefix>-events``."""

    def __init__(self, client, prefix: str = DEFAULT_PREFIX, settings: Any = None,
                 refresh: bool | str = False, max_retry_wait: float = 3600.0):
        self.client = client
        self.max_retry_wait = max_retry_wait  # hold through an outage this long, then raise
        self.index = alias("events", prefix)
        self.settings: MatchSettings = as_settings(settings)
        self.refresh = refresh

    # ------------------------------------------------------------------ reads

    def get(self, event_id: str) -> tuple[DefectionEvent, int, int] | None:
        """The stored event with its seq_no and primary_term, or None."""
        try:
            hit = self.client.get(index=self.index, id=event_id)
        except NotFoundError:
            return None
        return DefectionEvent.from_dict(hit["_source"]), hit["_seq_no"], hit["_primary_term"]

    def _family_query(self, event: DefectionEvent, window_days: int | None) -> dict | None:
        """Stored events of the same actor family (ids or names), else of the same place."""
        actor = event.actor
        ids = {v for v in (actor.id, actor.parent_id) if v} if actor else set()
        should = []
        for value in sorted(ids):
            for name in ("actor.id", "actor.parent_id"):
                should += [{"term": {name: value}}, {"term": {name + ".keyword": value}}]
        if not ids and actor and actor.name_ar:
            should.append({"match_phrase": {"actor.name_ar": actor.name_ar}})
        if not should and event.location and event.location.place_id:
            should.append({"term": {"location.place_id": event.location.place_id}})
        if not should:
            return None
        query: dict[str, Any] = {"should": should, "minimum_should_match": 1}
        day = reference_day(event)
        if day is not None:  # events not seen within the window have left the keyed state too
            window = self.settings.window_days if window_days is None else window_days
            days = window + self.settings.expiry_margin_days
            query["filter"] = [{"range": {"last_seen": {
                "gte": (day - dt.timedelta(days=days)).isoformat()}}}]
        return {"bool": query}

    def find_candidates(self, event: DefectionEvent,
                        window_days: int | None = None) -> list[tuple[DefectionEvent, int, int]]:
        """``_find_candidates``, held and retried while Elasticsearch is unreachable."""
        return call_with_retry(lambda: self._find_candidates(event, window_days),
                               max_wait=self.max_retry_wait, what="event candidate lookup")

    def _find_candidates(self, event: DefectionEvent,
                         window_days: int | None = None) -> list[tuple[DefectionEvent, int, int]]:
        """Stored events of ``event``'s block (actor family, seen within the window).

        The whole block, not only the events that ``event`` itself could merge with: the
        caller's keyed state starts from it and serves the block's next reports too. Scoring
        is the caller's (``event_match.best_match``), with seq_no and primary_term kept.
        """
        query = self._family_query(event, window_days)
        if query is None:
            return []
        try:
            # Writes are not refreshed one by one: make the latest ones visible before the
            # lookup that decides between "new" and "merge" (it runs only on empty state).
            self.client.indices.refresh(index=self.index)
            response = self.client.search(
                index=self.index, query=query, size=CANDIDATES, seq_no_primary_term=True,
                sort=[{"last_seen": {"order": "desc", "unmapped_type": "date"}}, "_doc"])
        except NotFoundError:
            return []
        key = block_key(event)
        out = []
        for hit in response["hits"]["hits"]:
            stored = DefectionEvent.from_dict(hit["_source"])
            if block_key(stored) == key:
                out.append((stored, hit["_seq_no"], hit["_primary_term"]))
        return out

    # ------------------------------------------------------------------ writes

    def _index(self, event: DefectionEvent, seq_no: int | None = None,
               primary_term: int | None = None) -> dict:
        """Write ``event``: create when no seq_no is given, else compare-and-set."""
        if seq_no is None:
            return self.client.index(index=self.index, id=event.event_id,
                                     document=event.to_dict(), op_type="create",
                                     refresh=self.refresh)
        return self.client.index(index=self.index, id=event.event_id, document=event.to_dict(),
                                 if_seq_no=seq_no, if_primary_term=primary_term,
                                 refresh=self.refresh)

    def upsert(self, change: EventChange) -> EventChange:
        """``_upsert``, held and retried while Elasticsearch is unreachable (idempotent)."""
        return call_with_retry(lambda: self._upsert(change), max_wait=self.max_retry_wait,
                               what="event upsert")

    def _upsert(self, change: EventChange) -> EventChange:
        """Write one dedup decision; on conflict re-read, re-merge, retry (see module doc)."""
        if change.kind == "unchanged":
            return change
        event = change.event
        seq_no = change.seq_no if change.kind == "update" else None
        primary_term = change.primary_term if change.kind == "update" else None
        if change.kind == "update" and seq_no is None:
            current = self.get(event.event_id)
            if current is not None:
                return self._merge_into(change, current)
        for _ in range(MAX_ATTEMPTS):
            try:
                result = self._index(event, seq_no, primary_term)
            except ConflictError:
                current = self.get(event.event_id)
                if current is None:  # deleted meanwhile: create it again
                    seq_no = primary_term = None
                    continue
                merged = self._merge_into(change, current, write=False)
                if merged.kind == "unchanged":
                    return merged
                event, seq_no, primary_term = merged.event, merged.seq_no, merged.primary_term
                continue
            return dataclasses.replace(change, event=event, seq_no=result["_seq_no"],
                                       primary_term=result["_primary_term"])
        raise MergeConflict(f"event {event.event_id}: still conflicting after {MAX_ATTEMPTS} "
                            "attempts")

    def _merge_into(self, change: EventChange, current: tuple[DefectionEvent, int, int],
                    write: bool = True) -> EventChange:
        """``change.event`` merged into the stored event (``unchanged`` if it adds nothing)."""
        stored, seq_no, primary_term = current
        report = change.event
        merged = merge_events(stored, report, self.settings)
        if merged == stored:
            return EventChange(kind="unchanged", event=stored, previous=change.previous,
                               seq_no=seq_no, primary_term=primary_term)
        kind = "update" if change.kind == "new" else change.kind
        update = EventChange(kind=kind, event=merged, previous=stored, seq_no=seq_no,
                             primary_term=primary_term)
        return self._upsert(update) if write else update

    def close(self) -> None:
        self.client.close()


class EventStoreFactory:
    """A picklable ``store_factory`` for ``DeduplicateEvents``: builds an ``EventStore``."""

    def __init__(self, target: EsTarget | str | None = None, api_key: str | None = None,
                 prefix: str | None = None, settings: Any = None,
                 max_retry_wait: float = 3600.0):
        self.target = EsTarget.coerce(target, api_key=api_key, index_prefix=prefix)
        self.settings = as_settings(settings)
        self.max_retry_wait = max_retry_wait

    def __call__(self) -> EventStore:
        return EventStore(self.target.client(), self.target.index_prefix, self.settings,
                          max_retry_wait=self.max_retry_wait)


# ----------------------------------------------------------------------------- Beam

class _UpsertEvents(beam.DoFn):
    """Writes each ``EventChange`` through ``EventStore.upsert``; failures are dead letters."""

    def __init__(self, target: EsTarget, settings: Any, max_retry_wait: float):
        self._target = target
        self._settings = settings
        self._max_retry_wait = max_retry_wait
        self._store: EventStore | None = None
        self._written = beam.metrics.Metrics.counter(NAMESPACE, "index/written")
        self._unchanged = beam.metrics.Metrics.counter(NAMESPACE, "index/unchanged")

    def setup(self):
        self._store = EventStore(self._target.client(), self._target.index_prefix,
                                 self._settings, max_retry_wait=self._max_retry_wait)

    def teardown(self):
        if self._store is not None:
            self._store.close()

    def process(self, change: EventChange):
        try:
            result = self._store.upsert(change)
        except (es_exceptions.ApiError, es_exceptions.TransportError, MergeConflict) as error:
            reason = f"es_error:{type(error).__name__}"
            beam.metrics.Metrics.counter(NAMESPACE, f"index/{reason}").inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, DeadLetter(
                stage="index", reason=reason, source=self._store.index,
                detail=str(error)[:500], payload=change.event.event_id))
            return
        (self._unchanged if result.kind == "unchanged" else self._written).inc()
        yield result


class WriteEvents(beam.PTransform):
    """``EventChange`` → written to ``<prefix>-events``; emits the stored outcome.

    Returns ``out.main`` (``EventChange`` with the written seq_no; ``unchanged`` when the
    merge added nothing) and ``out.dead_letter``. While Elasticsearch is unreachable a write
    is held and retried for up to ``max_retry_wait`` seconds before it becomes a dead letter.
    """

    def __init__(self, target: EsTarget | str | None = None, api_key: str | None = None,
                 prefix: str | None = None, settings: Any = None,
                 max_retry_wait: float = 3600.0):
        super().__init__()
        self._args = (EsTarget.coerce(target, api_key=api_key, index_prefix=prefix),
                      as_settings(settings), max_retry_wait)

    def expand(self, changes):
        return changes | "UpsertEvents" >> beam.ParDo(_UpsertEvents(*self._args)).with_outputs(
            DEAD_LETTER, main="main")


__all__ = ["EventStore", "EventStoreFactory", "WriteEvents"]
