"""``defwatch search [WORDS] [filters]``: search defection events from the terminal.

Words run as a ``multi_match`` over the Arabic-analysed text fields (evidence, actor, places,
destination, date text) and the English names, so ``انشقاق الدفاع الوطني``, ``الإنشقاقات`` and
``National Defence`` all work. Filters (``pipelines/event_query.py``) narrow by the incident's
date, actor (name or id), side, place, governorate, destination, count, outlet, weapons,
commanders and distance from a point. Output (``pipelines/event_export.py``) is a table, JSON
Lines, CSV or GeoJSON, on stdout or into ``-o FILE``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import IO

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from connectors.es_client import (
    EsTarget,
    add_es_arguments,
    describe_error,
    es_target_from_args,
)
from pipelines import event_export
from pipelines.cli import CommandError, OneLineParser
from pipelines.event_query import (
    SORTS,
    EventFilter,
    QueryError,
    build_query,
    build_sort,
    parse_point,
    parse_when,
)
from schemas.indices import DEFAULT_PREFIX, alias
from schemas.records import SIDES, DefectionEvent

EXAMPLES = """examples:
  defwatch search "الدفاع الوطني" --since 3m
  defwatch search --actor "جيش الأحرار" --until 2021-06 --sort count
  defwatch search --side iran_backed --governorate "دير الزور" --min-count 5 --with-weapons
  defwatch search --near 34.45,40.92 --radius 30 --format geojson -o bukamal.geojson
  defwatch search --since 2024-01-01 --all --format csv -o events.csv

Dates are the incidents' own (an incident counts when its date range overlaps the window;
events whose date is unknown are left out of a dated search unless --undated asks for those
first seen in the window). Ages count back from today: 7d, 2w, 3m, 1y.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="defwatch search", epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Search defection events (Arabic or English words and "
                                 "filters).")
    parser.add_argument("query", nargs="?", default="",
                        help="search words; none lists the newest incidents")
    when = parser.add_argument_group("when")
    when.add_argument("--since", help="incidents on or after: YYYY-MM-DD, YYYY-MM, YYYY or "
                                      "an age (7d, 2w, 3m, 1y)")
    when.add_argument("--until", help="incidents on or before (same forms; a month or year "
                                      "means its last day)")
    when.add_argument("--undated", action="store_true",
                      help="also incidents of unknown date first seen in the window")
    who = parser.add_argument_group("who and where")
    who.add_argument("--actor", help="group by name or id, e.g. 'الدفاع الوطني', ndf, "
                                     "'National Defence' (its units match too)")
    who.add_argument("--side", choices=SIDES, help="the actor's side")
    who.add_argument("--place", help="place, area or gazetteer id, e.g. الميادين")
    who.add_argument("--governorate", help="governorate, e.g. 'دير الزور'")
    who.add_argument("--destination", help="where they went, e.g. قسد, sdf, تركيا")
    who.add_argument("--near", metavar="LAT,LON", help="around a point (with --radius)")
    who.add_argument("--radius", type=float, metavar="KM",
                     help="kilometres around --near (default 25)")
    what = parser.add_argument_group("what")
    what.add_argument("--min-count", type=int, metavar="N", help="at least N defectors")
    what.add_argument("--outlet", help="reported by this outlet (name or domain)")
    what.add_argument("--with-weapons", action="store_true", help="left with their weapons")
    what.add_argument("--commander", action="store_true", help="a commander among them")
    out = parser.add_argument_group("output")
    out.add_argument("--sort", choices=SORTS,
                     help="newest incident first (default without words), most defectors "
                          "or most sources; with words the default is relevance")
    out.add_argument("--format", choices=event_export.FORMATS, default="table",
                     help="table (default), jsonl, csv or geojson")
    out.add_argument("--json", action="store_true", help="same as --format jsonl")
    out.add_argument("--size", type=int, default=20, help="at most N events (default 20)")
    out.add_argument("--all", action="store_true", help="every matching event (exports)")
    out.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    add_es_arguments(parser)
    return parser


def event_filter(args: argparse.Namespace, today: dt.date) -> EventFilter:
    """The filter of the parsed arguments (QueryError on a bad value)."""
    return EventFilter(
        text=args.query or None,
        since=parse_when(args.since, today) if args.since else None,
        until=parse_when(args.until, today, end=True) if args.until else None,
        actor=args.actor, side=args.side, place=args.place, governorate=args.governorate,
        destination=args.destination, min_count=args.min_count, outlet=args.outlet,
        with_weapons=args.with_weapons, commander=args.commander,
        near=parse_point(args.near) if args.near else None, radius_km=args.radius,
        undated_seen=args.undated,
    ).validate()


def search_events(client: Elasticsearch, query: EventFilter, *, sort: str | None = None,
                  size: int | None = 20, prefix: str = DEFAULT_PREFIX) -> list[DefectionEvent]:
    """The matching events, best or newest first (``size=None``: all of them)."""
    body_query = build_query(query)
    order = build_sort(sort, bool(query.text and query.text.strip()))
    index = alias("events", prefix)
    if size is None:
        hits = helpers.scan(client, index=index, query={"query": body_query,
                                                         "sort": order or ["_score"]},
                            preserve_order=True, size=500)
        return [DefectionEvent.from_dict(hit["_source"]) for hit in hits]
    response = client.search(index=index, size=size, sort=order, query=body_query)
    return [DefectionEvent.from_dict(hit["_source"]) for hit in response["hits"]["hits"]]


def fetch_events(target: EsTarget, query: EventFilter, *, sort: str | None = None,
                 size: int | None = 20) -> list[DefectionEvent]:
    """``search_events`` on the cluster of ``target`` (a client of its own, closed after);
    a missing events index or a cluster error is a ``CommandError`` of one line naming it."""
    client = target.client()
    try:
        return search_events(client, query, sort=sort, size=size, prefix=target.index_prefix)
    except NotFoundError:
        raise CommandError(f"no index {alias('events', target.index_prefix)!r} at "
                           f"{target.display}; run `defwatch setup` first") from None
    except (ApiError, TransportError) as error:
        raise CommandError(describe_error(error, target)) from None
    finally:
        client.close()


def _write(events: list[DefectionEvent], fmt: str, path: str | None) -> None:
    """Events in ``fmt`` to ``path`` (CSV files get a BOM so spreadsheets read UTF-8)."""
    writer = event_export.WRITERS[fmt]
    if not path or path == "-":
        writer(events, sys.stdout)
        return
    encoding = "utf-8-sig" if fmt == "csv" else "utf-8"
    handle: IO[str]
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer(events, handle)
    print(f"wrote {len(events)} events to {path}", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    fmt = "jsonl" if args.json else args.format
    if args.size <= 0:
        parser.error(f"--size {args.size} must be at least 1 (use --all for every event)")
    try:
        query = event_filter(args, dt.date.today())
    except QueryError as error:
        parser.error(str(error))
    try:
        events = fetch_events(es_target_from_args(args), query, sort=args.sort,
                              size=None if args.all else args.size)
    except CommandError as error:
        print(f"defwatch search: {error}", file=sys.stderr)
        return error.exit_code
    try:
        _write(events, fmt, args.output)
    except OSError as error:
        print(f"defwatch search: cannot write {args.output}: {error.strerror}",
              file=sys.stderr)
        return 1
    return 0

