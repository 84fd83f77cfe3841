"""``defwatch extract FILE -o OUT [--dedup]``: defection events of a JSONL file, offline.

Reads documents in the JSONL input shape of DESIGN.md (``doc_id``, ``url``, ``title``,
``published``, ``text`` or ``html``; extra fields such as gold ``events`` are ignored), cleans
``html`` with trafilatura, runs ``ExtractDefectionEvents`` on a Beam runner (DirectRunner by
default; ``--runner`` and Beam's other options pass through) and writes one event per line to
OUT, sorted by document and position. ``--dedup`` clusters the reports of one incident across
documents (``transforms.event_dedup.cluster_events``). No Elasticsearch needed.

    defwatch extract reports.jsonl -o events.jsonl
    defwatch extract reports.jsonl -o incidents.jsonl --dedup
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

from schemas.records import DEAD_LETTER, DeadLetter, DefectionEvent, Document


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (Beam options are passed through)."""
    parser = argparse.ArgumentParser(
        prog="defwatch extract", description=__doc__.split("\n")[0],
        epilog="Beam options such as --runner=PrismRunner pass through to the pipeline.")
    parser.add_argument("file", help="input JSON Lines file ('-' for stdin)")
    parser.add_argument("-o", "--output", required=True, help="output JSON Lines file")
    parser.add_argument("--dedup", action="store_true",
                        help="cluster the reports of one incident across documents")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _progress(args, message: str) -> None:
    """One progress line on stderr."""
    if not args.quiet:
        print(f"defwatch extract: {message}", file=sys.stderr, flush=True)


def _clean(record: dict) -> tuple[str | None, str | None, str | None]:
    """Text, title and date of a record: trafilatura on ``html`` when given, else ``text``."""
    html = record.get("html")
    if html:
        try:
            from transforms.clean import clean_html
        except ImportError:  # pragma: no cover - depends on the tree
            clean_html = None
        if clean_html is not None:
            page = clean_html(html, record.get("url"))
            if page is not None:
                return page.text, page.title, page.date
    return record.get("text"), None, None


def read_documents(lines, dead: list[DeadLetter], source: str) -> list[Document]:
    """Documents of the JSONL lines; bad lines become dead letters."""
    docs = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if not isinstance(record, dict) or not record.get("doc_id"):
                raise ValueError("no doc_id")
            text, title, date = _clean(record)
            if not text:
                raise ValueError("no text (and no html with article text)")
            docs.append(Document(
                doc_id=str(record["doc_id"]), url=record.get("url"),
                title=record.get("title") or title,
                published=(record.get("published") or date or None),
                text=text, outlet=record.get("outlet")))
        except (ValueError, TypeError) as error:
            dead.append(DeadLetter(stage="read", reason=type(error).__name__, source=source,
                                   detail=f"line {number}: {error}", payload=line[:500]))
    return docs


def run_pipeline(docs: list[Document], beam_args: list[str], workdir: str):
    """Run ExtractDefectionEvents over ``docs``; return (events, dead letters)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from transforms.extraction import ExtractDefectionEvents

    events_prefix = os.path.join(workdir, "events")
    dead_prefix = os.path.join(workdir, "dead")
    options = PipelineOptions(beam_args or ["--runner=DirectRunner"])
    with beam.Pipeline(options=options) as pipeline:
        out = (pipeline
               | "ReadDocuments" >> beam.Create(docs)
               | "ExtractDefectionEvents" >> ExtractDefectionEvents())
        _ = (out.main
             | "EventsToJson" >> beam.Map(lambda e: json.dumps(e.to_dict(), ensure_ascii=False))
             | "WriteEvents" >> beam.io.WriteToText(events_prefix, file_name_suffix=".jsonl"))
        _ = (out[DEAD_LETTER]
             | "DeadToJson" >> beam.Map(lambda d: json.dumps(d.to_dict(), ensure_ascii=False))
             | "WriteDead" >> beam.io.WriteToText(dead_prefix, file_name_suffix=".jsonl"))
    events = [DefectionEvent.from_dict(json.loads(line))
              for line in _read_shards(workdir, "events")]
    dead = [DeadLetter.from_dict(json.loads(line)) for line in _read_shards(workdir, "dead")]
    return events, dead


def _read_shards(workdir: str, prefix: str) -> list[str]:
    """The lines of every output shard ``prefix-*`` in ``workdir``."""
    lines = []
    for name in sorted(os.listdir(workdir)):
        if name.startswith(prefix + "-"):
            with open(os.path.join(workdir, name), encoding="utf-8") as handle:
                lines.extend(line for line in handle if line.strip())
    return lines


def sort_key(event: DefectionEvent):
    """Deterministic output order: document, position of the first evidence, id."""
    first = event.evidence[0] if event.evidence else None
    doc = first.doc_id if first else (event.sources[0].doc_id if event.sources else "")
    return (doc, first.start if first else -1, event.event_id)


def main(argv: list[str]) -> int:
    """Entry point of ``defwatch extract``."""
    args, beam_args = build_parser().parse_known_args(argv)
    cluster = None
    if args.dedup:
        try:
            from transforms.event_dedup import cluster_events as cluster
        except ImportError as error:
            print(f"defwatch extract: --dedup needs transforms.event_dedup ({error})",
                  file=sys.stderr)
            return 2
    dead: list[DeadLetter] = []
    if args.file == "-":
        docs = read_documents(sys.stdin, dead, "stdin")
    else:
        try:
            with open(args.file, encoding="utf-8") as handle:
                docs = read_documents(handle, dead, args.file)
        except OSError as error:
            print(f"defwatch extract: cannot read {args.file}: {error}", file=sys.stderr)
            return 2
    _progress(args, f"{len(docs)} documents read ({len(dead)} bad lines)")
    events: list[DefectionEvent] = []
    if docs:
        with tempfile.TemporaryDirectory(prefix="defwatch-extract-") as workdir:
            events, failed = run_pipeline(docs, beam_args, workdir)
        dead.extend(failed)
    events.sort(key=sort_key)
    _progress(args, f"{len(events)} events found in "
                    f"{len({d for e in events for d in e.doc_ids()})} documents")
    if cluster is not None:
        events = sorted(cluster(events), key=sort_key)
        _progress(args, f"{len(events)} incidents after clustering")
    with open(args.output, "w", encoding="utf-8") as handle:
        for event in events:
            handle.write(json.dumps(event.to_dict(), ensure_ascii=False) + "\n")
    for letter in dead:
        _progress(args, f"dead letter [{letter.stage}/{letter.reason}] {letter.detail}")
    _progress(args, f"wrote {args.output}")
    return 1 if dead and not events and not docs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
