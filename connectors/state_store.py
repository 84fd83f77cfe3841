"""Feed cursors (ETag, Last-Modified, seen entry ids) kept in ``<prefix>-state``.

``ElasticsearchCursorStore`` implements the ``CursorStore`` protocol of ``connectors.cursors``:
``get(feed_id) -> {"etag", "last_modified", "seen"}`` and ``put(feed_id, cursor)``. One
document per feed, id = feed id, so a restarted pipeline resumes where it stopped instead of
re-fetching every article of every feed.

Elasticsearch being down must not stop polling: the store keeps the last cursor of each feed
in memory, answers from it when a read fails, and writes a cursor it could not store with
the next ``put`` (or ``flush``). A cursor is never older in memory than in Elasticsearch.
"""
from __future__ import annotations

import logging
from typing import Any

from elastic_transport import TransportError
from elasticsearch import ApiError, NotFoundError

from connectors.es_client import EsTarget
from schemas.indices import alias
from schemas.records import utc_now_iso

__all__ = ["ElasticsearchCursorStore", "MAX_SEEN"]

LOG = logging.getLogger(__name__)
MAX_SEEN = 5000  # newest entry ids kept per feed: far more than any feed lists at once
EMPTY_CURSOR: dict[str, Any] = {"etag": None, "last_modified": None, "seen": []}


def _normalise(cursor: dict[str, Any] | None) -> dict[str, Any]:
    """A cursor with the three keys, ``seen`` a list capped to the newest ``MAX_SEEN`` ids."""
    cursor = dict(cursor or {})
    seen = list(dict.fromkeys(cursor.get("seen") or []))
    return {"etag": cursor.get("etag"), "last_modified": cursor.get("last_modified"),
            "seen": seen[-MAX_SEEN:]}


class ElasticsearchCursorStore:
    """CursorStore over ``<prefix>-state`` with an in-memory fallback while ES is away."""

    def __init__(self, target: EsTarget | str | None = None, api_key: str | None = None,
                 prefix: str | None = None, request_timeout: float = 10.0):
        target = EsTarget.coerce(target, api_key=api_key, index_prefix=prefix)
        self._index = alias("state", target.index_prefix)
        self._client = target.client(request_timeout=request_timeout, max_retries=1)
        self._cache: dict[str, dict[str, Any]] = {}
        self._unsaved: set[str] = set()

    def get(self, feed_id: str) -> dict[str, Any]:
        """The stored cursor of ``feed_id`` (empty when none); the cached one if ES fails."""
        if feed_id in self._unsaved:  # newer than what Elasticsearch holds
            return _normalise(self._cache[feed_id])
        try:
            source = self._client.get(index=self._index, id=feed_id)["_source"]
        except NotFoundError:
            source = None
        except (TransportError, ApiError) as error:
            LOG.warning("state: cannot read cursor of %s (%s); using the last one known",
                        feed_id, error)
            return _normalise(self._cache.get(feed_id))
        cursor = _normalise(source)
        self._cache[feed_id] = cursor
        return _normalise(cursor)

    def put(self, feed_id: str, cursor: dict[str, Any]) -> None:
        """Remember ``cursor`` for ``feed_id`` and store it (and any cursor not stored yet)."""
        self._cache[feed_id] = _normalise(cursor)
        self._unsaved.add(feed_id)
        self.flush()

    def flush(self) -> bool:
        """Store every cursor not stored yet; True when none is left."""
        for feed_id in sorted(self._unsaved):
            document = {"feed_id": feed_id, **self._cache[feed_id], "updated": utc_now_iso()}
            try:
                self._client.index(index=self._index, id=feed_id, document=document)
            except (TransportError, ApiError) as error:
                LOG.warning("state: cannot store cursor of %s (%s); kept in memory", feed_id,
                            error)
                return False
            self._unsaved.discard(feed_id)
        return True

    def close(self) -> None:
        """Store what is left, then close the client."""
        self.flush()
        self._client.close()
