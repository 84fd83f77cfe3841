"""Feeds as sources: the PTransforms that poll feeds for new entries.

- :func:`parse_feed` (from :mod:`connectors.rss`) turns RSS/Atom bytes into
  :class:`FeedEntry` records; :class:`FeedPoller` (from :mod:`connectors.polling`) polls one
  feed with the hardened fetcher, honouring its cursor (ETag, Last-Modified, seen entry ids)
  and dispatching on ``kind`` (rss, telegram, sitemap).
- :class:`PollFeeds` applies the poller to a PCollection of :class:`FeedConfig` (each element
  means "poll this feed now") and commits what it hands out at once.
- :class:`ReadFromFeeds` polls a list of feeds once (batch): ``Create(feeds) | PollFeeds``;
  :class:`ReadFromTelegram` (channel names) and :class:`ReadFromSitemap` (news sitemaps) are
  the same for one kind of source. They return ``out.main`` (new FeedEntry records) and
  ``out.dead_letter``.
- :class:`FetchNewPages` is the streaming source: ticks in, the fetched pages of new entries
  out. The polls and page fetches run on a bounded thread pool
  (:class:`connectors.feed_scheduler.FeedScheduler`); each tick only starts the feeds that are
  due and hands over what finished, so no bundle ever waits on the network. It returns
  ``out.main`` (``FetchedPage``), ``out.entries`` (``(feed_id, EntryRef)`` of every entry
  handed over, for ``CommitCursors``) and ``out.dead_letter``.
"""
from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

import apache_beam as beam
from apache_beam.coders import PickleCoder
from apache_beam.transforms.userstate import ReadModifyWriteStateSpec

from connectors import feed_scheduler
from connectors.articles import count_fetch
from connectors.cursors import CursorStore, NamedInMemoryStore
from connectors.feed_scheduler import FeedScheduler, PageReady, PollDone, ScheduleSettings
from connectors.http_fetch import Fetcher, FetchSettings
from connectors.polling import FeedPoller, PollOutcome
from connectors.rss import parse_feed
from connectors.telegram import preview_url
from schemas.records import DEAD_LETTER, FeedConfig

__all__ = ["parse_feed", "FeedPoller", "PollOutcome", "PollFeeds", "ReadFromFeeds",
           "ReadFromTelegram", "ReadFromSitemap", "FetchNewPages", "ENTRIES"]

METRICS_NAMESPACE = "feeds"
ENTRIES = "entries"  # tag of FetchNewPages' (feed_id, EntryRef) output
CursorStoreFactory = Callable[[], CursorStore]


def _count(name: str, value: int = 1) -> None:
    if value:
        beam.metrics.Metrics.counter(METRICS_NAMESPACE, name).inc(value)


def _poll_outputs(outcome: PollOutcome):
    """Counters and dead letters of one poll (shared by PollFeeds and FetchNewPages)."""
    _count("poll/polled")
    if outcome.not_modified:
        _count("poll/not_modified")
    if outcome.error:
        _count(f"poll/failed/{outcome.error.split(':', 1)[0]}")
    if outcome.problem:
        _count(f"bozo/{outcome.problem.split(':', 1)[0]}")
    _count("entries/new", len(outcome.entries))
    _count("entries/deferred", outcome.deferred)
    for letter in outcome.dead_letters:
        _count(f"{letter.stage}/{letter.reason}")
        yield beam.pvalue.TaggedOutput(DEAD_LETTER, letter)


class _PollFeedFn(beam.DoFn):
    """Polls each FeedConfig; emits new FeedEntry records and dead letters."""

    def __init__(self, settings: FetchSettings, store_factory: CursorStoreFactory):
        self._settings = settings
        self._store_factory = store_factory

    def setup(self):
        self._fetcher = Fetcher(self._settings)
        self._store = self._store_factory()
        self._poller = FeedPoller(self._fetcher, self._store)

    def process(self, feed: FeedConfig):
        outcome = self._poller.poll(feed)
        yield from outcome.entries
        yield from _poll_outputs(outcome)

    def teardown(self):
        self._fetcher.close()
        close = getattr(self._store, "close", None)
        if close:
            close()


