"""What the streaming benchmarks share: a loopback news site, hostile feeds, ES and alert probes.

- :class:`StreamingBenchSite`: ``deploy.sample_site.SampleSite`` with every outlet on its own
  loopback address (127.0.0.11, .12, …) and realistic ~90 KB pages
  (``arabic_page.render_page``); each report appears in its outlet's feed ``delay`` seconds
  after the start, and :meth:`StreamingBenchSite.released_at` says when (epoch seconds). Not
  ``tests.support.news_site.NewsSite`` (generated reports published while running, used by
  the soak and the fault runs).
- :func:`hostile_sites`: feeds that never answer, trickle their headers, are malformed, never
  end, redirect in a loop, or list unsafe URLs, each on its own address (127.0.0.60 onwards).
- :class:`AlertLatency`: report-to-alert latency from a webhook receiver's requests.
- small Elasticsearch helpers (counts, events); a benchmark's indices and templates are
  removed with ``schemas.index_setup.uninstall``.
"""
from __future__ import annotations

import datetime as dt
import html
import statistics
import time
from contextlib import ExitStack

from benchmarks.arabic_page import render_page
from deploy.sample_site import SampleSite
from schemas.records import stable_id
from tests.support.loopback_site import LoopbackSite

HOSTILE_FEEDS = ("never", "tarpit", "malformed", "endless", "loop", "unsafe")


class StreamingBenchSite(SampleSite):
    """Reports ``{"slug", "title", "text", "delay", "published"?}`` spread over outlets."""

    def __init__(self, reports: list[dict], outlets: int):
        names = [{"id": f"outlet{i:02d}", "name": f"شبكة أخبار {i + 1}"} for i in range(outlets)]
        samples = {"outlets": names, "reports": []}
        for index, report in enumerate(reports):
            samples["reports"].append({
                "slug": report["slug"], "outlet": names[index % outlets]["id"],
                "title": report.get("title") or report["slug"], "text": report["text"],
                "paragraphs": [p for p in report["text"].split("\n") if p.strip()] or ["-"],
                "delay": float(report.get("delay", 0.0)), "published": None,
                "date": report.get("published")})
        super().__init__(samples, auto=True, outlet_hosts=True)
        self.started_wall = time.time()

    def start(self) -> StreamingBenchSite:
        super().start()
        self.started_wall = time.time()
        for report in self.samples["reports"]:  # RSS pubDate: the report's date, else release
            when = dt.datetime.fromtimestamp(self.started_wall + report["delay"], dt.timezone.utc)
            report["published"] = (f"{report['date']}T08:00:00Z" if report["date"] else
                                   when.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"))
        return self

    def released_at(self, slug: str) -> float:
        """Epoch seconds when ``slug`` entered its outlet's feed."""
        report = next(r for r in self.samples["reports"] if r["slug"] == slug)
        return self.started_wall + report["delay"]

    def doc_ids(self) -> dict[str, str]:
        """Pipeline doc_id (stable id of the page URL) → slug."""
        return {stable_id(self.page_url(r["slug"])): r["slug"] for r in self.samples["reports"]}

    def _page(self, outlet: dict, slug: str) -> bytes | None:
        report = next((r for r in self.visible(outlet["id"]) if r["slug"] == slug), None)
        if report is None:
            return None
        return render_page(html.escape(report["title"]), html.escape(report["text"]),
                           report["published"][:10]).encode("utf-8")


def hostile_sites(stack: ExitStack) -> dict[str, LoopbackSite]:
    """The hostile feeds of issue 11's measurement, each on its own address."""
    sites = {name: stack.enter_context(LoopbackSite(host=f"127.0.0.{60 + i}"))
             for i, name in enumerate(HOSTILE_FEEDS)}
    sites["never"].hang("/never.xml")
    sites["tarpit"].trickle_head("/tarpit.xml", interval=1.0)  # a byte a second
    sites["malformed"].static("/malformed.xml", "<rss><channel><item><title>خبر",
                              content_type="application/rss+xml")
    sites["endless"].huge("/endless.xml", 10 ** 12)
    sites["loop"].redirect("/loop.xml", "/loop-2.xml")
    sites["loop"].redirect("/loop-2.xml", "/loop.xml")
    sites["unsafe"].static(
        "/unsafe.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
        "<item><title>a</title><link>file:///etc/passwd</link></item>"
        "<item><title>b</title><link>http://169.254.169.254/latest/meta-data/</link></item>"
        "</channel></rss>", content_type="application/rss+xml")
    return sites


def hostile_feed_entries(sites: dict[str, LoopbackSite]) -> list[dict]:
    return [{"id": f"hostile-{name}", "url": site.url(f"/{name}.xml"), "kind": "rss",
             "poll_interval": 10} for name, site in sites.items()]


def allow_args(*hosts: str) -> list[str]:
    return [arg for host in hosts for arg in ("--allow-host", host)]


class AlertLatency:
    """Report-to-alert latency of every alerted event (first alert or digest that names it)."""

    def __init__(self, site: StreamingBenchSite):
        self._site = site
        self._slugs = site.doc_ids()

    def latencies(self, requests) -> dict[str, float]:
        """event_id → seconds from its earliest report's release to its first alert."""
        seen: dict[str, float] = {}
        for request in requests:
            if request.status >= 300:
                continue
            payload = request.json
            events = payload.get("events") if payload.get("kind") == "digest" else [payload]
            for event in events or []:
                slugs = [self._slugs[s["doc_id"]] for s in event.get("sources") or []
                         if s.get("doc_id") in self._slugs]
                if slugs and event["event_id"] not in seen:
                    released = min(self._site.released_at(slug) for slug in slugs)
                    seen[event["event_id"]] = request.received - released
        return seen


def percentile(values: list[float], share: float) -> float | None:
    """The ``share`` quantile (0.5, 0.95) of ``values``; None when empty."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(sorted(values), n=100, method="inclusive")[round(share * 100) - 1]


def es_count(client, prefix: str, kind: str) -> int:
    try:
        client.indices.refresh(index=f"{prefix}-{kind}")
        return client.count(index=f"{prefix}-{kind}")["count"]
    except Exception:  # noqa: BLE001 - index not there yet
        return 0


def es_docs(client, prefix: str, kind: str) -> list[dict]:
    client.indices.refresh(index=f"{prefix}-{kind}")
    response = client.search(index=f"{prefix}-{kind}", size=10000)
    return [hit["_source"] for hit in response["hits"]["hits"]]

