"""The continuous pipeline: feeds → articles → events → Elasticsearch + alerts.

A ``PeriodicImpulse`` ticks every ``--tick-interval`` seconds (1 by default). The ticks drive
``FetchNewPages``: the feeds are polled, and the pages of their new entries fetched, on a
bounded thread pool, each feed at its own pace (``poll_interval`` in feeds.yaml or
``--poll-interval``), never two polls of one feed at once, failing feeds backing off; every
tick hands over what finished, so no bundle waits on the network and a hanging outlet delays
only itself. Then::

    Tick → FetchNewPages → CleanArticles → DeduplicateArticles
      → WriteArticles (defwatch-articles)
      → ExtractDefectionEvents → DeduplicateEvents → WriteEvents (defwatch-events) → SendAlerts
    every dead-letter output → WriteDeadLetters (defwatch-deadletter)
    FetchNewPages.entries + (articles, alerts, dead letters written) → CommitCursors

Articles go on to extraction as soon as they are cleaned (a syndicated copy found later is
linked afterwards, see ``transforms.article_dedup``), so the first alert of a new incident
comes seconds after its report is fetched. ``CommitCursors`` adds an entry to its feed's
cursor (``defwatch-state``) only once the watermark of everything written downstream has
passed it: a crash never loses an entry, a restart re-reads what was not committed.

Run it with ``defwatch run --feeds FEEDS.yaml`` (see ``pipelines/run_cmd.py``), on Prism by
default, or on any Beam runner::

    python -m pipelines.streaming --feeds feeds.yaml --runner FlinkRunner \\
        --flink_master=[local] --environment_type=LOOPBACK
"""
from __future__ import annotations

import functools
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.transforms.periodicsequence import PeriodicImpulse
from apache_beam.utils.timestamp import MAX_TIMESTAMP

from connectors import feed_scheduler
from connectors.alert_channels import load_channels
from connectors.alerts import AlertSettings, RetryFailedAlerts, SendAlerts
from connectors.articles import CleanArticles
from connectors.cursor_commit import CommitCursors
from connectors.elasticsearch_io import WriteToElasticsearch, article_doc, dead_letter_doc
from connectors.event_store import EventStoreFactory, WriteEvents
from connectors.feed_registry import load_feeds
from connectors.feed_scheduler import ScheduleSettings
from connectors.feeds import ENTRIES, FetchNewPages
from connectors.http_fetch import FetchSettings
from connectors.state_store import ElasticsearchCursorStore
from pipelines.options import es_target, resolved
from pipelines.progress import tick
from schemas.records import DEAD_LETTER, Article, FeedConfig
from transforms.article_dedup import DEFAULT_DECISION_DELAY_SECONDS, DeduplicateArticles
from transforms.event_dedup import DeduplicateEvents
from transforms.extraction import ExtractDefectionEvents

# Set by ``defwatch run`` on SIGINT/SIGTERM: no feed is polled after it and the fetches in
# flight end; in-flight work drains. (The scheduler's flag: same process in LOOPBACK.)
STOP = feed_scheduler.STOP


def _sweep_due(tick_time: float, start: float, tick_interval: float, every: float) -> bool:
    """True on the ticks where the failed-alert sweep runs (every ``every`` seconds)."""
    tick = max(0, round((float(tick_time) - start) / tick_interval))
    per = max(1, round(every / tick_interval))
    return tick > 0 and tick % per == 0


def _not_duplicate(article: Article) -> bool:
    """Only the canonical copy of a story produces events."""
    return not getattr(article, "duplicate_of", None)


def build_article_steps(articles, options: PipelineOptions, dead_letters: list, *,
                        streaming: bool = False, progress: list | None = None,
                        progress_token: str | None = None):
    """Articles → ES articles, events (dedup, ES, alerts); appends dead-letter outputs.

    Shared by the streaming and the backfill pipelines. Returns the written ``EventChange``s;
    ``progress`` (a list) receives the outputs whose watermark marks an article as done
    (articles written, alerts claimed and sent). ``progress_token`` (``pipelines.progress``)
    counts every article once dedup decided it.
    """
    opts = resolved(options)
    target = es_target(options)
    delay = opts.article_decision_delay if streaming else DEFAULT_DECISION_DELAY_SECONDS
    unique = articles | "DeduplicateArticles" >> DeduplicateArticles(
        decision_delay_seconds=delay)
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
    alerted = _main(written | "SendAlerts" >> SendAlerts(
        alert_channels(opts), target, kibana_url=opts.kibana_url,
        settings=alert_settings(opts)), dead_letters)
    if progress is not None:
        progress += [stored.main, written, alerted]
    return written


