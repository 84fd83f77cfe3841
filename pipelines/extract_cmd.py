"""``defwatch extract FILE -o OUT [--dedup]``: defection events of a JSONL file, offline.

Reads documents in the JSONL input shape (``doc_id``, ``url``, ``title``, ``published``,
``text`` or ``html``; extra fields such as gold ``events`` are ignored; WARC archives work
too), cleans ``html`` with trafilatura, runs ``ExtractDefectionEvents`` on a Beam runner
(DirectRunner by default; ``--runner`` and Beam's other options pass through) and writes one
event per line to OUT, sorted by document and position. ``--dedup`` clusters the reports of
one incident across documents. No Elasticsearch needed.

Bad input never stops the run: a line that is not UTF-8, not JSON, longer than
``--max-line-bytes``, with a field of the wrong type or without text becomes a dead letter
(JSONL, with the reason and line number) in ``--dead-letters`` (default: beside OUT,
``events.jsonl`` → ``events.deadletters.jsonl``); the good lines are processed. Exit codes:
0 when at least one document was processed (or the input is empty), 1 when every record
failed, 2 for bad usage (unknown option, missing input file, unwritable output).

examples:
  defwatch extract reports.jsonl -o events.jsonl
  defwatch extract reports.jsonl -o incidents.jsonl --dedup
  zcat archive.jsonl.gz | defwatch extract - -o - --quiet | jq .actor.name_en
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from pipelines.cli import CommandError
from schemas.records import DEAD_LETTER, DeadLetter, DefectionEvent, Document

MAX_LISTED = 5  # dead letters named one by one on stderr; the file has them all


def build_parser() -> argparse.ArgumentParser:
    """The command's argument parser (Beam options are passed through)."""
    from connectors.archive import MAX_LINE_BYTES

    parser = argparse.ArgumentParser(
        prog="defwatch extract", description=__doc__.split("\n\n", 1)[1].split("\n\nexamples")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
        epilog="examples:" + __doc__.split("examples:")[1].rstrip() +
               "\n\nBeam options such as --runner=PrismRunner pass through to the pipeline.")
    parser.add_argument("file", help="input JSON Lines (or WARC) file; '-' for stdin")
    parser.add_argument("-o", "--output", required=True,
                        help="output JSON Lines file; '-' for stdout")
    parser.add_argument("--dedup", action="store_true",
                        help="cluster the reports of one incident across documents")
    parser.add_argument("--dead-letters", metavar="PATH",
                        help="where bad records go, as JSONL with reasons (default: beside "
                             "the output, OUT.deadletters.jsonl; none with -o - unless given)")
    parser.add_argument("--max-line-bytes", type=int, default=MAX_LINE_BYTES, metavar="N",
                        help="longest input line accepted; longer ones are dead letters "
                             f"(default {MAX_LINE_BYTES})")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    return parser


def _say(args, message: str) -> None:
    """One line on stderr (unless --quiet)."""
    if not args.quiet:
        print(f"defwatch extract: {message}", file=sys.stderr, flush=True)


def dead_letters_path(output: str, given: str | None) -> str | None:
    """``--dead-letters``, else ``OUT.deadletters.jsonl`` beside OUT (None for stdout)."""
    if given:
        return given
    if output == "-":
        return None
    path = Path(output)
    stem = path.name[:-len(path.suffix)] if path.suffix in (".jsonl", ".json") else path.name
    return str(path.with_name(f"{stem}.deadletters.jsonl"))


def read_input(path: str, max_line_bytes: int) -> tuple[list[Document], list[DeadLetter]]:
    """Documents and dead letters of the input file (``-`` = stdin)."""
    from connectors.archive import iter_documents, read_documents

    items = read_documents(sys.stdin.buffer, "stdin", max_line_bytes) if path == "-" \
        else iter_documents(path, max_line_bytes)
    docs: list[Document] = []
    dead: list[DeadLetter] = []
    for item in items:
        (dead if isinstance(item, DeadLetter) else docs).append(item)
    return docs, dead


def _clean(document: Document):
    """A thin DoFn body: the cleaned document, or its dead letter on the tagged output."""
    import apache_beam as beam

    from pipelines.backfill import clean_document

    result = clean_document(document)
    if isinstance(result, DeadLetter):
        return [beam.pvalue.TaggedOutput(DEAD_LETTER, result)]
    return [result]


