"""Every feed polled at its own pace on a bounded thread pool, never inside a Beam bundle.

A runner holds a bundle, and the watermark behind it, until every element of the bundle is
processed: a feed that hangs inside a DoFn holds every feed that shares its bundle. So no
DoFn waits on the network. The streaming pipeline (``connectors.feeds.FetchNewPages``) hands
a :class:`FeedScheduler` a tick every ``tick_interval`` seconds; ``tick()`` starts the polls
that are due on the pool and returns at once with what finished since the previous tick.

Per feed:

- **one poll at a time**: a feed is started again only once its poll, and the fetches of the
  pages it handed out, are over; its next poll is due ``interval`` after the last one began;
- **backoff**: after a failed poll (unreachable, timed out, unparsable) the next one waits
  ``interval × 2^failures`` (±20 % jitter, at most ``backoff_max``); :meth:`backing_off`
  names those feeds for the status line;
- **pages**: the new entries of a poll (at most ``max_new_per_poll``) are fetched one after
  the other on the feed's own job, so a slow outlet delays only itself, and each page is
  handed over as soon as it is fetched, with the entry's :class:`EntryRef`;
- **pending**: a handed-out entry is not handed out again until the commit step stores it in
  the cursor (:func:`note_committed`, or ``pending_ttl`` as a safety net);
- **stop**: :meth:`stop` cancels the fetches in flight at once (SIGINT/SIGTERM);
  :meth:`finish` (end of ``--duration``) lets them run ``final_wait`` seconds first. Entries
  not fetched by then are not handed out: they are not committed, so the next run takes them.

Everything is wall-clock based and snapshot-able (:meth:`snapshot`/:meth:`restore`), so the
schedule survives the DoFn being moved to another worker.
"""
from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from connectors.articles import FetchedPage, fetch_page
from connectors.cursors import MAX_NEW_PER_POLL, CursorStore
from connectors.http_fetch import Fetcher, FetchSettings, cancel_fetches
from connectors.polling import FeedPoller, PollOutcome
from schemas.records import DeadLetter, EntryRef, FeedConfig

LOG = logging.getLogger(__name__)

# Set by ``defwatch run`` on SIGINT/SIGTERM: no feed is polled after it and the fetches in
# flight end. The SDK worker shares the process in LOOPBACK environments (Prism, Flink local).
STOP = threading.Event()


@dataclass(frozen=True)
class ScheduleSettings:
    """How feeds are polled (seconds); documented defaults in one place."""
    tick_interval: float = 1.0  # how often finished work is handed over and due feeds start
    poll_interval: float | None = None  # overrides every feed's poll_interval
    max_new_per_poll: int = MAX_NEW_PER_POLL  # entries handed out per poll; the rest next poll
    workers: int = 16  # feeds polled (and their pages fetched) at once
    backoff_max: float = 900.0  # longest wait after failed polls
    final_wait: float = 5.0  # at the end of a bounded run, time left to polls in flight
    pending_ttl: float = 1800.0  # a handed-out entry never committed is handed out again

    def interval(self, feed: FeedConfig) -> float:
        """Seconds between two polls of ``feed``."""
        return max(float(self.poll_interval or feed.poll_interval or 300), self.tick_interval)


def backoff_delay(failures: int, interval: float, cap: float,
                  rng: random.Random | None = None) -> float:
    """Seconds before the next poll after ``failures`` failed polls in a row:
    ``interval × 2^failures`` with ±20 % jitter, then capped, so never more than ``cap``."""
    jitter = (rng or random).uniform(0.8, 1.2)
    return min(cap, interval * 2 ** max(1, failures) * jitter)


@dataclass
class FeedState:
    """Where one feed stands in the schedule."""
    next_due: float = 0.0  # wall-clock time of the next poll
    failures: int = 0  # failed polls in a row
    in_flight: bool = False
    last_error: str | None = None


@dataclass
class PageReady:
    """A fetched page of a new entry (the pipeline's main output) and its ref (to commit)."""
    page: FetchedPage
    ref: EntryRef


@dataclass
class PollDone:
    """One poll is over (its pages too): what it found, for counters and dead letters."""
    outcome: PollOutcome
    handed_out: int = 0  # pages handed to the pipeline
    released: int = 0  # entries given back unfetched (stop): the next poll takes them
    backoff: float | None = None  # seconds until the next poll after a failure
    dead_letters: list[DeadLetter] = field(default_factory=list)


