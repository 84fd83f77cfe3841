"""Streaming throughput against batch extraction, and report-to-alert latency, in one run.

    .venv/bin/python benchmarks/bench_streaming.py [--outlets 20] [--per-outlet 100] [--json]

Needs a local Elasticsearch (``DEFWATCH_ES_URL``, or ``defwatch local-es status``) and Prism
(``.cache/bin/prism``). Two phases on loopback, same machine, same run:

1. **Throughput.** A news site of ``--outlets`` outlets (each on its own loopback address)
   × ``--per-outlet`` distinct generated reports on realistic ~90 KB pages
   (``synthetic_reports``, ``arabic_page``), all in the feeds from the start.
   - baseline: ``defwatch extract`` over the same pages (JSONL with their HTML), wall time
     of the command, startup included;
   - reference: the same work as a plain loop in one process (``clean_html`` then
     ``extract_events`` per page, no Beam, no Elasticsearch): what one core does at best;
   - streaming: ``defwatch run`` on the default runner (Prism), from the command's start to
     the moment every article is in Elasticsearch. The politeness delay per host is
     ``--host-delay`` (the product's default is 1 s: 20 outlets then cap fetching at
     20 pages/s, which is what a polite crawler should do; the benchmark reports the pipeline's
     own capacity with 0.1 s and says so).
   Printed: articles/s of each and the ratio streaming / batch (target ≥ 0.7).
2. **Latency.** ``--latency-reports`` reports appear one by one over ``--latency-spread``
   seconds on 3 outlets, ``--poll-interval 3``, a webhook alert; report-to-alert latency (from
   the report entering its feed to the webhook receiving the alert or the digest naming the
   event): p50, p95, max.

Nothing is asserted; ratios and percentiles are the result (see benchmarks/README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.streaming_site import (  # noqa: E402
    AlertLatency,
    StreamingBenchSite,
    allow_args,
    es_count,
    percentile,
)
from benchmarks.synthetic_reports import generate  # noqa: E402
from connectors.es_client import make_client  # noqa: E402
from schemas.index_setup import uninstall  # noqa: E402
from tests.support.receivers import WebhookReceiver  # noqa: E402

DEFWATCH = [sys.executable, "-m", "pipelines.cli"]


def es_url() -> str:
    if os.environ.get("DEFWATCH_ES_URL"):
        return os.environ["DEFWATCH_ES_URL"]
    out = subprocess.run([*DEFWATCH, "local-es", "status"], cwd=REPO, capture_output=True,
                         text=True)
    if out.returncode:
        sys.exit("bench_streaming: no Elasticsearch (set DEFWATCH_ES_URL or start local-es)")
    return out.stdout.strip().splitlines()[-1]


def write_feeds(site: StreamingBenchSite, path: Path) -> Path:
    path.write_text(site.feeds_yaml(), encoding="utf-8")
    return path


def time_extract(site: StreamingBenchSite, workdir: Path) -> float:
    """Seconds ``defwatch extract`` takes over the site's pages (the HTML, as fetched)."""
    pages = workdir / "pages.jsonl"
    with pages.open("w", encoding="utf-8") as handle:
        for report in site.samples["reports"]:
            outlet = next(o for o in site.samples["outlets"] if o["id"] == report["outlet"])
            handle.write(json.dumps({
                "doc_id": report["slug"], "url": site.page_url(report["slug"]),
                "title": report["title"], "published": report["published"][:10],
                "html": site._page(outlet, report["slug"]).decode("utf-8")},
                ensure_ascii=False) + "\n")
    started = time.monotonic()
    subprocess.run([*DEFWATCH, "extract", str(pages), "-o", str(workdir / "events.jsonl"),
                    "--quiet"], cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.monotonic() - started


def time_plain_loop(site: StreamingBenchSite) -> float:
    """Seconds a plain in-process loop takes to clean and extract the same pages."""
    from schemas.records import Document
    from transforms.clean import clean_html
    from transforms.extract import extract_events

    pages = []
    for report in site.samples["reports"]:
        outlet = next(o for o in site.samples["outlets"] if o["id"] == report["outlet"])
        pages.append((report, site._page(outlet, report["slug"]).decode("utf-8")))
    extract_events(Document(doc_id="warm", text="انشق عنصران من قوات النظام في دير الزور."))
    started = time.monotonic()
    for report, page in pages:
        cleaned = clean_html(page, site.page_url(report["slug"]))
        extract_events(Document(doc_id=report["slug"], text=cleaned.text if cleaned else "",
                                published=report["published"][:10]))
    return time.monotonic() - started


def run_until(args: list[str], condition, timeout: float) -> tuple[float | None, str]:
    """Start ``defwatch run``; seconds until ``condition()`` holds (None: timeout); stderr."""
    started = time.monotonic()
    log = tempfile.TemporaryFile(mode="w+")
    proc = subprocess.Popen([*DEFWATCH, "run", *args], cwd=REPO, stderr=log,
                            stdout=subprocess.DEVNULL)
    reached = None
    try:
        while time.monotonic() - started < timeout and proc.poll() is None:
            if condition():
                reached = time.monotonic() - started
                break
            time.sleep(0.5)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.seek(0)
        text = log.read()
    return reached, text


def throughput(args, url: str, client) -> dict:
    reports = generate(args.outlets * args.per_outlet)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with StreamingBenchSite(reports, args.outlets) as site, tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        batch_s = time_extract(site, workdir)
        plain_s = time_plain_loop(site)
        feeds = write_feeds(site, workdir / "feeds.yaml")
        total = len(reports)
        run_args = ["--feeds", str(feeds), "--es-url", url, "--index-prefix", prefix,
                    "--poll-interval", "3", "--max-new-per-poll", str(args.per_outlet),
                    "--host-delay", str(args.host_delay), "--status-interval", "15",
                    *allow_args(*site.hosts)]
        try:
            stream_s, log = run_until(
                run_args, lambda: es_count(client, prefix, "articles") >= total,
                timeout=args.timeout)
            stored = es_count(client, prefix, "articles")
        finally:
            uninstall(client, prefix)
    result = {"articles": total, "batch_seconds": round(batch_s, 1),
              "batch_per_s": round(total / batch_s, 2),
              "plain_loop_per_s": round(total / plain_s, 2), "stored": stored,
              "host_delay": args.host_delay}
    if stream_s:
        result.update(stream_seconds=round(stream_s, 1),
                      stream_per_s=round(total / stream_s, 2),
                      ratio=round(batch_s / stream_s, 2),
                      ratio_to_plain_loop=round(plain_s / stream_s, 2))
    else:
        result["error"] = f"not every article stored in {args.timeout}s; log tail: {log[-800:]}"
    return result


def latency(args, url: str, client) -> dict:
    count, spread = args.latency_reports, args.latency_spread
    reports = generate(count, seed=23)
    for index, report in enumerate(reports):
        report["delay"] = 5.0 + spread * index / max(1, count - 1)
    prefix = f"bench-{uuid.uuid4().hex[:8]}"
    with StreamingBenchSite(reports, 3) as site, WebhookReceiver() as hook, \
            tempfile.TemporaryDirectory() as tmp:
        feeds = write_feeds(site, Path(tmp) / "feeds.yaml")
        run_args = ["--feeds", str(feeds), "--es-url", url, "--index-prefix", prefix,
                    "--poll-interval", "3", "--status-interval", "15",
                    "--duration", str(spread + 30), "--alert", hook.json_url("/hook"),
                    *allow_args(*site.hosts)]
        try:
            run_until(run_args, lambda: False, timeout=spread + 90)
            events = es_count(client, prefix, "events")
        finally:
            uninstall(client, prefix)
        seen = AlertLatency(site).latencies(hook.requests)
    values = sorted(seen.values())
    digests = sum(1 for r in hook.requests if r.status < 300 and r.json.get("kind") == "digest")
    return {"reports": count, "spread_seconds": spread, "events": events, "digests": digests,
            "latencies": [round(v, 1) for v in values],
            "alerted": len(values), "p50": _round(percentile(values, 0.5)),
            "p95": _round(percentile(values, 0.95)), "max": _round(max(values, default=None))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--per-outlet", type=int, default=100)
    parser.add_argument("--host-delay", type=float, default=0.1,
                        help="politeness per host in the throughput phase (default 0.1)")
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--latency-reports", type=int, default=60)
    parser.add_argument("--latency-spread", type=float, default=120.0)
    parser.add_argument("--skip", choices=("throughput", "latency"), action="append",
                        default=[])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = es_url()
    client = make_client(url)
    result = {}
    if "throughput" not in args.skip:
        result["throughput"] = throughput(args, url, client)
    if "latency" not in args.skip:
        result["latency"] = latency(args, url, client)
    client.close()
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