class PollFeeds(beam.PTransform):
    """PCollection[FeedConfig] → new FeedEntry records (``main``) and ``dead_letter``.

    ``cursor_store_factory`` is a picklable callable returning a CursorStore; each DoFn
    instance calls it once in ``setup()``. The default keeps cursors in process memory.
    """

    def __init__(self, settings: FetchSettings | None = None,
                 cursor_store_factory: CursorStoreFactory | None = None, label=None):
        super().__init__(label)
        self._settings = settings or FetchSettings()
        self._factory = cursor_store_factory or NamedInMemoryStore("default")

    def expand(self, feeds):
        return feeds | "Poll" >> beam.ParDo(
            _PollFeedFn(self._settings, self._factory)).with_outputs(DEAD_LETTER, main="main")


class ReadFromFeeds(beam.PTransform):
    """PBegin → FeedEntry records of every feed, polled once (``main`` and ``dead_letter``)."""

    def __init__(self, feeds: list[FeedConfig], settings: FetchSettings | None = None,
                 cursor_store_factory: CursorStoreFactory | None = None, label=None):
        super().__init__(label)
        if not feeds:
            raise ValueError("ReadFromFeeds needs at least one feed")
        ids = [f.id for f in feeds]
        if len(set(ids)) != len(ids):
            raise ValueError(f"ReadFromFeeds: duplicate feed ids in {ids}")
        self._feeds = list(feeds)
        self._settings = settings
        self._factory = cursor_store_factory

    def expand(self, pbegin):
        return (pbegin
                | "Feeds" >> beam.Create(self._feeds)
                | "Spread" >> beam.Reshuffle()
                | "PollFeeds" >> PollFeeds(self._settings, self._factory))


class ReadFromTelegram(beam.PTransform):
    """PBegin → entries of public channels' previews, polled once (``main``, ``dead_letter``).

    ``channels`` are channel names (``deirezzor24`` or ``@deirezzor24``); each is polled at
    ``https://t.me/s/<channel>`` as a feed with id ``tg_<channel>``.
    """

    def __init__(self, channels: list[str], settings=None, cursor_store_factory=None,
                 label=None):
        super().__init__(label)
        self._feeds = [FeedConfig(id=f"tg_{name.lstrip('@').lower()}", url=preview_url(name),
                                  name=name.lstrip("@"), kind="telegram") for name in channels]
        self._settings = settings
        self._factory = cursor_store_factory

    def expand(self, pbegin):
        return pbegin | "ReadFromFeeds" >> ReadFromFeeds(self._feeds, self._settings,
                                                         self._factory)


class ReadFromSitemap(beam.PTransform):
    """PBegin → entries of news sitemaps, polled once (``main`` and ``dead_letter``)."""

    def __init__(self, feeds: list[FeedConfig], settings=None, cursor_store_factory=None,
                 label=None):
        super().__init__(label)
        self._feeds = [dataclasses.replace(f, kind="sitemap") for f in feeds]
        self._settings = settings
        self._factory = cursor_store_factory

    def expand(self, pbegin):
        return pbegin | "ReadFromFeeds" >> ReadFromFeeds(self._feeds, self._settings,
                                                         self._factory)


