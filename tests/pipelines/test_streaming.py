"""The continuous pipeline: feed scheduling, and `defwatch run` end to end.

End-to-end tests run `defwatch run` in this process on Prism (``.cache/bin/prism``, built by
``deploy/runners/build_prism.sh``; ``DEFWATCH_TEST_RUNNER`` forces another runner) against the bundled sample reports served from loopback
(``deploy.sample_site``) and the real Elasticsearch, each bounded by ``--duration``.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

from deploy.sample_site import SampleSite
from pipelines import run_cmd
from pipelines.streaming import feeds_due
from schemas.records import FeedConfig, stable_id
from tests.support.es_proxy import ElasticsearchProxy
from tests.support.loopback_site import LoopbackSite
from tests.support.receivers import WebhookReceiver

FIRST = ("duwayr-ndf-21", "bread-prices-deir")
LATER = ("bukamal-brigade47", "duwayr-ndf-16", "mayadin-water", "mayadin-division4")
NOT_DEFECTIONS = ("bread-prices-deir", "mayadin-water")
RUN_FLAGS = ["--allow-host", "127.0.0.1", "--poll-interval", "2", "--tick-interval", "1",
             "--article-decision-delay", "2", "--status-interval", "0"]
if os.environ.get("DEFWATCH_TEST_RUNNER"):  # default: Prism (the DirectRunner's streaming
    RUN_FLAGS += ["--runner", os.environ["DEFWATCH_TEST_RUNNER"]]  # mode is not reliable here)
needs_runner = pytest.mark.skipif(
    not (run_cmd.prism_binary() or os.environ.get("DEFWATCH_TEST_RUNNER")),
    reason="end-to-end runs need Prism: bash deploy/runners/build_prism.sh")


# ----------------------------------------------------------------------------- scheduling

def _feeds(*intervals: int) -> list[FeedConfig]:
    return [FeedConfig(id=f"f{i}", url=f"https://example.org/{i}", poll_interval=interval)
            for i, interval in enumerate(intervals)]


def test_every_feed_is_due_at_the_first_tick_then_on_its_own_interval():
    feeds = _feeds(10, 30)
    due = {tick: [f.id for f in feeds_due(feeds, tick, 5.0)] for tick in range(13)}
    assert due[0] == ["f0", "f1"]
    assert [t for t, ids in due.items() if "f0" in ids] == [0, 2, 4, 6, 8, 10, 12]
    assert [t for t, ids in due.items() if "f1" in ids] == [0, 6, 12]


def test_poll_interval_override_and_floor_at_the_tick():
    feeds = _feeds(300, 600)
    assert [len(feeds_due(feeds, t, 5.0, poll_interval=10)) for t in range(5)] == [2, 0, 2, 0, 2]
    assert [len(feeds_due(feeds, t, 5.0, poll_interval=1)) for t in range(3)] == [2, 2, 2]


# ----------------------------------------------------------------------------- end to end

def _run(feeds_path, es_url: str, prefix: str, duration: float, *extra: str) -> int:
    return run_cmd.main(["--feeds", str(feeds_path), "--es-url", es_url, "--index-prefix",
                         prefix, "--duration", str(duration), *RUN_FLAGS, *extra])


def _hits(es_client, prefix: str, kind: str) -> list[dict]:
    es_client.indices.refresh(index=f"{prefix}-{kind}")
    return es_client.search(index=f"{prefix}-{kind}", size=200)["hits"]["hits"]


def _doc_id(site: SampleSite, slug: str) -> str:
    return stable_id(site.page_url(slug))


def _when_stored(es_client, prefix: str, doc_id: str, then, timeout: float = 40.0):
    """A thread that calls ``then()`` once article ``doc_id`` is in Elasticsearch."""
    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if es_client.exists(index=f"{prefix}-articles", id=doc_id):
                then()
                return
            time.sleep(0.3)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _assert_sample_events(es_client, prefix: str, site: SampleSite) -> list[dict]:
    """The sample incidents are stored once each; the Duwayr reports merged; no others."""
    events = [h["_source"] for h in _hits(es_client, prefix, "events")]
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids))
    cited = {s["doc_id"] for e in events for s in e["sources"]}
    assert not cited & {_doc_id(site, slug) for slug in NOT_DEFECTIONS}
    duwayr = [e for e in events if _doc_id(site, "duwayr-ndf-21") in
              {s["doc_id"] for s in e["sources"]}]
    assert len(duwayr) == 1
    assert {s["doc_id"] for s in duwayr[0]["sources"]} == {
        _doc_id(site, "duwayr-ndf-21"), _doc_id(site, "duwayr-ndf-16")}
    for slug in ("bukamal-brigade47", "mayadin-division4"):
        assert _doc_id(site, slug) in cited, f"no event cites {slug}"
    return events


@pytest.mark.es
@pytest.mark.e2e
@needs_runner
def test_items_published_over_time_become_events_and_a_restart_adds_nothing(
        tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False) as site, WebhookReceiver() as hook:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(site.feeds_yaml(), encoding="utf-8")
        site.release(*FIRST)
        watcher = _when_stored(es_client, es_prefix, _doc_id(site, FIRST[0]),
                               lambda: site.release(*LATER))
        alert = ("--alert", hook.json_url("/hook"))
        assert _run(feeds, es_url, es_prefix, 20, *alert) == 0
        watcher.join()
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        events = _assert_sample_events(es_client, es_prefix, site)
        pages_fetched = {slug: site.hits.get(f"/{r['outlet']}/{slug}.html", 0)
                         for r in site.samples["reports"] for slug in [r["slug"]]}
        assert all(n >= 1 for n in pages_fetched.values())
        alerted = sorted(r.json["event_id"] for r in hook.delivered)
        assert alerted == sorted(e["event_id"] for e in events)  # one per incident, once

        assert _run(feeds, es_url, es_prefix, 6, *alert) == 0  # restart: nothing new
        assert {h["_id"] for h in _hits(es_client, es_prefix, "articles")} == articles
        again = {e["event_id"]: e for e in (h["_source"] for h in
                                            _hits(es_client, es_prefix, "events"))}
        assert set(again) == {e["event_id"] for e in events}
        assert all(len(again[e["event_id"]]["sources"]) == len(e["sources"]) for e in events)
        refetched = {slug: site.hits.get(f"/{r['outlet']}/{slug}.html", 0) - pages_fetched[slug]
                     for r in site.samples["reports"] for slug in [r["slug"]]}
        assert refetched == dict.fromkeys(refetched, 0)  # cursors held: no re-fetch storm
        assert len(es_client.search(index=f"{es_prefix}-state")["hits"]["hits"]) == 3
        assert sorted(r.json["event_id"] for r in hook.delivered) == alerted  # none re-sent


@pytest.mark.es
@pytest.mark.e2e
@needs_runner
def test_elasticsearch_down_mid_run_then_back_keeps_every_event_once(
        tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False) as site, ElasticsearchProxy(es_url) as proxy:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(site.feeds_yaml(), encoding="utf-8")
        site.release(*FIRST)

        def outage():
            proxy.mode = "down"
            site.release(*LATER)
            proxy.wait_for(lambda r: sum(1 for x in proxy.requests
                                         if x[0] == "down" and "_bulk" in x[2]) >= 3)
            proxy.mode = "up"

        watcher = _when_stored(es_client, es_prefix, _doc_id(site, FIRST[0]), outage)
        assert _run(feeds, proxy.url, es_prefix, 16, "--no-setup") == 0
        watcher.join()
        assert proxy.bulk_bodies(mode="down"), "the outage never hit a bulk write"
        letters = [h["_source"] for h in _hits(es_client, es_prefix, "deadletter")]
        assert not letters, letters
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        _assert_sample_events(es_client, es_prefix, site)


@pytest.mark.es
@pytest.mark.e2e
@needs_runner
def test_a_hostile_feed_among_good_ones_does_not_stop_them(tmp_path, es_url, es_client,
                                                         es_prefix):
    with SampleSite(auto=False) as site, LoopbackSite() as hostile:
        site.release(*FIRST, *LATER)
        hostile.static("/broken.xml", "<rss><channel><item><title>خبر", content_type=(
            "application/rss+xml"))
        hostile.hang("/never.xml")
        hostile.huge("/huge.xml", 50_000_000)
        hostile.redirect("/evil.xml", "http://169.254.169.254/latest/meta-data/")
        feeds = yaml.safe_load(site.feeds_yaml())
        for name in ("broken", "never", "huge", "evil"):
            feeds["feeds"].append({"id": f"hostile-{name}", "url": hostile.url(f"/{name}.xml"),
                                   "kind": "rss", "poll_interval": 10})
        feeds["feeds"].append({"id": "metadata", "url": "http://169.254.169.254/feed",
                               "kind": "rss", "poll_interval": 10})
        path = tmp_path / "feeds.yaml"
        path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
        # The hanging feed holds a poll for the fetch deadline (and its retries) on every
        # interval: the good feeds are delayed, not stopped, so give the run time to show it.
        assert _run(path, es_url, es_prefix, 45, "--fetch-deadline", "4") == 0
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        _assert_sample_events(es_client, es_prefix, site)
        letters = [h["_source"] for h in _hits(es_client, es_prefix, "deadletter")]
        sources = {letter.get("source") for letter in letters}
        assert {"hostile-evil", "metadata", "hostile-huge"} <= sources, letters


@pytest.mark.es
@pytest.mark.e2e
@needs_runner
def test_sigterm_drains_flushes_and_exits(tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False) as site:
        feeds = tmp_path / "feeds.yaml"
        feeds.write_text(site.feeds_yaml(), encoding="utf-8")
        site.release(*FIRST)
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipelines.cli", "run", "--feeds", str(feeds), "--es-url",
             es_url, "--index-prefix", es_prefix, "--drain-seconds", "10", "--no-setup",
             *RUN_FLAGS],
            cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
            stderr=subprocess.PIPE, text=True)
        try:
            stored = threading.Event()
            _when_stored(es_client, es_prefix, _doc_id(site, FIRST[0]), stored.set).join()
            assert stored.is_set(), "no article stored before the stop"
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err[-2000:]
        assert "SIGTERM: no more polls; draining" in err
        assert "defwatch run: pipeline" in err
        assert es_client.exists(index=f"{es_prefix}-articles", id=_doc_id(site, FIRST[1]))


def test_feeds_due_in_a_pipeline_and_nothing_once_stopping():
    import apache_beam as beam
    from apache_beam.testing.test_pipeline import TestPipeline
    from apache_beam.testing.util import assert_that, equal_to

    from pipelines import streaming

    feeds = _feeds(10, 20)
    start = 1000.0
    with TestPipeline() as p:
        due = (p | beam.Create([start + 5 * k for k in range(5)])
               | beam.ParDo(streaming._FeedsDue(feeds, start, 5.0, None))
               | beam.Map(lambda f: f.id))
        assert_that(due, equal_to(["f0", "f1", "f0", "f0", "f1"]))
    streaming.STOP.set()
    try:
        with TestPipeline() as p:
            due = p | beam.Create([start]) | beam.ParDo(
                streaming._FeedsDue(feeds, start, 5.0, None))
            assert_that(due, equal_to([]))
    finally:
        streaming.STOP.clear()
