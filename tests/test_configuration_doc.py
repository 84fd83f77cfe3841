"""docs/configuration.md documents every flag, environment variable and feeds.yaml key.

The file is generated from the commands' parsers (``python -m pipelines.config_doc``); this
fails when it is out of date — a flag added without regenerating it — or when the code reads a
``DEFWATCH_*`` variable the file does not describe.
"""
from __future__ import annotations

import argparse
import re
import subprocess
from pathlib import Path

from connectors.es_client import add_es_arguments
from pipelines import config_doc
from pipelines.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "configuration.md"
REGENERATE = "regenerate it: python -m pipelines.config_doc > docs/configuration.md"


def test_the_file_is_what_the_parsers_say():
    assert DOC.read_text(encoding="utf-8") == config_doc.render(), REGENERATE


def test_every_flag_of_every_command_is_in_it():
    text = DOC.read_text(encoding="utf-8")
    connection = config_doc.connection_flags_documented()
    parser = argparse.ArgumentParser()
    add_es_arguments(parser)
    shared = {o for a in parser._actions for o in a.option_strings if o.startswith("--")}
    assert shared - {"--help"} <= connection
    for name in COMMANDS:
        parsers = [config_doc.command_parser(name)]
        parsers += list(config_doc._subparsers(parsers[0]).values())
        for command in parsers:
            for action in command._actions:
                for option in action.option_strings:
                    if option in shared or "_" in option or option in ("-h", "--help"):
                        continue
                    assert f"`{option}" in text or f"{option} " in text, \
                        f"defwatch {name} {option} is not in docs/configuration.md; {REGENERATE}"


def test_every_environment_variable_the_project_reads_is_described():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    used = set()
    for name in tracked:
        if name.startswith("docs/") or not name.endswith((".py", ".sh", ".yml", ".yaml")):
            continue
        used |= set(re.findall(r"\b(DEFWATCH_[A-Z0-9_]*[A-Z0-9])\b",
                               (ROOT / name).read_text(encoding="utf-8", errors="replace")))
    documented = set(config_doc.ENVIRONMENT) | set(config_doc.DEVELOPMENT_ENV)
    assert used - documented == set(), "describe them in pipelines/config_doc.py"
    text = DOC.read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in documented)
