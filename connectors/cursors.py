"""Feed cursors: what a poller remembers per feed between polls, and how it moves.

A cursor is a dict::

    {"etag": str|None, "last_modified": str|None,     # conditional-GET validators
     "seen": [entry ids, oldest first], "published": [their published times or None],
     "floor": ISO time or None}                       # entries this old count as seen

Two pure functions decide everything (no I/O, tested on their own):

- :func:`select_new` — which entries of a polled document are new: not in ``seen``, not
  handed out and still in flight (``pending``), not older than ``floor``; the newest
  ``limit`` of them (by published time, else feed order) are taken, the rest wait for the
  next poll (``deferred``).
- :func:`commit_entries` — the cursor once entries are processed: their ids join ``seen``,
  which keeps the newest :data:`MAX_SEEN` (by published time; an undated one ranks with the
  newest dated entry held when it is committed, so it is kept like the entries of its time;
  in a feed with no dates at all, commit order decides);
  an id pushed out raises ``floor`` to its published time, so a feed listing more entries
  than the cursor holds never re-emits its old ones.

Stores implement :class:`CursorStore`; :class:`InMemoryCursorStore` serves tests, one-shot
runs and ``feeds check``; the pipeline keeps cursors in Elasticsearch (``defwatch-state``,
:mod:`connectors.state_store`). A store factory (a picklable callable returning a store) is
what DoFns receive, so each worker opens its own client in ``setup()``.
"""
from __future__ import annotations

import copy
import threading
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from schemas.records import EntryRef, FeedEntry

MAX_SEEN = 5000  # newest entry ids kept per feed: far more than a feed lists at once
MAX_NEW_PER_POLL = 50  # entries handed out per poll by default; the rest on the next poll


def empty_cursor() -> dict:
    """The cursor of a feed never polled."""
    return {"etag": None, "last_modified": None, "seen": [], "published": [], "floor": None}


def normalise(cursor: dict | None) -> dict:
    """A cursor with every key, ``seen`` without repeats and ``published`` aligned with it.

    Cursors written before ``published`` existed get None (undated) for their ids.
    """
    cursor = dict(cursor or {})
    seen = list(cursor.get("seen") or [])
    published = list(cursor.get("published") or [])
    published += [None] * (len(seen) - len(published))
    pairs = dict(zip(seen, published[:len(seen)], strict=True))
    return {"etag": cursor.get("etag"), "last_modified": cursor.get("last_modified"),
            "seen": list(pairs), "published": list(pairs.values()),
            "floor": cursor.get("floor")}


@dataclass
class Selection:
    """The new entries of one polled document."""
    taken: list[FeedEntry] = field(default_factory=list)  # handed out now, newest first
    deferred: int = 0  # new entries left for the next poll (over the per-poll limit)


def _unique(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    """Entries without repeated ids, first occurrence kept."""
    by_id: dict[str, FeedEntry] = {}
    for entry in entries:
        by_id.setdefault(entry.entry_id, entry)
    return list(by_id.values())


def select_new(entries: Iterable[FeedEntry], cursor: dict, pending: Collection[str] = (),
               limit: int | None = MAX_NEW_PER_POLL) -> Selection:
    """The entries of a document not seen, not in flight and not older than the floor.

    ``entries`` are in feed order (newest first, as feeds list them). The newest ``limit``
    new ones are taken (by published time, then feed order; None = no limit).
    """
    cursor = normalise(cursor)
    seen, floor = set(cursor["seen"]), cursor["floor"]
    full = len(seen) >= MAX_SEEN
    fresh = []
    for position, entry in enumerate(_unique(entries)):
        if entry.entry_id in seen or entry.entry_id in pending:
            continue
        if floor and entry.published and entry.published <= floor:
            continue  # older than the oldest id the cursor still holds: seen long ago
        if full and not entry.published and position >= MAX_SEEN:
            continue  # an undated entry below everything the cursor holds
        fresh.append((position, entry))
    fresh.sort(key=lambda item: (item[1].published or "", -item[0]), reverse=True)
    cut = len(fresh) if limit is None else max(0, limit)
    return Selection([entry for _, entry in fresh[:cut]], max(0, len(fresh) - cut))


def commit_entries(cursor: dict, refs: Iterable[EntryRef], limit: int = MAX_SEEN) -> dict:
    """``cursor`` with ``refs`` seen: the newest ``limit`` ids kept, ``floor`` raised."""
    cursor = normalise(cursor)
    pairs = dict(zip(cursor["seen"], cursor["published"], strict=True))
    refs = list(refs)  # an undated ref ranks with the newest dated one, of this batch too
    newest = max([p for p in pairs.values() if p] + [r.published for r in refs if r.published],
                 default=None)
    for ref in refs:
        pairs.setdefault(ref.entry_id, ref.published or newest)
    ordered = sorted(pairs.items(), key=lambda pair: (pair[1] is not None, pair[1] or ""))
    dropped, kept = ordered[:max(0, len(ordered) - limit)], ordered[-limit:] if limit else []
    floor = max([cursor["floor"] or ""] + [p for _, p in dropped if p]) or None
    return {**cursor, "seen": [i for i, _ in kept], "published": [p for _, p in kept],
            "floor": floor}


@runtime_checkable
class CursorStore(Protocol):
    """Where feed cursors live between polls."""

    def get(self, feed_id: str) -> dict:
        """The cursor of ``feed_id`` (an empty cursor when unknown)."""

    def put(self, feed_id: str, cursor: dict) -> None:
        """Replace the cursor of ``feed_id``."""

    def set_validators(self, feed_id: str, etag: str | None,
                       last_modified: str | None) -> None:
        """Store the conditional-GET validators of ``feed_id`` (the rest untouched)."""

    def commit(self, feed_id: str, refs: list[EntryRef]) -> dict:
        """Add processed entries to the cursor of ``feed_id``; returns the new cursor."""


class InMemoryCursorStore:
    """A thread-safe CursorStore in a dict (lost when the process ends)."""

    def __init__(self):
        self._cursors: dict[str, dict] = {}
        self._lock = threading.Lock()

    def get(self, feed_id: str) -> dict:
        with self._lock:
            return normalise(copy.deepcopy(self._cursors.get(feed_id)))

    def put(self, feed_id: str, cursor: dict) -> None:
        with self._lock:
            self._cursors[feed_id] = normalise(copy.deepcopy(cursor))

    def set_validators(self, feed_id: str, etag: str | None,
                       last_modified: str | None) -> None:
        with self._lock:
            cursor = normalise(self._cursors.get(feed_id))
            self._cursors[feed_id] = {**cursor, "etag": etag, "last_modified": last_modified}

    def commit(self, feed_id: str, refs: list[EntryRef]) -> dict:
        with self._lock:
            cursor = commit_entries(self._cursors.get(feed_id) or empty_cursor(), refs)
            self._cursors[feed_id] = cursor
            return copy.deepcopy(cursor)

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
