"""Issue 11's end-to-end run: hostile feeds among good ones, scored against batch extraction.

    .venv/bin/python benchmarks/e2e_streaming.py [--corpus GOLD.jsonl] [--reports N]
        [--spread 100] [--json]

Needs a local Elasticsearch (``DEFWATCH_ES_URL`` or ``defwatch local-es status``) and Prism.
The gold reports (default: ``tests/fixtures/heldout_reports.jsonl``; the shared dev corpus
works too, read where it lies) appear one by one over ``--spread`` seconds on a loopback news
site of 3 outlets, each on its own address, next to hostile feeds on theirs: one never
answers, one trickles its headers a byte a second, one is malformed, one never ends, one
redirects in a loop, one lists unsafe URLs. Then:

1. ``defwatch run --poll-interval 3 --duration spread+40`` with a webhook alert: does it end
   by itself (within the drain time + 10 s of its duration)?
2. The events in Elasticsearch, scored with ``../shared/eval/score.py`` against the gold,
   next to ``defwatch extract`` on the same reports (target: within 0.03 events F1).
3. Report-to-alert latency (report entering its feed → alert or digest received): p50, p95.
4. A restart (``--duration 25``): no event, article or alert added.
5. ``defwatch feeds check`` over the same feeds: its time (target ≤ 100 s), a row per feed.

Prints the numbers; asserts nothing (see benchmarks/README.md).
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_streaming import DEFWATCH, es_url  # noqa: E402
from benchmarks.streaming_site import (  # noqa: E402
    AlertLatency,
    StreamingBenchSite,
    allow_args,
    es_count,
    es_docs,
    hostile_feed_entries,
    hostile_sites,
    percentile,
)
from connectors.es_client import make_client  # noqa: E402
from pipelines.options import DEFAULTS  # noqa: E402
from schemas.index_setup import uninstall  # noqa: E402
from tests.support.receivers import WebhookReceiver  # noqa: E402
from transforms.learning.gold import load_scorer  # noqa: E402

DEFAULT_CORPUS = REPO / "tests" / "fixtures" / "heldout_reports.jsonl"
DRAIN = DEFAULTS["drain_seconds"]  # the run's drain (no article decision delay here)


def load_reports(path: Path, count: int | None, spread: float) -> list[dict]:
    """The first ``count`` gold reports with text, each given its release delay."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    rows = [r for r in rows if r.get("text")][:count]
    for index, row in enumerate(rows):
        row["slug"] = str(row["doc_id"])
        row["delay"] = 5.0 + spread * index / max(1, len(rows) - 1)
    return rows


def score(gold: Path, events: Path) -> dict:
    """Events F1 of ``events`` against ``gold`` (the shared scorer, ``../shared/eval``)."""
    scorer = load_scorer()
    result = scorer.score(scorer.load_jsonl(gold), scorer.load_jsonl(events))
    return {"f1": result["events"]["f1"], "precision": result["events"]["precision"],
            "recall": result["events"]["recall"], "stray": len(result.get("stray_doc_ids") or [])}


def es_events_as_gold_ids(client, prefix: str, site: StreamingBenchSite, path: Path) -> int:
    """The stored events with pipeline doc_ids mapped back to the gold doc_ids; how many."""
    slugs = site.doc_ids()
    events = es_docs(client, prefix, "events")
    with path.open("w", encoding="utf-8") as handle:
        for event in events:
            for key in ("evidence", "sources"):
                for item in event.get(key) or []:
                    item["doc_id"] = slugs.get(item.get("doc_id"), item.get("doc_id"))
            handle.write(json.dumps(event, ensure_ascii=False) + "\n")
    return len(events)


def run(args_list: list[str], timeout: float) -> tuple[int, float, str]:
    started = time.monotonic()
    proc = subprocess.run([*DEFWATCH, "run", *args_list], cwd=REPO, capture_output=True,
                          text=True, timeout=timeout)
    return proc.returncode, time.monotonic() - started, proc.stderr