class FeedScheduler:
    """Polls ``feeds`` on a thread pool (see module doc); thread-safe."""

    def __init__(self, feeds: Iterable[FeedConfig], settings: ScheduleSettings,
                 fetch: FetchSettings, store_factory: Callable[[], CursorStore],
                 clock: Callable[[], float] = time.time):
        self.settings = settings
        self._feeds = {feed.id: feed for feed in feeds}
        self._state = {feed_id: FeedState() for feed_id in self._feeds}
        self._pending: dict[str, dict[str, float]] = {feed_id: {} for feed_id in self._feeds}
        self._ready: list[PageReady | PollDone] = []
        self._lock = threading.Lock()
        self._clock = clock
        self._no_new_polls = threading.Event()
        self._abort = threading.Event()
        self._futures: set[Future] = set()
        self._fetcher = Fetcher(fetch)
        self._store = store_factory()
        self._poller = FeedPoller(self._fetcher, self._store, settings.max_new_per_poll,
                                  commit=False)
        self._pool = ThreadPoolExecutor(max_workers=max(1, settings.workers),
                                        thread_name_prefix="defwatch-poll")
        self.restored = False

    # ------------------------------------------------------------------ ticks

    def tick(self) -> list[PageReady | PollDone]:
        """Start the feeds that are due; return what finished since the last tick."""
        now = self._clock()
        if not (self._no_new_polls.is_set() or STOP.is_set()):
            with self._lock:
                due = [self._feeds[feed_id] for feed_id, state in self._state.items()
                       if not state.in_flight and state.next_due <= now]
                for feed in due:
                    self._state[feed.id].in_flight = True
            for feed in due:
                future = self._pool.submit(self._poll_job, feed, now)
                with self._lock:
                    self._futures.add(future)
                future.add_done_callback(self._forget)
        return self.drain()

    def drain(self) -> list[PageReady | PollDone]:
        """What finished since the last call (pages, then poll reports, in order)."""
        with self._lock:
            ready, self._ready = self._ready, []
        return ready

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._futures.discard(future)

    # ------------------------------------------------------------------ one poll

    def _poll_job(self, feed: FeedConfig, started: float) -> None:
        """Poll ``feed``, fetch its new pages one by one, then report (runs on the pool)."""
        done = PollDone(PollOutcome(feed))
        try:
            done.outcome = self._poller.poll(feed, self._pending_ids(feed.id))
            if done.outcome.error == "cancelled":  # stopping: not the feed's fault
                done.outcome.dead_letters = []
            self._mark_pending(feed.id, [e.entry_id for e in done.outcome.entries])
            self._mark_pending(feed.id, [ref.entry_id for ref in done.outcome.refused])
            for entry in done.outcome.entries:
                stopping = self._abort.is_set() or STOP.is_set()
                page = None if stopping else fetch_page(self._fetcher, entry)
                if page is None or page.fetch_error == "cancelled":
                    self._release(feed.id, entry.entry_id)
                    done.released += 1
                    continue
                with self._lock:
                    self._ready.append(PageReady(page, EntryRef.of(entry)))
                done.handed_out += 1
        except Exception as error:  # noqa: BLE001 - one feed's bug must not stop the others
            LOG.exception("poll of %s failed", feed.id)
            done.outcome.error = f"poll_error:{type(error).__name__}"
            done.dead_letters.append(DeadLetter(stage="feed", reason=done.outcome.error,
                                                source=feed.id, url=feed.url,
                                                detail=str(error)[:500]))
        finally:
            self._finish_poll(feed, started, done)

    def _finish_poll(self, feed: FeedConfig, started: float, done: PollDone) -> None:
        """Record the poll's end: next due time, failures, backoff; queue its report."""
        interval = self.settings.interval(feed)
        now = self._clock()
        with self._lock:
            state = self._state[feed.id]
            state.in_flight = False
            if done.outcome.failed and done.outcome.error != "cancelled":
                state.failures += 1
                state.last_error = done.outcome.error
                done.backoff = backoff_delay(state.failures, interval,
                                             self.settings.backoff_max)
                state.next_due = now + done.backoff
            else:
                state.failures, state.last_error = 0, None
                state.next_due = started + interval
            self._ready.append(done)

    # ------------------------------------------------------------------ pending entries

    def _pending_ids(self, feed_id: str) -> set[str]:
        """Entries of ``feed_id`` handed out and not committed (expired ones dropped)."""
        oldest = self._clock() - self.settings.pending_ttl
        with self._lock:
            pending = self._pending[feed_id]
            for entry_id in [i for i, at in pending.items() if at < oldest]:
                del pending[entry_id]
            return set(pending)

    def _mark_pending(self, feed_id: str, entry_ids: list[str]) -> None:
        now = self._clock()
        with self._lock:
            self._pending[feed_id].update(dict.fromkeys(entry_ids, now))

    def _release(self, feed_id: str, entry_id: str) -> None:
        with self._lock:
            self._pending[feed_id].pop(entry_id, None)

    def committed(self, feed_id: str, entry_ids: Iterable[str]) -> None:
        """The commit step stored these entries: they are no longer pending."""
        with self._lock:
            pending = self._pending.get(feed_id)
            for entry_id in entry_ids if pending is not None else ():
                pending.pop(entry_id, None)

    # ------------------------------------------------------------------ state

    def backing_off(self) -> dict[str, float]:
        """Feeds waiting after failed polls: feed id → seconds until their next poll."""
        now = self._clock()
        with self._lock:
            return {feed_id: max(0.0, state.next_due - now)
                    for feed_id, state in self._state.items() if state.failures}

    def idle(self) -> bool:
        """Nothing in flight, nothing to hand over, nothing handed out and not committed."""
        with self._lock:
            return not (self._futures or self._ready
                        or any(self._pending.values())
                        or any(state.in_flight for state in self._state.values()))

    def snapshot(self) -> dict[str, tuple[float, int]]:
        """Each feed's next due time and failures (kept in Beam state by the DoFn)."""
        with self._lock:
            return {feed_id: (state.next_due, state.failures)
                    for feed_id, state in self._state.items()}

    def restore(self, snapshot: dict[str, tuple[float, int]] | None) -> None:
        """Resume the schedule of an earlier instance of this DoFn (once, when fresh)."""
        with self._lock:
            if self.restored:
                return
            self.restored = True
            for feed_id, (next_due, failures) in (snapshot or {}).items():
                if feed_id in self._state:
                    self._state[feed_id] = FeedState(next_due=next_due, failures=failures)

    # ------------------------------------------------------------------ ending

    def stop(self) -> None:
        """No more polls; the fetches in flight end now (their entries are not handed out)."""
        self._no_new_polls.set()
        self._abort.set()
        cancel_fetches()

    def finish(self, wait_seconds: float | None = None) -> list[PageReady | PollDone]:
        """End of a bounded run: no new polls, ``final_wait`` for those in flight, then stop.

        Returns everything that finished (blocks at most ``wait_seconds`` + ~2 s).
        """
        self._no_new_polls.set()
        wait_seconds = self.settings.final_wait if wait_seconds is None else wait_seconds
        with self._lock:
            futures = list(self._futures)
        if futures:
            wait(futures, timeout=max(0.0, wait_seconds))
        self.stop()
        with self._lock:
            futures = list(self._futures)
        if futures:
            wait(futures, timeout=2.0)
        return self.drain()

    def close(self) -> None:
        """Stop and release the pool, fetcher and store."""
        self.stop()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._fetcher.close()
        close = getattr(self._store, "close", None)
        if callable(close):
            close()


