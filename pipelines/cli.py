"""The ``defwatch`` command: a table of sub-commands, each a module with ``main(argv)``.

Each sub-command module builds its own argparse parser, so ``defwatch CMD --help`` teaches
that command. Modules are imported only when their command runs (Beam is slow to import).
A command raises ``CommandError`` (or ``EsConfigError`` for contradictory Elasticsearch
settings, exit 2) to end with one line on stderr and no traceback.
"""
from __future__ import annotations

import argparse
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
    "search": ("pipelines.search_cmd",
               "search events from the terminal: filters, sort, table/JSONL/CSV/GeoJSON"),
    "brief": ("pipelines.brief_cmd",
              "the period's brief as one offline HTML page (map, timeline, tables) or PDF"),
    "local-es": ("pipelines.local_es_cmd",
                 "start/stop/status of the local Elasticsearch used by the demo and tests"),
    "feeds": ("pipelines.feeds_cmd", "feeds check FEEDS.yaml: fetch each feed, print a table"),
}

USAGE = """usage: defwatch COMMAND [options]   (defwatch COMMAND --help for each; defwatch --version)

Watches Arabic news for defections in Syria's armed groups and turns every report into
structured, deduplicated, alertable events in Elasticsearch.

commands:
{table}

common options: --es-url URL (env DEFWATCH_ES_URL) or --es-cloud-id, --es-api-key KEY (env
  DEFWATCH_ES_API_KEY) or --es-username/--es-password, --es-ca-certs, --es-ssl-fingerprint,
  --no-verify-certs, --index-prefix; --alert URL (repeatable; env DEFWATCH_ALERTS),
  --allow-host HOST (repeatable).
  Beam's own options (--runner, --prism_location, --flink_master, …) pass through to `run`.
"""


class CommandError(Exception):
    """Ends a command with one line on stderr (``defwatch CMD: message``) and ``exit_code``."""

    def __init__(self, message: str, exit_code: int = 1):
        super().__init__(message)
        self.exit_code = exit_code


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (``prog: message (see --help)``)
    and exit code 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def version() -> str:
    """The installed version of defection-watch."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as package_version
    try:
        return package_version("defection-watch")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "unknown (not installed)"


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    table = "\n".join(f"  {name.ljust(width)}  {text}" for name, (_, text) in COMMANDS.items())
    return USAGE.format(table=table)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    if argv[0] in ("-V", "--version", "version"):
        print(f"defwatch {version()}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"defwatch: unknown command {name!r}\n\n{usage()}", file=sys.stderr)
        return 2
    from pipelines.logs import configure_logging
    configure_logging()
    module_name = COMMANDS[name][0]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        print(f"defwatch {name}: not available yet in this version", file=sys.stderr)
        return 3
    from connectors.es_client import EsConfigError
    try:
        return int(module.main(rest) or 0)
    except EsConfigError as error:
        print(f"defwatch {name}: {error}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"defwatch {name}: {error}", file=sys.stderr)
        return error.exit_code


if __name__ == "__main__":
    sys.exit(main())
