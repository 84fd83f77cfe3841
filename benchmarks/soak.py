"""Soak: `defwatch run` for minutes against 20 outlets publishing continuously; memory and state.

A loopback news site of ``--outlets`` outlets (each on its own 127.0.0.x address) publishes a
generated report every ``--publish-interval`` seconds, round robin, for the whole run, while
``defwatch run`` (Prism, the real Elasticsearch at ``DEFWATCH_ES_URL``) polls them. Every
``--sample`` seconds the resident memory (RSS) of the run's whole process tree (the CLI with
its SDK worker, and Prism) is sampled; the slope is fitted (least squares, MB per minute) over
the samples after the first third (warm-up: imports, JIT, first bundles).

Afterwards: every report is an article, every incident one event, every cursor in
``<prefix>-state`` holds no more ids than the cursor cap (state that cannot grow without
bound), and nothing is dead-lettered. Prints a JSON report (``--json``) or a markdown table.

    DEFWATCH_ES_URL=http://127.0.0.1:9200 .venv/bin/python benchmarks/soak.py --minutes 10
    .venv/bin/python benchmarks/soak.py --minutes 0.5 --json       # what CI runs (short)
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

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from elasticsearch import Elasticsearch  # noqa: E402

from schemas.index_setup import install, uninstall  # noqa: E402
from tests.support.news_site import NewsSite  # noqa: E402


def tree_rss(pid: int) -> dict[str, int]:
    """Bytes of resident memory of ``pid`` and its descendants, by process name."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return {}
    by_name: dict[str, int] = {}
    for proc in procs:
        try:
            name = "prism" if "prism" in proc.name() else "python"
            by_name[name] = by_name.get(name, 0) + proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return by_name


def slope_mb_per_min(samples: list[tuple[float, int]]) -> float:
    """Least-squares slope of (seconds, bytes) samples in MB per minute (0 for < 2)."""
    if len(samples) < 2:
        return 0.0
    xs = [t for t, _ in samples]
    ys = [b / 1e6 for _, b in samples]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    var = sum((x - mx) ** 2 for x in xs)
    if var == 0:
        return 0.0
    return 60.0 * sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var


def _count(client, index: str) -> int:
    client.options(ignore_status=404).indices.refresh(index=index)
    return client.options(ignore_status=404).count(index=index).get("count", 0)


def _cursor_sizes(client, prefix: str) -> list[int]:
    """Number of ids each feed cursor in ``<prefix>-state`` holds."""
    client.indices.refresh(index=f"{prefix}-state")
    hits = client.search(index=f"{prefix}-state", size=1000)["hits"]["hits"]
    sizes = []
    for hit in hits:
        source = hit["_source"]
        ids = source.get("seen") or source.get("ids") or source.get("entry_ids") or []
        sizes.append(len(ids) if isinstance(ids, list) else 0)
    return sizes


def soak(es_url: str, minutes: float, outlets: int, publish_interval: float,
         sample_every: float, poll_interval: int = 5, log: str | None = None,
         tick_interval: float = 1.0, copy_every: int = 0) -> dict:
    """Run the soak and return its measurements (see the module docstring)."""
    client = Elasticsearch(es_url, request_timeout=60)
    prefix = f"soak-{uuid.uuid4().hex[:8]}"
    install(client, prefix=prefix)
    try:
        duration = minutes * 60
        with NewsSite(outlets=outlets, first_host=40, keep_items=30,
                      copy_every=copy_every) as site, \
                tempfile.TemporaryDirectory() as tmp:
            feeds = Path(tmp) / "feeds.yaml"
            feeds.write_text(site.feeds_yaml(), encoding="utf-8")
            site.publish(outlets)
            site.publish_every(publish_interval)
            proc = subprocess.Popen(
                [sys.executable, "-m", "pipelines.cli", "run", "--feeds", str(feeds), "--es-url",
                 es_url, "--index-prefix", prefix, "--duration", str(duration), "--no-setup",
                 "--poll-interval", str(poll_interval), "--tick-interval", str(tick_interval),
                 "--status-interval", "0", *site.allow_hosts()],
                cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                start_new_session=True)
            started = time.monotonic()
            samples: list[tuple[float, int]] = []
            parts: dict[str, list[tuple[float, int]]] = {}
            try:
                quiet = max(duration * 0.6, duration - 20)  # then the last reports get polled
                while proc.poll() is None and time.monotonic() - started < duration:
                    now, rss = time.monotonic() - started, tree_rss(proc.pid)
                    samples.append((now, sum(rss.values())))
                    for name, value in rss.items():
                        parts.setdefault(name, []).append((now, value))
                    if time.monotonic() - started >= quiet:
                        site.stop_publishing()
                    time.sleep(sample_every)
                site.stop_publishing()
                published = len(site.reports)
                code = proc.wait(timeout=duration + 300)
            finally:
                if proc.poll() is None:
                    os.killpg(proc.pid, signal.SIGKILL)
            stderr = proc.stderr.read()
            if log:
                Path(log).write_text(stderr, encoding="utf-8")
            articles = _count(client, f"{prefix}-articles")
            deadline = time.monotonic() + 60
            while articles < published and time.monotonic() < deadline:
                time.sleep(1)
                articles = _count(client, f"{prefix}-articles")
            steady = samples[len(samples) // 3:]
            result = {
                "minutes": minutes, "outlets": outlets, "publish_interval_s": publish_interval,
                "tick_interval_s": tick_interval,
                "exit_code": code, "reports_published": published,
                "articles": articles, "missing_articles": len(site.article_ids()) - articles,
                "incidents": len({r.incident for r in site.reports}),
                "events": _count(client, f"{prefix}-events"),
                "dead_letters": _count(client, f"{prefix}-deadletter"),
                "cursor_ids_max": max(_cursor_sizes(client, prefix), default=0),
                "feeds_in_state": len(_cursor_sizes(client, prefix)),
                "rss_mb_start": round(steady[0][1] / 1e6, 1) if steady else None,
                "rss_mb_end": round(samples[-1][1] / 1e6, 1) if samples else None,
                "rss_mb_peak": round(max(b for _, b in samples) / 1e6, 1) if samples else None,
                "rss_slope_mb_per_min": round(slope_mb_per_min(steady), 2),
                "rss_slope_by_process": {name: round(slope_mb_per_min(values[len(values) // 3:]), 2)
                                         for name, values in parts.items()},
                "rss_mb_end_by_process": {name: round(values[-1][1] / 1e6, 1)
                                          for name, values in parts.items()},
                "samples": len(samples), "stderr_tail": stderr.strip().splitlines()[-5:],
            }
    finally:
        uninstall(client, prefix)
        client.close()
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--outlets", type=int, default=20)
    parser.add_argument("--publish-interval", type=float, default=1.0,
                        help="seconds between two reports (round robin over the outlets)")
    parser.add_argument("--sample", type=float, default=5.0, help="seconds between RSS samples")
    parser.add_argument("--poll-interval", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log", help="write the run's whole stderr to this file")
    parser.add_argument("--tick-interval", type=float, default=1.0)
    parser.add_argument("--copy-every", type=int, default=0,
                        help="every Nth report is another outlet's copy of the previous "
                             "incident (0: none; copies a second apart may stay unlinked)")
    args = parser.parse_args(argv)
    es_url = os.environ.get("DEFWATCH_ES_URL", "http://127.0.0.1:9200")
    result = soak(es_url, args.minutes, args.outlets, args.publish_interval, args.sample,
                  args.poll_interval, args.log, args.tick_interval, args.copy_every)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"| {key} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
