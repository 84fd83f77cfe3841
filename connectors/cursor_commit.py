"""``CommitCursors``: a feed's cursor moves only once its entries are fully processed.

The streaming source hands out each new entry with an :class:`EntryRef` (``FetchNewPages``'
``entries`` output) stamped with the tick it was handed out on. The entry is done when
everything downstream of it has run: its article written, its events written, their alerts
claimed, or its dead letter written. Beam says exactly that with the watermark: once the
watermark of those outputs passes the entry's timestamp, no element derived from the entry is
still in flight. So::

    refs (keyed by feed) ──────────┐
    articles written     ── Drop ──┤ Flatten → CommitOnWatermark (keyed by feed)
    alerts claimed       ── Drop ──┤
    dead letters written ── Drop ──┘

The progress outputs pass through ``Drop`` (no elements, only their watermark), so the commit
step's input watermark is the minimum over all of them. Per feed, refs wait in a bag; an
event-time timer at the millisecond after the oldest ref's timestamp fires when the watermark passes it, and
every ref older than the firing time is committed in one ``CursorStore.commit`` (held and
retried while Elasticsearch is away). A SIGKILL before that loses nothing: the entries are
not in the cursor, so the restarted pipeline hands them out again, and the writes are
idempotent (stable ids, event merge, alert claims).

One caveat is ``hold_seconds``: a step that keeps elements in state under an event-time timer
set in the future (``--article-decision-delay`` > 0 holds each article until the watermark
passes its time + the delay) lets the watermark run ahead of what it holds, then emits it
with the timer's timestamp. The commit waits that much longer, so it never overtakes it.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.timeutil import TimeDomain
from apache_beam.transforms.userstate import (
    BagStateSpec,
    ReadModifyWriteStateSpec,
    TimerSpec,
    on_timer,
)
from apache_beam.utils.timestamp import Timestamp

from connectors import feed_scheduler
from connectors.cursors import CursorStore
from schemas.records import EntryRef

__all__ = ["CommitCursors"]

NAMESPACE = "feeds"


class _CommitOnWatermark(beam.DoFn):
    """Keyed by feed id: commit refs once the watermark has passed them."""

    REFS = BagStateSpec("refs", PickleCoder())  # (due: timestamp + hold, micros; EntryRef)
    ARMED = ReadModifyWriteStateSpec("armed", PickleCoder())  # micros the timer is set to
    COMMIT = TimerSpec("commit", TimeDomain.WATERMARK)

    def __init__(self, store_factory: Callable[[], CursorStore], hold_micros: int):
        self._store_factory = store_factory
        self._hold = hold_micros
        self._store = None
        self._committed = beam.metrics.Metrics.counter(NAMESPACE, "cursor/committed")

    def setup(self):
        self._store = self._store_factory()

    def teardown(self):
        close = getattr(self._store, "close", None)
        if callable(close):
            close()

    def process(self, element, timestamp=beam.DoFn.TimestampParam,
                refs=beam.DoFn.StateParam(REFS), armed=beam.DoFn.StateParam(ARMED),
                commit=beam.DoFn.TimerParam(COMMIT)):
        _, ref = element
        due = timestamp.micros + self._hold  # derived elements may carry a later timestamp
        refs.add((due, ref))
        at = armed.read()
        if at is None or due < at:
            armed.write(due)
            commit.set(_just_after(due))

    @on_timer(COMMIT)
    def commit_done(self, key=beam.DoFn.KeyParam, fired=beam.DoFn.TimestampParam,
                    refs=beam.DoFn.StateParam(REFS), armed=beam.DoFn.StateParam(ARMED),
                    commit=beam.DoFn.TimerParam(COMMIT)):
        waiting = list(refs.read())
        done = [ref for micros, ref in waiting if micros < fired.micros]
        later = [(micros, ref) for micros, ref in waiting if micros >= fired.micros]
        if done:
            self._store.commit(key, done)
            self._committed.inc(len(done))
            feed_scheduler.note_committed(key, [ref.entry_id for ref in done])
        refs.clear()
        armed.clear()
        for item in later:
            refs.add(item)
        if later:
            oldest = min(micros for micros, _ in later)
            armed.write(oldest)
            commit.set(_just_after(max(oldest, fired.micros)))


def _just_after(micros: int) -> Timestamp:
    """The first millisecond after ``micros`` (runners keep timers to the millisecond)."""
    return Timestamp(micros=(micros // 1000 + 1) * 1000)


def _nothing(_element) -> Iterable[tuple[str, EntryRef]]:
    return ()


def _same(element: tuple[str, EntryRef]) -> tuple[str, EntryRef]:
    return element


class CommitCursors(beam.PTransform):
    """``(feed_id, EntryRef)`` → committed to the feed's cursor once ``progress`` passed it.

    ``progress`` lists the PCollections whose watermark says an entry is done (see module
    doc). ``hold_seconds``: how much later than its entry an element derived from it may be
    stamped upstream of ``progress`` — a step that buffers elements under an event-time timer
    (the article decision delay) re-emits them at the timer's time, and the watermark may
    pass the entry's own timestamp before that. Returns an empty PCollection.
    """

    def __init__(self, store_factory: Callable[[], CursorStore], progress: list[Any],
                 hold_seconds: float = 0.0):
        super().__init__()
        if not progress:
            raise ValueError("CommitCursors needs the outputs that mark entries as processed")
        if hold_seconds < 0:
            raise ValueError(f"hold_seconds must be >= 0, got {hold_seconds}")
        self._store_factory = store_factory
        self._progress = list(progress)
        self._hold = round(hold_seconds * 1_000_000)

    def expand(self, refs):
        watermarks = [
            pcoll | f"WatermarkOf{index}" >> beam.FlatMap(_nothing).with_output_types(
                tuple[str, Any])
            for index, pcoll in enumerate(self._progress)]
        keyed = refs | "Refs" >> beam.Map(_same).with_output_types(tuple[str, Any])
        return ((keyed, *watermarks)
                | "RefsAndProgress" >> beam.Flatten()
                | "CommitOnWatermark" >> beam.ParDo(
                    _CommitOnWatermark(self._store_factory, self._hold)))
