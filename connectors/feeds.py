"""Feeds as sources: the PTransforms that poll feeds for new entries.

- :func:`parse_feed` (from :mod:`connectors.rss`) turns RSS/Atom bytes into
  :class:`FeedEntry` records; :class:`FeedPoller` (from :mod:`connectors.polling`) polls one
  feed with the hardened fetcher, honouring its cursor (ETag, Last-Modified, seen entry ids)
  and dispatching on ``kind`` (rss, telegram, sitemap).
- :class:`PollFeeds` applies the poller to a PCollection of :class:`FeedConfig` (each element
  means "poll this feed now"; the streaming pipeline feeds it from a ``PeriodicImpulse``).
- :class:`ReadFromFeeds` polls a list of feeds once (batch): ``Create(feeds) | PollFeeds``;
  :class:`ReadFromTelegram` (channel names) and :class:`ReadFromSitemap` (news sitemaps) are
  the same for one kind of source.

Both PTransforms return ``out.main`` (new FeedEntry records) and ``out.dead_letter``.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import apache_beam as beam

from connectors.cursors import CursorStore, NamedInMemoryStore
from connectors.http_fetch import Fetcher, FetchSettings
from connectors.polling import FeedPoller, PollOutcome
from connectors.rss import parse_feed
from connectors.telegram import preview_url
from schemas.records import DEAD_LETTER, FeedConfig

__all__ = ["parse_feed", "FeedPoller", "PollOutcome", "PollFeeds", "ReadFromFeeds",
           "ReadFromTelegram", "ReadFromSitemap"]

METRICS_NAMESPACE = "feeds"
CursorStoreFactory = Callable[[], CursorStore]


class _PollFeedFn(beam.DoFn):
    """Polls each FeedConfig; emits new FeedEntry records and dead letters."""

    def __init__(self, settings: FetchSettings, store_factory: CursorStoreFactory):
        self._settings = settings
        self._store_factory = store_factory
        self._polled = beam.metrics.Metrics.counter(METRICS_NAMESPACE, "poll/polled")
        self._not_modified = beam.metrics.Metrics.counter(METRICS_NAMESPACE, "poll/not_modified")
        self._new = beam.metrics.Metrics.counter(METRICS_NAMESPACE, "entries/new")

    def setup(self):
        self._fetcher = Fetcher(self._settings)
        self._store = self._store_factory()
        self._poller = FeedPoller(self._fetcher, self._store)

    def process(self, feed: FeedConfig):
        outcome = self._poller.poll(feed)
        self._polled.inc()
        if outcome.not_modified:
            self._not_modified.inc()
        if outcome.problem:
            reason = outcome.problem.split(":", 1)[0]
            beam.metrics.Metrics.counter(METRICS_NAMESPACE, f"bozo/{reason}").inc()
        self._new.inc(len(outcome.entries))
        yield from outcome.entries
        for letter in outcome.dead_letters:
            counter_name = f"{letter.stage}/{letter.reason}"
            beam.metrics.Metrics.counter(METRICS_NAMESPACE, counter_name).inc()
            yield beam.pvalue.TaggedOutput(DEAD_LETTER, letter)

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