# ----------------------------------------------------------------------------- registry
# One scheduler per pipeline (token) and key in the process, whichever DoFn instance ticks.

_SCHEDULERS: dict[str, FeedScheduler] = {}
_REGISTRY_LOCK = threading.Lock()


def shared(token: str, make: Callable[[], FeedScheduler]) -> FeedScheduler:
    """The process's scheduler for ``token``, made on first use."""
    with _REGISTRY_LOCK:
        scheduler = _SCHEDULERS.get(token)
        if scheduler is None:
            scheduler = _SCHEDULERS[token] = make()
        return scheduler


def release(token: str) -> None:
    """Close and forget the scheduler of ``token`` (pipeline over)."""
    with _REGISTRY_LOCK:
        scheduler = _SCHEDULERS.pop(token, None)
    if scheduler is not None:
        scheduler.close()


def release_all() -> None:
    """Close every scheduler of this process (the run is over, however it ended)."""
    with _REGISTRY_LOCK:
        tokens = list(_SCHEDULERS)
    for token in tokens:
        release(token)


def note_committed(feed_id: str, entry_ids: Iterable[str]) -> None:
    """Tell the schedulers of this process that these entries are in the cursor."""
    entry_ids = list(entry_ids)
    with _REGISTRY_LOCK:
        schedulers = list(_SCHEDULERS.values())
    for scheduler in schedulers:
        scheduler.committed(feed_id, entry_ids)


def stop_all() -> None:
    """Stop every scheduler of this process: no more polls, fetches in flight cancelled."""
    with _REGISTRY_LOCK:
        schedulers = list(_SCHEDULERS.values())
    for scheduler in schedulers:
        scheduler.stop()
    cancel_fetches()


def all_idle() -> bool:
    """True when every scheduler of this process is idle (see ``FeedScheduler.idle``)."""
    with _REGISTRY_LOCK:
        schedulers = list(_SCHEDULERS.values())
    return all(scheduler.idle() for scheduler in schedulers)
