"""Elasticsearch names: aliases readers use, and the versioned indices behind them.

Readers and writers always use the alias (``defwatch-events``); the alias points at a
versioned index (``defwatch-events-v1``) so a mapping change is a new index and a re-alias.
Tests pass their own ``prefix`` so they never touch the real names.
"""
from __future__ import annotations

DEFAULT_PREFIX = "defwatch"
KINDS = ("events", "articles", "alerts", "deadletter", "state")


def alias(kind: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The alias readers and writers use, e.g. ``defwatch-events``."""
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; expected one of {', '.join(KINDS)}")
    return f"{prefix}-{kind}"
