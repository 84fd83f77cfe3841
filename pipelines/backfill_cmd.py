"""``defwatch backfill FILE [FILE…]``: the streaming pipeline's transforms over archives, in batch.

Installs the index templates first (unless ``--no-setup``), runs on the DirectRunner unless
``--runner`` is given, shows progress on stderr (records read per second, ETA for plain
JSONL files) and prints a summary (articles, events new/updated, dead letters) when done.
Bad records become dead letters in ``<prefix>-deadletter`` and the rest goes on.

Exit codes: 0 when at least one record made it through (or the input is empty), 1 when every
record failed or Elasticsearch cannot be set up, 2 for bad usage (unknown option, a FILE that
matches nothing).

examples:
  defwatch backfill archive.jsonl
  defwatch backfill 'archives/2024-*.warc.gz' --index-prefix history --no-setup
"""
from __future__ import annotations

import argparse
import sys

from pipelines.cli import CommandError
from pipelines.logs import configure_logging
from pipelines.options import DefwatchOptions, unknown_options, unknown_options_message


def parser() -> argparse.ArgumentParser:
    """The ``defwatch backfill`` parser (Beam's own options pass through)."""
    from connectors.archive import MAX_LINE_BYTES

    parser = argparse.ArgumentParser(
        allow_abbrev=False, prog="defwatch backfill", description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:" + __doc__.split("examples:")[1].rstrip() +
               "\n\nBeam options (--runner, --direct_num_workers, …) are passed to Beam.")
    parser.add_argument("files", nargs="+", help="JSONL or WARC archives (globs allowed)")
    parser.add_argument("--max-line-bytes", "--max_line_bytes", dest="max_line_bytes",
                        type=int, default=MAX_LINE_BYTES, metavar="N",
                        help="longest JSONL line accepted; longer ones are dead letters "
                             f"(default {MAX_LINE_BYTES})")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    DefwatchOptions._add_argparse_args(parser)
    return parser


def matching_files(patterns: list[str]) -> list[str]:
    """The files the paths/globs name; ``CommandError`` (exit 2) for one that names none."""
    from apache_beam.io.filesystems import FileSystems

    files: list[str] = []
    for pattern in patterns:
        try:
            found = [m.path for m in FileSystems.match([pattern])[0].metadata_list]
        except Exception as error:  # noqa: BLE001 - Beam raises BeamIOError for bad paths
            raise CommandError(f"cannot read {pattern}: {error}", exit_code=2) from error
        if not found:
            raise CommandError(f"cannot read {pattern}: no such file", exit_code=2)
        files += sorted(found)
    return files


def count_records(files: list[str]) -> int | None:
    """Non-empty lines of plain JSONL files (None when any file is compressed or WARC)."""
    total = 0
    for path in files:
        if path.endswith((".gz", ".warc", ".bz2")) or "://" in path:
            return None
        last = b"\n"
        with open(path, "rb") as handle:
            head = handle.read(5)
            if head.startswith((b"WARC/", b"\x1f\x8b")):
                return None
            handle.seek(0)
            for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                total += chunk.count(b"\n") - chunk.count(b"\n\n")
                last = chunk[-1:]
        total += last != b"\n"
    return total


def main(argv: list[str]) -> int:
    configure_logging()  # idempotent; also when main is called without the defwatch entry
    known, beam_args = parser().parse_known_args(argv)
    unknown = unknown_options(beam_args)
    if unknown:  # a typo would otherwise be dropped by Beam with a mere warning
        print(unknown_options_message("defwatch backfill", unknown), file=sys.stderr)
        return 2
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines import backfill
    from pipelines.options import es_target, resolved
    from pipelines.progress import Progress
    from pipelines.run_cmd import argv_of, install_indices
    from pipelines.status import counter_totals, format_status

    files = matching_files(known.files)
    quiet, max_line_bytes = known.quiet, known.max_line_bytes
    if max_line_bytes < 1:
        raise CommandError("--max-line-bytes must be at least 1", exit_code=2)
    for name in ("files", "quiet", "max_line_bytes"):
        delattr(known, name)
    options_argv = beam_args + argv_of(known)
    options = PipelineOptions(options_argv)
    opts = resolved(options)
    if not opts.no_setup:
        install_indices(es_target(options))
    total = count_records(files)
    with Progress("defwatch backfill: read", total=total, unit="record", quiet=quiet) as read, \
            Progress("defwatch backfill: extracted", total=total, unit="article",
                     quiet=quiet) as extracted:
        result = backfill.run(files, options_argv, max_line_bytes=max_line_bytes,
                              progress={"read": read.token, "articles": extracted.token})
    totals = counter_totals(result.metrics())
    print(format_status(totals, 0).replace("defwatch 00:00:00", "defwatch backfill:"),
          file=sys.stderr)
    converted = totals.get("defwatch.backfill:articles/converted", 0)
    dead = sum(v for k, v in totals.items() if k.startswith("defwatch.deadletters:"))
    if dead and not converted:
        print(f"defwatch backfill: every record failed ({dead} dead letters in "
              f"{opts.index_prefix}-deadletter)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
