"""The ``defwatch`` command: a table of sub-commands, each a module with ``main(argv)``.

Each sub-command module builds its own argparse parser, so ``defwatch CMD --help`` teaches
that command. Modules are imported only when their command runs (Beam is slow to import).
"""
from __future__ import annotations

import importlib
import sys

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("pipelines.run_cmd",
            "the continuous pipeline: feeds → articles → events → Elasticsearch + alerts"),
    "backfill": ("pipelines.backfill_cmd",
                 "the same transforms over an archive (JSONL or WARC) into Elasticsearch"),
    "extract": ("pipelines.extract_cmd",
                "offline: events of a JSONL file as JSONL (no Elasticsearch needed)"),
    "setup": ("pipelines.setup_cmd",
              "install index templates and aliases (and Kibana objects with --kibana-url)"),
    "search": ("pipelines.search_cmd", "search events from the terminal"),
    "local-es": ("pipelines.local_es_cmd",
                 "start/stop/status of the local Elasticsearch used by the demo and tests"),
    "feeds": ("pipelines.feeds_cmd", "feeds check FEEDS.yaml: fetch each feed, print a table"),
}

USAGE = """usage: defwatch COMMAND [options]   (defwatch COMMAND --help for each)

Watches Arabic news for defections in Syria's armed groups and turns every report into
structured, deduplicated, alertable events in Elasticsearch.

commands:
{table}

common options: --es-url URL (env DEFWATCH_ES_URL), --es-api-key KEY (env DEFWATCH_ES_API_KEY),
  --alert URL (repeatable; env DEFWATCH_ALERTS), --allow-host HOST (repeatable);
  Beam's own options (--runner, --prism_location, --flink_master, …) pass through to `run`.
"""


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    table = "\n".join(f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items())
    return USAGE.format(table=table)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"defwatch: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module_name = COMMANDS[name][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        print(f"defwatch {name}: not available yet in this version", file=sys.stderr)
        return 3
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
