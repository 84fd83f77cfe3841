"""The continuous pipeline: feeds → articles → events → Elasticsearch + alerts.

A ``PeriodicImpulse`` ticks every ``--tick-interval`` seconds; each tick emits the feeds whose
own poll interval (``poll_interval`` in feeds.yaml, or ``--poll-interval`` for all) has come
round, so every feed is polled at its own pace by one unbounded source. Then::

    FeedsDue → SpreadFeeds → PollFeeds → FetchArticles → CleanArticles → DeduplicateArticles
      → WriteArticles (defwatch-articles)
      → ExtractDefectionEvents → DeduplicateEvents → WriteEvents (defwatch-events) → SendAlerts
    every dead-letter output → WriteDeadLetters (defwatch-deadletter)

Run it with ``defwatch run --feeds FEEDS.yaml`` (see ``pipelines/run_cmd.py``), on Prism by
default, or on any Beam runner::

    python -m pipelines.streaming --feeds feeds.yaml --runner FlinkRunner \\
        --flink_master=[local] --environment_type=LOOPBACK
"""
from __future__ import annotations

import functools
import math
import threading
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from connectors.alert_channels import load_channels
from connectors.alerts import RetryFailedAlerts, SendAlerts
from connectors.articles import CleanArticles, FetchArticles
from connectors.elasticsearch_io import WriteToElasticsearch, article_doc, dead_letter_doc
from connectors.event_store import EventStoreFactory, WriteEvents
from connectors.feed_registry import load_feeds
from connectors.feeds import PollFeeds
from connectors.http_fetch import FetchSettings
from connectors.state_store import ElasticsearchCursorStore
from pipelines.options import es_target, resolved
from pipelines.progress import tick
from schemas.records import DEAD_LETTER, Article, FeedConfig
from transforms.article_dedup import DeduplicateArticles
from transforms.event_dedup import DeduplicateEvents
from transforms.extraction import ExtractDefectionEvents

NAMESPACE = "defwatch.schedule"

# Set by ``defwatch run`` on SIGINT/SIGTERM: no feed is polled after it, so in-flight work
# drains. The SDK worker shares this process with LOOPBACK environments (Prism, Flink local).
STOP = threading.Event()


def feeds_due(feeds: list[FeedConfig], tick: int, tick_interval: float,
              poll_interval: float | None = None) -> list[FeedConfig]:
    """The feeds to poll at tick number ``tick`` (every feed at tick 0, then on its interval)."""
    due = []
    for feed in feeds:
        interval = max(float(poll_interval or feed.poll_interval or 300), tick_interval)
        now, before = tick * tick_interval, (tick - 1) * tick_interval
        if tick == 0 or math.floor(now / interval) > math.floor(before / interval):
            due.append(feed)
    return due


class _FeedsDue(beam.DoFn):
    """A tick timestamp → the feeds due at that tick (nothing once ``STOP`` is set)."""

    def __init__(self, feeds: list[FeedConfig], start: float, tick_interval: float,
                 poll_interval: float | None):
        self._feeds = list(feeds)
        self._start = start
        self._tick_interval = tick_interval
        self._poll_interval = poll_interval
        self._scheduled = beam.metrics.Metrics.counter(NAMESPACE, "schedule/feeds_due")
        self._stopping = beam.metrics.Metrics.counter(NAMESPACE, "schedule/skipped_stopping")

    def process(self, tick_time):
        if STOP.is_set():
            self._stopping.inc()
            return
        tick = max(0, round((float(tick_time) - self._start) / self._tick_interval))
        for feed in feeds_due(self._feeds, tick, self._tick_interval, self._poll_interval):
            self._scheduled.inc()
            yield feed


def _sweep_due(tick_time: float, start: float, tick_interval: float, every: float) -> bool:
    """True on the ticks where the failed-alert sweep runs (every ``every`` seconds)."""
    tick = max(0, round((float(tick_time) - start) / tick_interval))
    return tick > 0 and bool(feeds_due([FeedConfig(id="sweep", url="", poll_interval=1)], tick,
                                       tick_interval, every))


def _not_duplicate(article: Article) -> bool:
    """Only the canonical copy of a story produces events."""
    return not getattr(article, "duplicate_of", None)


def build_article_steps(articles, options: PipelineOptions, dead_letters: list,
                        progress_token: str | None = None):
    """Articles → ES articles, events (dedup, ES, alerts); appends dead-letter outputs.

    Shared by the streaming and the backfill pipelines. Returns the written ``EventChange``s.
    ``progress_token`` (``pipelines.progress``) counts every article once dedup decided it.
    """
    opts = resolved(options)
    target = es_target(options)
    unique = articles | "DeduplicateArticles" >> DeduplicateArticles(
        decision_delay_seconds=opts.article_decision_delay)
    unique_main = _main(unique, dead_letters)
    if progress_token:
        unique_main = unique_main | "Progress" >> beam.Map(tick, progress_token)
    stored = unique_main | "WriteArticles" >> WriteToElasticsearch(
        target, functools.partial(article_doc, prefix=target.index_prefix))
    dead_letters.append(stored[DEAD_LETTER])
    canonical = unique_main | "CanonicalOnly" >> beam.Filter(_not_duplicate)
    events = _main(canonical | "ExtractDefectionEvents" >> ExtractDefectionEvents(),
                   dead_letters)
    dedup_settings = {"window_days": opts.dedup_window_days}
    changes = _main(events | "DeduplicateEvents" >> DeduplicateEvents(
        dedup_settings, EventStoreFactory(target, settings=dedup_settings)), dead_letters)
    written = _main(changes | "WriteEvents" >> WriteEvents(target, settings=dedup_settings),
                    dead_letters)
    _main(written | "SendAlerts" >> SendAlerts(alert_channels(opts), target,
                                               kibana_url=opts.kibana_url), dead_letters)
    return written


