"""Gold reports split into folds by incident, stable as new reports are added.

Reports that share an ``event_key`` (one incident told by several outlets), and reports that
recap several incidents, are linked into one component; a component's fold is a hash of its
smallest key, so adding reports never moves an existing component unless it links to another.
Fold ``HOLDOUT`` is kept untouched while the extractor is developed: it is scored, never read.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable

N_FOLDS = 5
HOLDOUT = 0
# The development folds in two halves: errors are read on the first only, and a change is kept
# when the second, whose reports nobody read while choosing it, gains too (a check on selection:
# a change kept for one or two gold events of the folds it was chosen on may be luck).
EXPLORE = (1, 2)
CONFIRM = (3, 4)


def _find(parent: dict, key: str) -> str:
    """Union-find root of ``key`` (with path halving)."""
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def _bucket(key: str, n_folds: int) -> int:
    """A stable fold number for a component key."""
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % n_folds


def _components(rows: list[dict]) -> dict[str, str]:
    """doc_id → the smallest key of its component (reports linked by a shared ``event_key``)."""
    parent: dict[str, str] = {}
    for row in rows:
        nodes = ["doc:" + str(row["doc_id"])]
        nodes += ["key:" + str(e["event_key"]) for e in row.get("events") or []
                  if e.get("event_key")]
        for node in nodes:
            parent.setdefault(node, node)
        for node in nodes[1:]:
            a, b = _find(parent, nodes[0]), _find(parent, node)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for node in parent:
        members.setdefault(_find(parent, node), []).append(node)
    smallest = {root: min(nodes) for root, nodes in members.items()}
    return {str(row["doc_id"]): smallest[_find(parent, "doc:" + str(row["doc_id"]))]
            for row in rows}


def assign_folds(rows: Iterable[dict], n_folds: int = N_FOLDS) -> dict[str, int]:
    """doc_id → fold for gold rows (``doc_id`` and ``events[].event_key``)."""
    return {doc_id: _bucket(key, n_folds) for doc_id, key in _components(list(rows)).items()}


def redraw(rows: Iterable[dict], seed: int, n_folds: int = N_FOLDS) -> dict[str, int]:
    """Folds with the development reports' components drawn again by ``seed`` into the
    development folds 1 … n_folds-1; the untouched fold keeps exactly its reports. Scoring a
    change on several draws tells how much a cross-fitted score owes to one split."""
    keys = _components(list(rows))
    return {doc_id: HOLDOUT if _bucket(key, n_folds) == HOLDOUT
            else 1 + _bucket(f"{seed}:{key}", n_folds - 1)
            for doc_id, key in keys.items()}


def split(rows: Iterable[dict], n_folds: int = N_FOLDS) -> tuple[list[dict], list[dict]]:
    """(development rows, untouched rows)."""
    rows = list(rows)
    folds = assign_folds(rows, n_folds)
    dev = [r for r in rows if folds[str(r["doc_id"])] != HOLDOUT]
    held = [r for r in rows if folds[str(r["doc_id"])] == HOLDOUT]
    return dev, held