class _FetchNewPagesFn(beam.DoFn):
    """Keyed ticks → the pages of new entries that finished since the last tick.

    Keyed (one key) so that one worker owns the schedule; the schedule's due times and
    failures are kept in Beam state, the polls in flight in the process's scheduler.
    """

    SCHEDULE = ReadModifyWriteStateSpec("schedule", PickleCoder())

    def __init__(self, token: str, feeds: list[FeedConfig], fetch: FetchSettings,
                 store_factory: CursorStoreFactory, schedule: ScheduleSettings,
                 stop_at: float | None):
        self._token, self._feeds, self._fetch = token, feeds, fetch
        self._store_factory, self._schedule, self._stop_at = store_factory, schedule, stop_at

    def setup(self):
        self._scheduler = feed_scheduler.shared(self._token, lambda: FeedScheduler(
            self._feeds, self._schedule, self._fetch, self._store_factory))

    def process(self, element, schedule=beam.DoFn.StateParam(SCHEDULE)):
        _, tick_time = element
        scheduler = self._scheduler
        scheduler.restore(schedule.read())
        if feed_scheduler.STOP.is_set():
            scheduler.stop()
        final = self._stop_at is not None and (
            float(tick_time) + self._schedule.tick_interval >= self._stop_at)
        items = scheduler.finish() if final else scheduler.tick()
        schedule.write(scheduler.snapshot())
        self._report(scheduler)
        for item in items:
            yield from self._outputs(item)

    def _outputs(self, item: PageReady | PollDone):
        if isinstance(item, PageReady):
            count_fetch(item.page)
            yield item.page
            yield beam.pvalue.TaggedOutput(ENTRIES, (item.ref.feed_id, item.ref))
            return
        yield from _poll_outputs(item.outcome)
        _count("entries/released", item.released)
        for ref in item.outcome.refused:
            yield beam.pvalue.TaggedOutput(ENTRIES, (ref.feed_id, ref))
        for letter in item.dead_letters:
            _count(f"{letter.stage}/{letter.reason.split(':', 1)[0]}")
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, letter)

    def _report(self, scheduler: FeedScheduler) -> None:
        """Gauges for the status line: which feeds are backing off."""
        waiting = scheduler.backing_off()
        beam.metrics.Metrics.gauge(METRICS_NAMESPACE, "schedule/backing_off").set(len(waiting))
        for feed in self._feeds:
            beam.metrics.Metrics.gauge(METRICS_NAMESPACE, f"backoff/{feed.id}").set(
                int(feed.id in waiting))

    # No teardown: the scheduler is shared by every instance of this DoFn in the process (a
    # runner may retire one instance while another ticks); ``defwatch run`` closes it at the
    # end of the run (``feed_scheduler.release_all``), and its idle threads end with the process.


class FetchNewPages(beam.PTransform):
    """Ticks (timestamps) → ``FetchedPage`` of every new entry of ``feeds`` (see module doc).

    ``stop_at`` (epoch seconds) is the end of a bounded run: the tick that reaches it waits
    ``schedule.final_wait`` for the polls in flight, then hands over what they fetched.
    Returns ``out.main``, ``out.entries`` (``(feed_id, EntryRef)``) and ``out.dead_letter``.
    """

    def __init__(self, feeds: list[FeedConfig], settings: FetchSettings | None = None,
                 cursor_store_factory: CursorStoreFactory | None = None,
                 schedule: ScheduleSettings | None = None, stop_at: float | None = None,
                 label=None):
        super().__init__(label)
        if not feeds:
            raise ValueError("FetchNewPages needs at least one feed")
        ids = [f.id for f in feeds]
        if len(set(ids)) != len(ids):
            raise ValueError(f"FetchNewPages: duplicate feed ids in {ids}")
        self._args = (f"feeds-{uuid.uuid4().hex}", list(feeds), settings or FetchSettings(),
                      cursor_store_factory or NamedInMemoryStore("default"),
                      schedule or ScheduleSettings(), stop_at)

    def expand(self, ticks):
        return (ticks
                | "OneScheduler" >> beam.Map(lambda tick: ("feeds", tick)).with_output_types(
                    tuple[str, Any])
                | "PollAndFetch" >> beam.ParDo(_FetchNewPagesFn(*self._args)).with_outputs(
                    ENTRIES, DEAD_LETTER, main="main"))