def alert_settings(opts) -> AlertSettings:
    """The run's alert settings (``--alert-max-per-minute``, ``--alert-digest-seconds``,
    ``--alert-lease-seconds``)."""
    return AlertSettings(max_per_minute=opts.alert_max_per_minute,
                         digest_delay=opts.alert_digest_seconds,
                         lease_seconds=opts.alert_lease_seconds)


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
    """Flatten every dead-letter output into ``<prefix>-deadletter``; the written docs."""
    target = es_target(options)
    pipeline = dead_letters[0].pipeline
    written = (tuple(dead_letters) | "AllDeadLetters" >> beam.Flatten(pipeline=pipeline)
               | "CountDeadLetters" >> beam.Map(_count_dead_letter)
               | "WriteDeadLetters" >> WriteToElasticsearch(
                   target, functools.partial(dead_letter_doc, prefix=target.index_prefix),
                   write_dead_letters=False))
    return written.main


def fetch_settings(opts) -> FetchSettings:
    """The fetcher settings of the run: allowed hosts, politeness and the deadline."""
    settings = FetchSettings(allow_hosts=tuple(opts.allow_host), host_delay=opts.host_delay)
    if opts.fetch_deadline:
        deadline = float(opts.fetch_deadline)
        settings = settings.replace(deadline=deadline,
                                    connect_timeout=min(settings.connect_timeout, deadline),
                                    read_timeout=min(settings.read_timeout, deadline))
    return settings


def schedule_settings(opts, feeds: int) -> ScheduleSettings:
    """How the run polls its ``feeds`` feeds (see ``connectors.feed_scheduler``).

    One worker per feed by default (at least 16, at most 64), so feeds that hang until
    their deadline do not keep the others waiting for a free worker.
    """
    workers = opts.poll_workers or min(64, max(16, feeds))
    return ScheduleSettings(tick_interval=opts.tick_interval, poll_interval=opts.poll_interval,
                            max_new_per_poll=opts.max_new_per_poll, workers=workers,
                            backoff_max=opts.backoff_max)


def build_streaming_pipeline(p: beam.Pipeline, options: PipelineOptions,
                             feeds: list[FeedConfig] | None = None,
                             start: float | None = None):
    """Wire the continuous pipeline into ``p``; returns the written ``EventChange``s."""
    opts = resolved(options)
    feeds = feeds if feeds is not None else load_feeds(opts.feeds)
    if not feeds:
        raise ValueError("no feeds to poll: give --feeds FEEDS.yaml with at least one feed")
    start = time.time() if start is None else start
    stop = start + opts.duration if opts.duration else None
    target = es_target(options)
    cursors = functools.partial(ElasticsearchCursorStore, target)
    dead_letters: list = []
    ticks = p | "Tick" >> PeriodicImpulse(start_timestamp=start,
                                          stop_timestamp=stop or MAX_TIMESTAMP,
                                          fire_interval=opts.tick_interval)
    channels = alert_channels(opts)
    if channels:  # alerts that failed (receiver down) are re-sent without waiting for news
        sweep = (ticks
                 | "AlertSweepDue" >> beam.Filter(_sweep_due, start, opts.tick_interval,
                                                  opts.alert_retry_interval)
                 | "RetryFailedAlerts" >> RetryFailedAlerts(channels, target,
                                                            kibana_url=opts.kibana_url,
                                                            settings=alert_settings(opts)))
        dead_letters.append(sweep[DEAD_LETTER])
    pages = ticks | "FetchNewPages" >> FetchNewPages(
        feeds, fetch_settings(opts), cursors, schedule_settings(opts, len(feeds)),
        stop_at=stop)
    dead_letters.append(pages[DEAD_LETTER])
    articles = _main(pages.main | "CleanArticles" >> CleanArticles(), dead_letters)
    progress: list = []
    written = build_article_steps(articles, options, dead_letters, streaming=True,
                                  progress=progress)
    progress.append(write_dead_letters(dead_letters, options))
    _ = pages[ENTRIES] | "CommitCursors" >> CommitCursors(
        cursors, progress, hold_seconds=max(0, opts.article_decision_delay))
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
