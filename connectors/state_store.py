"""Feed cursors (validators, seen entry ids, floor) kept in ``<prefix>-state``.

``ElasticsearchCursorStore`` implements the ``CursorStore`` protocol of ``connectors.cursors``,
one document per feed (id = feed id), so a restarted pipeline resumes where it stopped:

- ``get(feed_id)``: the stored cursor; the last one read when Elasticsearch does not answer
  (polling goes on through an outage; the cursor only moves by ``commit``).
- ``commit(feed_id, refs)``: processed entries join ``seen`` (``cursors.commit_entries``), a
  read-modify-write guarded by ``if_seq_no``/``if_primary_term`` (a concurrent validator
  update is re-read and merged), held and retried while Elasticsearch is unreachable: the
  pipeline's commit step must not move on before the cursor is stored.
- ``set_validators(feed_id, etag, last_modified)``: a partial update of the two validators,
  best effort (a lost one only costs a full fetch of the feed).
- ``put(feed_id, cursor)``: replace the whole cursor (tests, tools), also held and retried.
"""
from __future__ import annotations

import logging
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, ConflictError, NotFoundError

from connectors.cursors import MAX_SEEN, commit_entries, normalise
from connectors.elasticsearch_io import call_with_retry
from connectors.es_client import EsTarget
from schemas.indices import alias
from schemas.records import EntryRef, utc_now_iso

__all__ = ["ElasticsearchCursorStore", "MAX_SEEN"]

LOG = logging.getLogger(__name__)
MAX_CONFLICTS = 10  # concurrent updates of one cursor tolerated by one commit


class ElasticsearchCursorStore:
    """CursorStore over ``<prefix>-state`` (see module doc)."""

    def __init__(self, target: EsTarget | str | None = None, api_key: str | None = None,
                 prefix: str | None = None, request_timeout: float = 10.0,
                 max_retry_wait: float = 3600.0):
        target = EsTarget.coerce(target, api_key=api_key, index_prefix=prefix)
        self._index = alias("state", target.index_prefix)
        self._client = target.client(request_timeout=request_timeout, max_retries=1)
        self._cache: dict[str, dict[str, Any]] = {}
        self._max_retry_wait = max_retry_wait

    def _read(self, feed_id: str) -> tuple[dict[str, Any], int | None, int | None]:
        """The stored cursor with its seq_no and primary_term (None, None when absent)."""
        try:
            hit = self._client.get(index=self._index, id=feed_id)
        except NotFoundError:
            return normalise(None), None, None
        return normalise(hit["_source"]), hit["_seq_no"], hit["_primary_term"]

    def get(self, feed_id: str) -> dict[str, Any]:
        """The stored cursor of ``feed_id`` (empty when none); the cached one if ES fails."""
        try:
            cursor = self._read(feed_id)[0]
        except (TransportError, ApiError) as error:
            LOG.warning("state: cannot read cursor of %s (%s); using the last one known",
                        feed_id, type(error).__name__)
            return normalise(self._cache.get(feed_id))
        self._cache[feed_id] = cursor
        return normalise(cursor)

    def _document(self, feed_id: str, cursor: dict[str, Any]) -> dict[str, Any]:
        return {"feed_id": feed_id, **normalise(cursor), "updated": utc_now_iso()}

    def put(self, feed_id: str, cursor: dict[str, Any]) -> None:
        """Replace the cursor of ``feed_id`` (``seen`` capped to the newest MAX_SEEN)."""
        cursor = commit_entries(cursor, [])
        call_with_retry(lambda: self._client.index(
            index=self._index, id=feed_id, document=self._document(feed_id, cursor)),
            max_wait=self._max_retry_wait, what=f"cursor put {feed_id}")
        self._cache[feed_id] = cursor

    def set_validators(self, feed_id: str, etag: str | None,
                       last_modified: str | None) -> None:
        """Store the conditional-GET validators (best effort: skipped while ES is away)."""
        try:
            self._client.update(index=self._index, id=feed_id, doc_as_upsert=True,
                                doc={"feed_id": feed_id, "etag": etag,
                                     "last_modified": last_modified, "updated": utc_now_iso()})
        except (TransportError, ApiError) as error:
            LOG.warning("state: validators of %s not stored (%s)", feed_id,
                        type(error).__name__)

    def commit(self, feed_id: str, refs: list[EntryRef]) -> dict[str, Any]:
        """Add processed entries to the cursor; held and retried through an outage."""
        return call_with_retry(lambda: self._commit(feed_id, refs),
                               max_wait=self._max_retry_wait, what=f"cursor commit {feed_id}")

    def _commit(self, feed_id: str, refs: list[EntryRef]) -> dict[str, Any]:
        for _ in range(MAX_CONFLICTS):
            stored, seq_no, primary_term = self._read(feed_id)
            cursor = commit_entries(stored, refs)
            guard = ({"op_type": "create"} if seq_no is None else
                     {"if_seq_no": seq_no, "if_primary_term": primary_term})
            try:
                self._client.index(index=self._index, id=feed_id,
                                   document=self._document(feed_id, cursor), **guard)
            except ConflictError:  # validators or another commit written meanwhile
                continue
            self._cache[feed_id] = cursor
            return cursor
        raise RuntimeError(f"cursor of {feed_id} kept changing during {MAX_CONFLICTS} commits")

    def close(self) -> None:
        self._client.close()