def run_pipeline(docs: list[Document], beam_args: list[str], workdir: str,
                 progress_token: str | None = None):
    """Clean and extract ``docs`` on Beam; return (events, dead letters)."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines.progress import tick
    from transforms.extraction import ExtractDefectionEvents

    events_prefix = os.path.join(workdir, "events")
    dead_prefix = os.path.join(workdir, "dead")
    options = PipelineOptions(beam_args or ["--runner=DirectRunner"])
    with beam.Pipeline(options=options) as pipeline:
        cleaned = (pipeline
                   | "ReadDocuments" >> beam.Create(docs)
                   | "Clean" >> beam.FlatMap(_clean).with_outputs(DEAD_LETTER, main="main"))
        out = (cleaned.main
               | "Progress" >> beam.Map(tick, progress_token)
               | "ExtractDefectionEvents" >> ExtractDefectionEvents())
        _ = (out.main
             | "EventsToJson" >> beam.Map(lambda e: json.dumps(e.to_dict(), ensure_ascii=False))
             | "WriteEvents" >> beam.io.WriteToText(events_prefix, file_name_suffix=".jsonl"))
        _ = ((cleaned[DEAD_LETTER], out[DEAD_LETTER])
             | "AllDead" >> beam.Flatten()
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


class _JsonLines:
    """An output of JSON lines: stdout, or a file written beside its target and renamed
    into place when complete (a failed run leaves no half-written file)."""

    def __init__(self, path: str):
        self.path = path
        self._temp = None
        if path == "-":
            self._handle = sys.stdout
            return
        target = Path(path)
        if target.is_dir():
            raise CommandError(f"cannot write {path}: it is a directory", exit_code=2)
        try:
            fd, self._temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp",
                                              dir=target.parent if str(target.parent) else ".")
        except OSError as error:
            raise CommandError(f"cannot write {path}: {error.strerror}", exit_code=2) from error
        self._handle = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, records) -> None:
        for record in records:
            self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")

    def commit(self) -> None:
        self._handle.flush()
        if self._temp:
            self._handle.close()
            os.chmod(self._temp, 0o644 & ~_umask())
            os.replace(self._temp, self.path)
            self._temp = None

    def abandon(self) -> None:
        if self._temp:
            self._handle.close()
            Path(self._temp).unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def main(argv: list[str]) -> int:
    """Entry point of ``defwatch extract``."""
    parser = build_parser()
    args, beam_args = parser.parse_known_args(argv)
    from pipelines.options import option_strings, unknown_options, unknown_options_message
    unknown = unknown_options(beam_args, beam_only=True)
    if unknown:  # a typo must not pass silently (Beam would drop it with a mere warning)
        print(unknown_options_message("defwatch extract", unknown, beam_only=True,
                                      also_known=option_strings(parser)), file=sys.stderr)
        return 2
    if args.max_line_bytes < 1:
        raise CommandError("--max-line-bytes must be at least 1", exit_code=2)
    if args.file != "-" and not os.path.isfile(args.file):
        why = "is a directory" if os.path.isdir(args.file) else "no such file"
        raise CommandError(f"cannot read {args.file}: {why}", exit_code=2)
    if args.file != "-" and not os.access(args.file, os.R_OK):
        raise CommandError(f"cannot read {args.file}: permission denied", exit_code=2)
    cluster = None
    if args.dedup:
        from transforms.event_dedup import cluster_events as cluster
    started = time.monotonic()
    output = _JsonLines(args.output)
    try:
        events, dead, total = _extract(args, beam_args)
        if cluster is not None:
            events = sorted(cluster(events), key=sort_key)
            _say(args, f"{len(events)} incidents after clustering")
        output.write(event.to_dict() for event in events)
        output.commit()
    finally:
        output.abandon()
    _report_dead(args, dead)
    failed = len(dead)
    _say(args, f"{total} records: {total - failed} processed, {failed} dead letters; "
               f"{len(events)} events → {'stdout' if args.output == '-' else args.output} "
               f"({time.monotonic() - started:.1f} s)")
    return 1 if total and failed >= total else 0


def _extract(args, beam_args: list[str]) -> tuple[list[DefectionEvent], list[DeadLetter], int]:
    """(sorted events, dead letters, number of input records)."""
    from pipelines.progress import Progress

    docs, dead = read_input(args.file, args.max_line_bytes)
    total = len(docs) + len(dead)
    _say(args, f"{len(docs)} documents read, {len(dead)} bad records")
    events: list[DefectionEvent] = []
    if docs:
        with tempfile.TemporaryDirectory(prefix="defwatch-extract-") as workdir, \
                Progress("defwatch extract", total=len(docs), unit="doc",
                         quiet=args.quiet) as progress:
            events, failed = run_pipeline(docs, beam_args, workdir, progress.token)
        dead.extend(failed)
    events.sort(key=sort_key)
    documents = len({d for e in events for d in e.doc_ids()})
    _say(args, f"{len(events)} events found in {documents} documents")
    return events, dead, total


def _report_dead(args, dead: list[DeadLetter]) -> None:
    """Write the dead letters (JSONL) and name the first few on stderr."""
    path = dead_letters_path(args.output, args.dead_letters)
    if path and (dead or os.path.exists(path)):
        sink = _JsonLines(path)
        try:
            sink.write(letter.to_dict() for letter in dead)
            sink.commit()
        finally:
            sink.abandon()
    if not dead:
        return
    reasons = collections.Counter(letter.reason for letter in dead)
    where = f" → {path}" if path else " (give --dead-letters PATH to keep them)"
    _say(args, f"{len(dead)} dead letters ({', '.join(f'{r} {n}' for r, n in reasons.most_common())})"
               f"{where}")
    for letter in dead[:MAX_LISTED]:
        _say(args, f"  [{letter.stage}/{letter.reason}] {letter.source or ''} {letter.detail or ''}")
    if len(dead) > MAX_LISTED:
        _say(args, f"  … and {len(dead) - MAX_LISTED} more")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