def alert_channels(opts) -> list:
    """Alert channels from ``--alert``, ``DEFWATCH_ALERTS`` and the ``alerts:`` of feeds.yaml."""
    return load_channels(opts.alert, feeds_path=opts.feeds or None, env={})


def _count_dead_letter(letter):
    """Count every dead letter of the pipeline by stage and reason (status line, metrics)."""
    reason = str(getattr(letter, "reason", "unknown")).split(":", 1)[0]
    beam.metrics.Metrics.counter(
        "defwatch.deadletters", f"{getattr(letter, 'stage', 'unknown')}/{reason}").inc()
    return letter


def write_dead_letters(dead_letters: list, options: PipelineOptions):
    """Flatten every dead-letter output into ``<prefix>-deadletter``."""
    target = es_target(options)
    pipeline = dead_letters[0].pipeline
    return (tuple(dead_letters) | "AllDeadLetters" >> beam.Flatten(pipeline=pipeline)
            | "CountDeadLetters" >> beam.Map(_count_dead_letter)
            | "WriteDeadLetters" >> WriteToElasticsearch(
                target, functools.partial(dead_letter_doc, prefix=target.index_prefix),
                write_dead_letters=False))


def fetch_settings(opts) -> FetchSettings:
    """The fetcher settings of the run: allowed hosts and, when given, a shorter deadline."""
    settings = FetchSettings(allow_hosts=tuple(opts.allow_host))
    if opts.fetch_deadline:
        deadline = float(opts.fetch_deadline)
        settings = settings.replace(deadline=deadline,
                                    connect_timeout=min(settings.connect_timeout, deadline),
                                    read_timeout=min(settings.read_timeout, deadline))
    return settings


def build_streaming_pipeline(p: beam.Pipeline, options: PipelineOptions,
                             feeds: list[FeedConfig] | None = None,
                             start: float | None = None):
    """Wire the continuous pipeline into ``p``; returns the written ``EventChange``s."""
    opts = resolved(options)
    feeds = feeds if feeds is not None else load_feeds(opts.feeds)
    if not feeds:
        raise ValueError("no feeds to poll: give --feeds FEEDS.yaml with at least one feed")
    start = time.time() if start is None else start
    stop = start + opts.duration if opts.duration else MAX_TIMESTAMP
    fetch = fetch_settings(opts)
    target = es_target(options)
    cursors = functools.partial(ElasticsearchCursorStore, target)
    dead_letters: list = []
    ticks = p | "Tick" >> PeriodicImpulse(start_timestamp=start, stop_timestamp=stop,
                                          fire_interval=opts.tick_interval)
    channels = alert_channels(opts)
    if channels:  # alerts that failed (receiver down) are re-sent without waiting for news
        sweep = (ticks
                 | "AlertSweepDue" >> beam.Filter(_sweep_due, start, opts.tick_interval,
                                                  opts.alert_retry_interval)
                 | "RetryFailedAlerts" >> RetryFailedAlerts(channels, target,
                                                            kibana_url=opts.kibana_url))
        dead_letters.append(sweep[DEAD_LETTER])
    due = (ticks
           | "FeedsDue" >> beam.ParDo(_FeedsDue(feeds, start, opts.tick_interval,
                                                opts.poll_interval))
           | "SpreadFeeds" >> beam.Reshuffle())  # a slow feed does not hold up the others
    entries = _main(due | "PollFeeds" >> PollFeeds(fetch, cursors), dead_letters)
    pages = _main(entries | "FetchArticles" >> FetchArticles(fetch), dead_letters)
    articles = _main(pages | "CleanArticles" >> CleanArticles(), dead_letters)
    written = build_article_steps(articles, options, dead_letters)
    write_dead_letters(dead_letters, options)
    return written


def _main(outputs, dead_letters: list):
    """The main output of a step; its dead-letter output (if any) is added to the list."""
    if isinstance(outputs, beam.pvalue.DoOutputsTuple):
        dead_letters.append(outputs[DEAD_LETTER])
        return outputs.main
    return outputs


def run(argv: list[str] | None = None):
    """Build and run the pipeline from command-line style ``argv`` (see ``defwatch run``)."""
    options = PipelineOptions(argv, streaming=True)
    p = beam.Pipeline(options=options)
    build_streaming_pipeline(p, options)
    return p.run()


if __name__ == "__main__":
    run().wait_until_finish()