def feeds_check(feeds: Path, hosts: list[str], count: int) -> dict:
    started = time.monotonic()
    out = subprocess.run([*DEFWATCH, "feeds", "check", str(feeds), *allow_args(*hosts)],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    rows = {line.split()[0]: line.split()[2] for line in out.stdout.splitlines()[1:]
            if line.strip()}
    return {"seconds": round(time.monotonic() - started, 1), "rows": len(rows),
            "feeds": count, "status": rows}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--reports", type=int, default=None, help="first N reports (all)")
    parser.add_argument("--spread", type=float, default=100.0,
                        help="seconds over which the reports appear (default 100)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    url = es_url()
    client = make_client(url)
    reports = load_reports(args.corpus, args.reports, args.spread)
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    duration = args.spread + 40
    result: dict = {"reports": len(reports), "duration": duration}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        site = stack.enter_context(StreamingBenchSite(reports, 3))
        hostile = hostile_sites(stack)
        hook = stack.enter_context(WebhookReceiver())
        feeds = yaml.safe_load(site.feeds_yaml())
        feeds["feeds"] += hostile_feed_entries(hostile)
        feeds_path = tmp / "feeds.yaml"
        feeds_path.write_text(yaml.safe_dump(feeds, allow_unicode=True), encoding="utf-8")
        hosts = [*site.hosts, *(s.host for s in hostile.values())]
        common = ["--feeds", str(feeds_path), "--es-url", url, "--index-prefix", prefix,
                  "--poll-interval", "3", "--status-interval", "30", "--alert",
                  hook.json_url("/hook"), *allow_args(*hosts)]
        try:
            code, seconds, log = run([*common, "--duration", str(duration)],
                                     timeout=duration + DRAIN + 120)
            result["run"] = {"exit": code, "seconds": round(seconds, 1),
                             "ended_in_time": seconds <= duration + DRAIN + 10,
                             "status": [line for line in log.splitlines()
                                        if line.startswith("defwatch ")][-1:]}
            counts = {kind: es_count(client, prefix, kind)
                      for kind in ("articles", "events", "alerts")}
            alerts_before = len([r for r in hook.requests if r.status < 300])
            result["stored"] = counts
            gold = tmp / "gold.jsonl"
            gold.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in reports),
                            encoding="utf-8")
            stream_events = tmp / "stream.jsonl"
            es_events_as_gold_ids(client, prefix, site, stream_events)
            extracted = tmp / "extract.jsonl"
            subprocess.run([*DEFWATCH, "extract", str(gold), "-o", str(extracted), "--quiet"],
                           cwd=REPO, check=True)
            result["score"] = {"streaming": score(gold, stream_events),
                               "extract": score(gold, extracted)}
            result["score"]["f1_gap"] = round(result["score"]["extract"]["f1"]
                                              - result["score"]["streaming"]["f1"], 4)
            values = sorted(AlertLatency(site).latencies(hook.requests).values())
            result["latency"] = {"alerted": len(values),
                                 "p50": round(percentile(values, 0.5) or 0, 1),
                                 "p95": round(percentile(values, 0.95) or 0, 1),
                                 "max": round(max(values, default=0), 1)}
            code, seconds, _ = run([*common, "--duration", "25"], timeout=25 + DRAIN + 120)
            after = {kind: es_count(client, prefix, kind) for kind in counts}
            result["restart"] = {"exit": code, "seconds": round(seconds, 1), "stored": after,
                                 "added": {k: after[k] - counts[k] for k in counts},
                                 "alerts_added": len([r for r in hook.requests
                                                      if r.status < 300]) - alerts_before}
            result["feeds_check"] = feeds_check(feeds_path, hosts, len(feeds["feeds"]))
        finally:
            uninstall(client, prefix)
    client.close()
    print(json.dumps(result, indent=None if args.json else 2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
