"""``defwatch brief --since 7d -o brief.html``: the period's picture as one offline page.

Reads the events of the period from Elasticsearch (incidents whose own date falls in it, and
those first seen in it whose date is unknown), builds the brief (``pipelines/brief_data.py``)
and writes a self-contained HTML page, or a PDF printed by headless Chromium
(``pipelines/brief_render.py``).
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from connectors.es_client import add_es_arguments, es_target_from_args
from pipelines.brief_data import build_brief, governorate_points
from pipelines.brief_render import PdfError, find_chromium, print_pdf, render_html
from pipelines.cli import CommandError, OneLineParser
from pipelines.event_query import EventFilter, QueryError, parse_when
from pipelines.search_cmd import fetch_events
from schemas.records import SIDES, utc_now_iso
from transforms.gazetteer import Gazetteer

EXAMPLES = """examples:
  defwatch brief --since 7d -o brief.html
  defwatch brief --since 2024-11-01 --until 2024-11-30 --governorate "دير الزور" -o nov.html
  defwatch brief --since 1m --format pdf -o month.pdf      # needs Chromium

The page needs no network to view: map, timeline and tables are drawn inline.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="defwatch brief", epilog=EXAMPLES,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Write the period's defection brief: a map-like plot, a "
                                 "timeline, tables by side, unit and governorate, and the "
                                 "most corroborated incidents with their evidence.")
    parser.add_argument("--since", default="7d",
                        help="start: YYYY-MM-DD, YYYY-MM, YYYY or an age (7d, 2w, 3m, 1y); "
                             "default 7d")
    parser.add_argument("--until", help="end (default today)")
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the HTML (or PDF) file to write")
    parser.add_argument("--format", choices=("html", "pdf"), default=None,
                        help="html (default; pdf when FILE ends in .pdf)")
    parser.add_argument("--side", choices=SIDES, help="only this side")
    parser.add_argument("--actor", help="only this group (name or id)")
    parser.add_argument("--governorate", help="only this governorate")
    parser.add_argument("--chromium", help="Chromium executable for --format pdf")
    add_es_arguments(parser)
    return parser


def _fail(message: str) -> int:
    print(f"defwatch brief: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    today = dt.date.today()
    fmt = args.format or ("pdf" if args.output.lower().endswith(".pdf") else "html")
    try:
        since = parse_when(args.since, today)
        until = parse_when(args.until, today, end=True) if args.until else today
        query = EventFilter(since=since, until=until, side=args.side, actor=args.actor,
                            governorate=args.governorate, undated_seen=True).validate()
        chromium = find_chromium(args.chromium) if fmt == "pdf" else None
    except (QueryError, PdfError) as error:
        parser.error(str(error))
    try:
        events = fetch_events(es_target_from_args(args), query, sort="date", size=None)
    except CommandError as error:
        return _fail(str(error))
    places = list(Gazetteer.load())
    brief = build_brief(events, since, until, governorate_points(places), utc_now_iso())
    html = render_html(brief, places)
    out = Path(args.output)
    try:
        if fmt == "pdf":
            print_pdf(html, out, chromium)
        else:
            out.write_text(html, encoding="utf-8")
    except PdfError as error:
        return _fail(str(error))
    except OSError as error:
        return _fail(f"cannot write {out}: {error.strerror}")
    print(f"wrote {out}: {brief.incidents} incidents, {brief.defectors} defectors, "
          f"{since} – {until}", file=sys.stderr)
    return 0
