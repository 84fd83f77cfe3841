"""One loader for every word list and table in ``transforms/data/``.

Data files are YAML (or JSON), read once and cached. Word lists are written in any spelling and
folded here exactly like the text they are matched against (``normalize.fold_word``), so a
list never needs hamza, taa marbuta or diacritic variants.
"""
from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import yaml

from transforms.normalize import fold_word

DATA_DIR = Path(__file__).parent / "data"


@cache
def data(name: str) -> dict:
    """The parsed contents of ``transforms/data/<name>`` (``.yaml`` assumed without suffix)."""
    path = DATA_DIR / (name if "." in name else f"{name}.yaml")
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


@cache
def words(name: str, key: str) -> frozenset[str]:
    """The folded entries of list ``key`` in data file ``name``."""
    return frozenset(fold_word(str(w)) for w in data(name)[key])


@cache
def phrases(name: str, key: str) -> tuple[str, ...]:
    """The folded entries of list ``key``, longest first (for alternations)."""
    return tuple(sorted({fold_word(str(w)) for w in data(name)[key]}, key=len, reverse=True))


def alternation(entries) -> str:
    """A regex alternation of literal (already folded) entries, longest first."""
    return "|".join(re.escape(e) for e in sorted(set(entries), key=len, reverse=True))


@cache
def pattern(name: str, key: str) -> str:
    """A regex alternation of list ``key``, longest first: an entry ending in ``*`` matches any
    word that starts with it (``منشق*``: منشق، منشقون …), spaces match any whitespace run."""
    entries = set()
    for entry in data(name)[key]:
        entry = str(entry)
        stem = entry[:-1] if entry.endswith("*") else entry
        body = r"\s+".join(re.escape(w) for w in fold_word(stem).split())
        entries.add((len(fold_word(stem)), body + (r"\S*" if entry.endswith("*") else "")))
    return "|".join(body for _, body in sorted(entries, reverse=True))


def setting(name: str, key: str, default=None):
    """A scalar setting of a data file."""
    return data(name).get(key, default)
