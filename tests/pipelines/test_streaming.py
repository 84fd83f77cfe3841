"""The continuous pipeline, `defwatch run` end to end.

End-to-end tests run `defwatch run` on Prism (``.cache/bin/prism``, built by
``deploy/runners/build_prism.sh``; ``DEFWATCH_TEST_RUNNER`` forces another runner) against the
bundled sample reports served from loopback (``deploy.sample_site``, each outlet on its own
address) and the real Elasticsearch. Runs are bounded by ``--duration``, or stopped with a
signal as soon as what the test waits for is in Elasticsearch (never a fixed sleep).
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from deploy.sample_site import SampleSite
from pipelines import run_cmd
from schemas.records import stable_id
from tests.support.es_proxy import ElasticsearchProxy
from tests.support.loopback_site import LoopbackSite
from tests.support.receivers import WebhookReceiver

FIRST = ("duwayr-ndf-21", "bread-prices-deir")
LATER = ("bukamal-brigade47", "duwayr-ndf-16", "mayadin-water", "mayadin-division4")
NOT_DEFECTIONS = ("bread-prices-deir", "mayadin-water")
PROJECT = Path(__file__).resolve().parents[2]
RUN_FLAGS = ["--poll-interval", "2", "--status-interval", "0"]
if os.environ.get("DEFWATCH_TEST_RUNNER"):  # default: Prism (the DirectRunner's streaming
    RUN_FLAGS += ["--runner", os.environ["DEFWATCH_TEST_RUNNER"]]  # mode is not reliable here)
needs_runner = pytest.mark.skipif(
    not (run_cmd.prism_binary() or os.environ.get("DEFWATCH_TEST_RUNNER")),
    reason="end-to-end runs need Prism: bash deploy/runners/build_prism.sh")
pytestmark = [pytest.mark.es, pytest.mark.e2e, needs_runner]


def _allow(site: SampleSite, *more: str) -> list[str]:
    hostile = [f"127.0.0.{30 + i}" for i in range(len(HOSTILE_ROUTES))]
    return [arg for host in (*site.hosts, *hostile, *more) for arg in ("--allow-host", host)]


def _args(feeds_path, es_url: str, prefix: str, site: SampleSite, *extra: str) -> list[str]:
    return ["--feeds", str(feeds_path), "--es-url", es_url, "--index-prefix", prefix,
            *_allow(site), *RUN_FLAGS, *extra]


def _run(feeds_path, es_url: str, prefix: str, site: SampleSite, duration: float,
         *extra: str) -> int:
    return run_cmd.main([*_args(feeds_path, es_url, prefix, site), "--duration", str(duration),
                         *extra])


def _hits(es_client, prefix: str, kind: str) -> list[dict]:
    es_client.indices.refresh(index=f"{prefix}-{kind}")
    return es_client.search(index=f"{prefix}-{kind}", size=200)["hits"]["hits"]


def _doc_id(site: SampleSite, slug: str) -> str:
    return stable_id(site.page_url(slug))


def _stored(es_client, prefix: str, site: SampleSite, slugs) -> bool:
    return all(es_client.exists(index=f"{prefix}-articles", id=_doc_id(site, slug))
               for slug in slugs)


def _when(condition, then, timeout: float = 60.0) -> threading.Thread:
    """A thread that calls ``then()`` once ``condition()`` holds (polled, with a deadline)."""
    def watch():
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                then()
                return
            time.sleep(0.3)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _sigterm_self() -> None:
    """Stop the in-process run as an operator would (its handler drains, then returns)."""
    os.kill(os.getpid(), signal.SIGTERM)


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


def _cursor_ids(es_client, prefix: str) -> dict[str, list[str]]:
    return {h["_id"]: h["_source"].get("seen") or [] for h in _hits(es_client, prefix, "state")}


def _write_feeds(path: Path, site: SampleSite, hostile: dict | None = None,
                 routes: tuple[str, ...] = ()) -> Path:
    feeds = yaml.safe_load(site.feeds_yaml())
    for name in routes:
        feeds["feeds"].append({"id": f"hostile-{name}", "url": hostile[name].url(f"/{name}.xml"),
                               "kind": "rss", "poll_interval": 10})
    path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
    return path


HOSTILE_ROUTES = ("never", "tarpit", "broken", "huge", "loop", "evil", "unsafe")


def _hostile_sites(stack) -> dict[str, LoopbackSite]:
    """Feeds that never answer, trickle their headers, break, never end, loop, point inward:
    each on its own address, as hostile outlets are."""
    sites = {name: stack.enter_context(LoopbackSite(host=f"127.0.0.{30 + i}"))
             for i, name in enumerate(HOSTILE_ROUTES)}
    sites["never"].hang("/never.xml")
    sites["tarpit"].trickle_head("/tarpit.xml", interval=0.5)
    sites["broken"].static("/broken.xml", "<rss><channel><item><title>خبر", content_type=(
        "application/rss+xml"))
    sites["huge"].huge("/huge.xml", 50_000_000)
    sites["loop"].redirect("/loop.xml", "/loop.xml")
    sites["evil"].redirect("/evil.xml", "http://169.254.169.254/latest/meta-data/")
    sites["unsafe"].static(
        "/unsafe.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        "<item><title>a</title><link>file:///etc/passwd</link></item>"
        "<item><title>b</title><link>http://169.254.169.254/latest/</link></item>"
        "</channel></rss>", content_type="application/rss+xml")
    return sites


# ----------------------------------------------------------------------------- end to end

def test_items_published_over_time_become_events_and_a_restart_adds_nothing(
        tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False, outlet_hosts=True) as site, WebhookReceiver() as hook:
        feeds = _write_feeds(tmp_path / "feeds.yaml", site)
        site.release(*FIRST)
        watcher = _when(lambda: _stored(es_client, es_prefix, site, FIRST[:1]),
                        lambda: site.release(*LATER))
        alert = ("--alert", hook.json_url("/hook"))
        assert _run(feeds, es_url, es_prefix, site, 20, *alert) == 0
        watcher.join()
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        events = _assert_sample_events(es_client, es_prefix, site)
        pages_fetched = {slug: site.hits.get(f"/{r['outlet']}/{slug}.html", 0)
                         for r in site.samples["reports"] for slug in [r["slug"]]}
        assert all(n >= 1 for n in pages_fetched.values())
        alerted = sorted(r.json["event_id"] for r in hook.delivered)
        assert alerted == sorted(e["event_id"] for e in events)  # one per incident, once
        committed = _cursor_ids(es_client, es_prefix)  # every entry in its feed's cursor
        assert sorted(i for ids in committed.values() for i in ids) == sorted(
            f"{r['outlet']}-{r['slug']}" for r in site.samples["reports"]
            if r["slug"] in FIRST + LATER)

        assert _run(feeds, es_url, es_prefix, site, 6, *alert) == 0  # restart: nothing new
        assert {h["_id"] for h in _hits(es_client, es_prefix, "articles")} == articles
        again = {e["event_id"]: e for e in (h["_source"] for h in
                                            _hits(es_client, es_prefix, "events"))}
        assert set(again) == {e["event_id"] for e in events}
        assert all(len(again[e["event_id"]]["sources"]) == len(e["sources"]) for e in events)
        refetched = {slug: site.hits.get(f"/{r['outlet']}/{slug}.html", 0) - pages_fetched[slug]
                     for r in site.samples["reports"] for slug in [r["slug"]]}
        assert refetched == dict.fromkeys(refetched, 0)  # cursors held: no re-fetch storm
        assert len(_hits(es_client, es_prefix, "state")) == 3
        assert sorted(r.json["event_id"] for r in hook.delivered) == alerted  # none re-sent


def test_elasticsearch_down_mid_run_then_back_keeps_every_event_once(
        tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False, outlet_hosts=True) as site, \
            ElasticsearchProxy(es_url) as proxy:
        feeds = _write_feeds(tmp_path / "feeds.yaml", site)
        site.release(*FIRST)

        def outage():
            proxy.mode = "down"
            site.release(*LATER)
            proxy.wait_for(lambda r: sum(1 for x in proxy.requests
                                         if x[0] == "down" and "_bulk" in x[2]) >= 3)
            proxy.mode = "up"

        watcher = _when(lambda: _stored(es_client, es_prefix, site, FIRST[:1]), outage)
        assert _run(feeds, proxy.url, es_prefix, site, 16, "--no-setup") == 0
        watcher.join()
        assert proxy.bulk_bodies(mode="down"), "the outage never hit a bulk write"
        letters = [h["_source"] for h in _hits(es_client, es_prefix, "deadletter")]
        assert not letters, letters
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        _assert_sample_events(es_client, es_prefix, site)


def test_hostile_feeds_among_good_ones_delay_nothing_and_back_off(
        tmp_path, es_url, es_client, es_prefix, capsys):
    """Deterministic: the run is stopped once every good article is stored, however long."""
    from contextlib import ExitStack
    with ExitStack() as stack:
        site = stack.enter_context(SampleSite(auto=False, outlet_hosts=True))
        hostile = _hostile_sites(stack)
        site.release(*FIRST, *LATER)
        feeds = _write_feeds(tmp_path / "feeds.yaml", site, hostile, HOSTILE_ROUTES)
        with open(feeds, "a", encoding="utf-8") as handle:
            handle.write("- {id: metadata, url: 'http://169.254.169.254/feed', kind: rss}\n")

        def settled():
            letters = {h["_source"]["source"] for h in _hits(es_client, es_prefix,
                                                             "deadletter")}
            return (_stored(es_client, es_prefix, site, FIRST + LATER)
                    and {"hostile-never", "hostile-tarpit"} <= letters)

        watcher = _when(settled, _sigterm_self, timeout=90)
        # a hanging or trickling feed is cut at its 3 s deadline, then backs off; the good
        # outlets are polled every 2 s all along, never waiting for it
        assert _run(feeds, es_url, es_prefix, site, 120, "--fetch-deadline", "3",
                    "--host-delay", "0.2") == 0  # 6 hops of a redirect loop within 3 s
        watcher.join()
        articles = {h["_id"] for h in _hits(es_client, es_prefix, "articles")}
        assert articles == {_doc_id(site, s) for s in FIRST + LATER}
        _assert_sample_events(es_client, es_prefix, site)
        letters = {(h["_source"]["source"], h["_source"]["reason"]) for h in
                   _hits(es_client, es_prefix, "deadletter")}
        assert {("hostile-never", "timeout"), ("hostile-tarpit", "timeout"),
                ("hostile-huge", "too_large"), ("hostile-loop", "too_many_redirects"),
                ("hostile-evil", "private_address"), ("metadata", "private_address"),
                ("hostile-unsafe", "scheme_not_allowed"),
                ("hostile-broken", "unparsable_feed")} <= letters, letters
        status = [line for line in capsys.readouterr().err.splitlines()
                  if line.startswith("defwatch ") and "backoff=" in line][-1]
        assert "hostile-never" in status and "hostile-tarpit" in status


def test_a_bounded_run_ends_by_itself_whatever_the_feeds_do(tmp_path, es_url, es_prefix):
    from contextlib import ExitStack
    with ExitStack() as stack:
        site = stack.enter_context(SampleSite(auto=False, outlet_hosts=True))
        hostile = _hostile_sites(stack)
        site.release(*FIRST)
        feeds = _write_feeds(tmp_path / "feeds.yaml", site, hostile, ("never", "tarpit"))
        started = time.monotonic()
        # fetches may take 120 s: the end of --duration must cut them, not wait for them
        assert _run(feeds, es_url, es_prefix, site, 8, "--fetch-deadline", "120",
                    "--drain-seconds", "10") == 0
        assert time.monotonic() - started < 8 + 10 + 10


def _defwatch(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", *args],
                            cwd=PROJECT, stderr=subprocess.PIPE, text=True)


def test_sigterm_drains_flushes_and_exits_even_with_a_hanging_feed(tmp_path, es_url,
                                                                   es_client, es_prefix):
    from contextlib import ExitStack
    with ExitStack() as stack:
        site = stack.enter_context(SampleSite(auto=False, outlet_hosts=True))
        hostile = _hostile_sites(stack)
        feeds = _write_feeds(tmp_path / "feeds.yaml", site, hostile, ("never", "tarpit"))
        site.release(*FIRST)
        proc = _defwatch(*_args(feeds, es_url, es_prefix, site, "--drain-seconds", "10",
                                "--fetch-deadline", "120", "--no-setup"))
        try:
            stored = threading.Event()
            _when(lambda: _stored(es_client, es_prefix, site, FIRST[:1]), stored.set).join()
            assert stored.is_set(), "no article stored before the stop"
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
            stopped_in = time.monotonic() - signalled
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err[-2000:]
        assert "SIGTERM: no more polls; draining" in err
        assert "defwatch run: pipeline" in err
        assert stopped_in < 10 + 10  # the drain time + 10 s, though fetches may take 120 s
        assert _stored(es_client, es_prefix, site, FIRST)


def test_the_cursor_moves_only_after_the_articles_are_written_so_sigkill_loses_nothing(
        tmp_path, es_url, es_client, es_prefix):
    with SampleSite(auto=False, outlet_hosts=True) as site, \
            ElasticsearchProxy(es_url) as proxy:
        feeds = _write_feeds(tmp_path / "feeds.yaml", site)
        site.release(*FIRST)
        proxy.refuse = lambda method, path, body: "_bulk" in path and b"-articles" in body
        proc = _defwatch(*_args(feeds, proxy.url, es_prefix, site, "--no-setup"))
        try:
            extracted = threading.Event()  # the report's event is written: it was polled,
            _when(lambda: bool(_hits(es_client, es_prefix, "events")),  # fetched, extracted
                  extracted.set).join()
            assert extracted.is_set(), "the report never went through"
            assert proxy.wait_for(lambda r: r[0] == "refused")  # its article is not written
            assert _cursor_ids(es_client, es_prefix).get("furat-post", []) == []
            proc.kill()  # SIGKILL: no drain, no flush
            proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert not _stored(es_client, es_prefix, site, FIRST[:1])
        proxy.refuse = None
        assert _run(feeds, es_url, es_prefix, site, 10, "--no-setup") == 0  # restart
        assert _stored(es_client, es_prefix, site, FIRST)  # the entries were not lost
        assert sorted(_cursor_ids(es_client, es_prefix)["furat-post"]) == sorted(
            f"furat-post-{slug}" for slug in FIRST)
        _assert_one_event_per_incident(es_client, es_prefix)


def _assert_one_event_per_incident(es_client, prefix: str) -> None:
    events = [h["_source"] for h in _hits(es_client, prefix, "events")]
    keys = [(e["actor"].get("id"), e["location"].get("name_ar")) for e in events]
    assert len(keys) == len(set(keys)), keys



def test_a_second_signal_stops_at_once_without_a_traceback(tmp_path, es_url, es_client,
                                                         es_prefix):
    from contextlib import ExitStack
    with ExitStack() as stack:
        site = stack.enter_context(SampleSite(auto=False, outlet_hosts=True))
        hostile = _hostile_sites(stack)
        feeds = _write_feeds(tmp_path / "feeds.yaml", site, hostile, ("never",))
        site.release(*FIRST)
        proc = _defwatch(*_args(feeds, es_url, es_prefix, site, "--drain-seconds", "60",
                                "--no-setup"))
        try:
            polled = threading.Event()
            _when(lambda: hostile["never"].hits("/never.xml") >= 1, polled.set).join()
            assert polled.is_set()
            lines: list[str] = []
            reader = threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True)
            reader.start()
            proc.send_signal(signal.SIGTERM)
            draining = threading.Event()  # the first signal is handled: now the second one
            _when(lambda: any("draining" in line for line in lines), draining.set,
                  timeout=20).join()
            signalled = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
            stopped_in = time.monotonic() - signalled
            reader.join(10)
            err = "".join(lines)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 130, err[-2000:]
        assert "second signal: cancelling the job now" in err
        assert "Traceback" not in err and stopped_in < 15  # not the 60 s drain
