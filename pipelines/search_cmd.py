"""``defwatch search QUERY``: search defection events from the terminal.

The query runs as a ``multi_match`` over the Arabic-analysed text fields (evidence, actor,
places, destination, date text) and the English names, so ``انشقاق الدفاع الوطني``,
``الإنشقاقات`` and ``National Defence`` all work. Filters narrow by actor id, governorate and
date. Output is a table (one line per event) or, with ``--json``, one event JSON per line.
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from connectors.es_client import add_es_arguments, describe_error, es_target_from_args
from schemas.indices import DEFAULT_PREFIX, alias
from schemas.records import DefectionEvent

TEXT_FIELDS = [
    "evidence.text", "actor.name_ar^3", "actor.parent_ar", "actor.name_en^3", "actor.id^3",
    "location.name_ar^2", "location.area_ar", "location.governorate_ar", "location.name_en^2",
    "destination.name_ar", "destination.name_en", "destination.id", "date.text_ar", "reasons",
]
COUNT_SIGNS = {"exact": "", "at_least": "≥", "approx": "~"}
COLUMNS = ("date", "actor", "count", "place", "governorate", "src", "evidence")
EVIDENCE_WIDTH = 70


def build_query(text: str | None, actor: str | None = None, governorate: str | None = None,
                since: str | None = None) -> dict[str, Any]:
    """The Elasticsearch query for the search words and filters."""
    must: list[dict] = []
    if text and text.strip():
        must.append({"multi_match": {"query": text, "fields": TEXT_FIELDS,
                                     "type": "best_fields", "lenient": True}})
    filters: list[dict] = []
    if actor:
        filters.append({"term": {"actor.id": actor}})
    if governorate:
        filters.append({"multi_match": {
            "query": governorate, "operator": "and",
            "fields": ["location.governorate_ar", "location.area_ar", "location.name_en"]}})
    if since:
        filters.append({"bool": {"minimum_should_match": 1, "should": [
            {"range": {"date.start": {"gte": since}}},
            {"bool": {"must_not": {"exists": {"field": "date.start"}},
                      "filter": {"range": {"first_seen": {"gte": since}}}}},
        ]}})
    return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}


def search_events(client: Elasticsearch, text: str | None, *, actor: str | None = None,
                  governorate: str | None = None, since: str | None = None, size: int = 20,
                  prefix: str = DEFAULT_PREFIX) -> list[DefectionEvent]:
    """The best-matching events (newest first when there are no search words)."""
    sort = None if text and text.strip() else [
        {"date.start": {"order": "desc", "missing": "_last", "unmapped_type": "date"}},
        {"first_seen": {"order": "desc", "unmapped_type": "date"}}]
    response = client.search(index=alias("events", prefix), size=size, sort=sort,
                             query=build_query(text, actor, governorate, since))
    return [DefectionEvent.from_dict(hit["_source"]) for hit in response["hits"]["hits"]]


def first_sentence(event: DefectionEvent, width: int = EVIDENCE_WIDTH) -> str:
    """The first evidence sentence on one line, shortened to ``width`` characters."""
    text = " ".join(event.evidence[0].text.split()) if event.evidence else ""
    return text if len(text) <= width else text[:width - 1] + "…"


def table_row(event: DefectionEvent) -> tuple[str, ...]:
    """The table cells of one event."""
    count = "?" if event.count is None else \
        f"{COUNT_SIGNS.get(event.count_qualifier, '')}{event.count}"
    date = event.date.start or (event.first_seen or "")[:10]
    place = event.location.name_ar or event.location.name_en or ""
    return (date, event.actor.id or event.actor.name_ar or event.actor.name_en or "?",
            count, place, event.location.governorate_ar or "", str(event.corroboration),
            first_sentence(event))


def format_table(events: list[DefectionEvent]) -> str:
    """A fixed-width table of ``events`` with a header line."""
    rows = [COLUMNS, *(table_row(e) for e in events)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS) - 1)]
    return "\n".join(
        "  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)),
                   row[-1]]).rstrip()
        for row in rows)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="defwatch search",
                                     description="Search defection events (Arabic or English).")
    parser.add_argument("query", nargs="?", default="",
                        help="search words; empty lists the newest events")
    parser.add_argument("--actor", help="actor id, e.g. ndf, irgc, sdf")
    parser.add_argument("--governorate", help="governorate (Arabic or English), e.g. دير الزور")
    parser.add_argument("--since", help="only incidents on or after this date (YYYY-MM-DD)")
    parser.add_argument("--size", type=int, default=20, help="at most N events (default 20)")
    parser.add_argument("--json", action="store_true", help="one event JSON per line")
    add_es_arguments(parser)
    return parser


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    target = es_target_from_args(args)
    client = target.client()
    try:
        events = search_events(client, args.query, actor=args.actor,
                               governorate=args.governorate, since=args.since,
                               size=args.size, prefix=target.index_prefix)
    except NotFoundError:
        print(f"defwatch search: no index {alias('events', target.index_prefix)!r} at "
              f"{target.display}; run `defwatch setup` first", file=sys.stderr)
        return 1
    except (ApiError, TransportError) as error:
        print(f"defwatch search: {describe_error(error, target)}", file=sys.stderr)
        return 1
    finally:
        client.close()
    if args.json:
        for event in events:
            print(json.dumps(event.to_dict(), ensure_ascii=False))
        return 0
    if not events:
        print("no events match")
        return 0
    print(format_table(events))
    return 0
