"""``defwatch backfill FILE [FILE…]``: the streaming pipeline's transforms over archives, in batch.

Installs the index templates first, runs on the DirectRunner unless ``--runner`` is given, and
prints a summary (articles, events new/updated, dead letters) when it is done.
"""
from __future__ import annotations

import argparse
import logging
import sys

from pipelines.options import DefwatchOptions


def parser() -> argparse.ArgumentParser:
    """The ``defwatch backfill`` parser (Beam's own options pass through)."""
    parser = argparse.ArgumentParser(
        prog="defwatch backfill", description=__doc__.split("\n\n")[0],
        epilog="Beam options (--runner, --direct_num_workers, …) are passed to Beam.")
    parser.add_argument("files", nargs="+", help="JSONL or WARC archives (globs allowed)")
    DefwatchOptions._add_argparse_args(parser)
    return parser


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    known, beam_args = parser().parse_known_args(argv)
    from apache_beam.options.pipeline_options import PipelineOptions

    from pipelines import backfill
    from pipelines.options import es_target, resolved
    from pipelines.run_cmd import argv_of, install_indices
    from pipelines.status import counter_totals, format_status

    files = known.files
    del known.files
    options_argv = beam_args + argv_of(known)
    options = PipelineOptions(options_argv)
    opts = resolved(options)
    if not opts.no_setup:
        install_indices(es_target(options))
    result = backfill.run(files, options_argv)
    totals = counter_totals(result.metrics())
    print(format_status(totals, 0).replace("defwatch 00:00:00", "defwatch backfill:"),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
