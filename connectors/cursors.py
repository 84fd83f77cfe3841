"""Feed cursors: what a poller remembers per feed between polls.

A cursor is a dict ``{"etag": str|None, "last_modified": str|None, "seen": [entry ids]}``;
``seen`` keeps the most recent :data:`MAX_SEEN` ids, oldest first. Stores implement the
:class:`CursorStore` protocol; :class:`InMemoryCursorStore` serves tests and one-shot batch
runs, and the pipeline keeps cursors in Elasticsearch (``defwatch-state``) with the same
protocol. A store factory (a picklable callable returning a store) is what DoFns receive,
so each worker opens its own client in ``setup()``.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

MAX_SEEN = 2000


def empty_cursor() -> dict:
    """The cursor of a feed never polled."""
    return {"etag": None, "last_modified": None, "seen": []}


def remember(seen: Iterable[str], new_ids: Iterable[str], limit: int = MAX_SEEN) -> list[str]:
    """``seen`` plus ``new_ids`` (no repeats), keeping the newest ``limit`` ids."""
    merged = dict.fromkeys(seen)
    for entry_id in new_ids:
        merged.pop(entry_id, None)
        merged[entry_id] = None
    return list(merged)[-limit:]


@runtime_checkable
class CursorStore(Protocol):
    """Where feed cursors live between polls."""

    def get(self, feed_id: str) -> dict:
        """The cursor of ``feed_id`` (an empty cursor when unknown)."""

    def put(self, feed_id: str, cursor: dict) -> None:
        """Replace the cursor of ``feed_id``."""


class InMemoryCursorStore:
    """A thread-safe CursorStore in a dict (lost when the process ends)."""

    def __init__(self):
        self._cursors: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, feed_id: str) -> dict:
        with self._lock:
            return copy.deepcopy(self._cursors.get(feed_id) or empty_cursor())

    def put(self, feed_id: str, cursor: dict) -> None:
        with self._lock:
            self._cursors[feed_id] = copy.deepcopy(cursor)

    def close(self) -> None:
        """Nothing to release (stores with clients close them here)."""


_NAMED: dict[str, InMemoryCursorStore] = {}
_NAMED_LOCK = threading.Lock()


class NamedInMemoryStore:
    """A picklable factory for the process-wide in-memory store called ``name``.

    Every DoFn instance in the process that calls it gets the same store, so repeated polls
    in one process (tests, the DirectRunner, a local run) remember what they saw.
    """

    def __init__(self, name: str = "default"):
        self.name = name

    def __call__(self) -> InMemoryCursorStore:
        with _NAMED_LOCK:
            store = _NAMED.get(self.name)
            if store is None:
                store = _NAMED[self.name] = InMemoryCursorStore()
            return store
