"""``defwatch feeds check FEEDS.yaml``: fetch every feed once and print how each one is doing.

For each feed: HTTP status (or the failure reason: ``timeout``, ``connection_refused``,
``dns_error``, ``tls_error``, ``private_address``, …), entries parsed, the newest item's time,
and the latency. Every feed gets its row: each fetch ends at ``--timeout`` whatever the server
does (hanging, trickling its headers), and the feeds are checked in parallel, so the command
returns within about ``--timeout`` × (feeds / ``--workers``, rounded up) seconds.
Exit status 0 when every feed answered with entries, 1 otherwise, 2 when the file or an
option is invalid. Nothing is stored: cursors live in memory for this run only.

    defwatch feeds check deploy/feeds.yaml
    defwatch feeds check site.yaml --allow-host 127.0.0.1 --timeout 10
"""
from __future__ import annotations

import argparse
import sys
from concurrent.futures import ThreadPoolExecutor

from connectors.cursors import InMemoryCursorStore
from connectors.feed_registry import FeedRegistryError, load_feeds
from connectors.http_fetch import Fetcher, FetchSettings
from connectors.polling import FeedPoller, PollOutcome
from pipelines.options import allow_host_entry

COLUMNS = ("id", "kind", "status", "entries", "newest", "latency")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="defwatch feeds",
                                     description="Check the feeds of a feeds.yaml file.")
    sub = parser.add_subparsers(dest="action", required=True)
    check = sub.add_parser("check", help="fetch each feed once and print a status table")
    check.add_argument("feeds_file", metavar="FEEDS.yaml", help="the feed registry to check")
    check.add_argument("--allow-host", action="append", default=[], metavar="HOST[:PORT]",
                       type=allow_host_entry,
                       help="host (any port) or host:port exempt from the private-address "
                            "guard (repeatable)")
    check.add_argument("--timeout", type=_positive, default=30.0,
                       help="deadline per feed in seconds, everything included (default 30)")
    check.add_argument("--workers", type=int, default=16,
                       help="feeds fetched in parallel (default 16)")
    return parser


def _positive(value: str) -> float:
    """A positive number of seconds (argparse type)."""
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {value!r}")
    return number


def row(outcome: PollOutcome) -> tuple[str, ...]:
    """One table row for a poll outcome."""
    status = outcome.error or (str(outcome.status) if outcome.status else "-")
    if outcome.problem and not outcome.error:
        status += " (bozo)"
    return (outcome.feed.id, outcome.feed.kind, status, str(outcome.parsed),
            outcome.newest or "-", f"{outcome.elapsed * 1000:.0f} ms")


def format_table(rows: list[tuple[str, ...]]) -> str:
    """Rows as an aligned text table under the COLUMNS header."""
    table = [COLUMNS, *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
                     for r in table)


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    try:
        feeds = load_feeds(args.feeds_file)
    except FeedRegistryError as error:
        print(error, file=sys.stderr)
        return 2
    settings = FetchSettings(allow_hosts=tuple(args.allow_host), deadline=args.timeout,
                             connect_timeout=min(10.0, args.timeout),
                             read_timeout=min(20.0, args.timeout), retries=1, host_delay=0.5,
                             host_concurrency=4)
    with Fetcher(settings) as fetcher:
        poller = FeedPoller(fetcher, InMemoryCursorStore())
        workers = max(1, min(args.workers, len(feeds)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(poller.poll, feeds))
    print(format_table([row(o) for o in outcomes]))
    failed = [o for o in outcomes if o.error or not o.parsed]
    for outcome in failed:
        for letter in outcome.dead_letters[:1]:
            print(f"{outcome.feed.id}: {letter.reason}: {letter.detail}", file=sys.stderr)
    return 1 if failed else 0
