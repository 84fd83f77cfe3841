"""Quality gate: extraction scores on every gold set stay at or above their pinned floors.

The floors live in ``tests/transforms/quality_baseline.json`` with the SHA-256 of the gold files
they were measured on; ``deploy/quality_baseline.py`` measures and writes them (a floor only goes
down with ``--lower``). The gate fails — it never skips — when the scorer, the dev corpus or a
gold file is missing or changed, or when the shipped scorers differ from what the training
script produces. On failure the message lists the missed and spurious events.
"""
from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from schemas.records import COUNT_QUALIFIERS

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "deploy"))

import quality_baseline as qb  # noqa: E402

GOLD_FIELDS = ("event_key", "group_ar", "parent_ar", "count", "count_qualifier", "place_ar",
               "area_ar", "governorate_ar", "destination_ar", "with_weapons",
               "includes_commander", "time_ar", "evidence")


@pytest.fixture(scope="module")
def baseline() -> dict:
    assert qb.BASELINE.is_file(), f"{qb.BASELINE} is missing: run deploy/quality_baseline.py"
    return json.loads(qb.BASELINE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def scorer():
    assert qb.SCORE_PY.is_file(), f"the scorer {qb.SCORE_PY} is missing"
    return qb.load_scorer()


@pytest.fixture(scope="module")
def sets(baseline) -> dict[str, list[dict]]:
    for path in qb.gold_files():
        assert path.is_file(), f"gold file {path} is missing"
    return qb.gold_sets()


def _report(result: dict) -> str:
    """Misses and spurious events of a score() result, for assertion messages."""
    lines = [f"events {json.dumps(result['events'])}", f"fields {json.dumps(result['fields'])}",
             f"documents {json.dumps(result['documents'])}"]
    lines += [f"missed   {m}" for m in result["missed"][:40]]
    lines += [f"spurious {s}" for s in result["spurious"][:40]]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- the gold itself

def test_gold_files_are_those_the_floors_were_measured_on(baseline):
    """A changed or added gold file needs the floors measured again."""
    now = {p.name: qb.digest(p) for p in qb.gold_files()}
    assert now == baseline["gold"], (
        "gold files changed since the floors were measured: run deploy/quality_baseline.py")


@pytest.mark.parametrize("path", qb.gold_files()[1:], ids=lambda p: p.name)
def test_project_gold_is_well_formed(path):
    """Every row of our own gold follows shared/corpus/README.md; evidence quotes the text."""
    rows = qb.read(path)
    ids = [row["doc_id"] for row in rows]
    assert len(ids) == len(set(ids))
    for row in rows:
        assert row["is_relevant"] == bool(row["events"]), row["doc_id"]
        assert row.get("url"), row["doc_id"]
        for event in row["events"]:
            assert set(GOLD_FIELDS) <= set(event), (row["doc_id"], event)
            assert event["evidence"] in row["text"], (row["doc_id"], event["event_key"])
            assert event["count_qualifier"] in COUNT_QUALIFIERS
            assert (event["count"] is None) == (event["count_qualifier"] == "none")
            assert event["with_weapons"] in (True, None)
            assert event["includes_commander"] in (True, None)


def test_collected_gold_has_hard_negatives_and_shared_incidents(sets):
    """Our own gold covers what the issue asks: negatives, incidents told by several outlets."""
    collected = [r for p in sorted(qb.COLLECTED.glob("*.jsonl")) for r in qb.read(p)]
    assert len(collected) >= 150
    assert sum(1 for r in collected if not r["is_relevant"]) >= 0.2 * len(collected)
    keys = Counter(e["event_key"] for r in collected for e in r["events"])
    assert sum(1 for n in keys.values() if n > 1) >= 20


# ----------------------------------------------------------------------------- floors

@pytest.mark.parametrize("name", ["dev", "dev_tuned", "dev_added", "collected_dev", "untouched",
                                  "heldout_synthetic"])
def test_scores_reach_floors(baseline, scorer, sets, name):
    """Extraction on each gold set stays at or above the pinned floors."""
    assert name in baseline["sets"], f"no floors for {name}: run deploy/quality_baseline.py"
    rows = sets[name]
    result = scorer.score(rows, qb.extract(rows))
    floors = baseline["sets"][name]["floors"]
    failed = []
    for metric, floor in floors.items():
        section, key = metric.split(".")
        value = result[section][key] or 0.0
        if value < floor:
            failed.append(f"{metric} = {value} < {floor}")
    # The untouched fold is scored, never read: its events are not shown.
    shown = "" if name == "untouched" else "\n" + _report(result)
    assert not failed, f"{name}: " + "; ".join(failed) + shown


def test_irrelevant_synthetic_reports_give_no_events(sets):
    """Reports with no defection incident (rumour, denial, tally, ...) yield nothing."""
    rows = sets["heldout_synthetic"]
    events = qb.extract(rows)
    cited = {e["sources"][0]["doc_id"] for e in events}
    wrong = sorted(r["doc_id"] for r in rows if not r["is_relevant"] and r["doc_id"] in cited)
    # 3 of them on 2026-11-30, with the scorers no longer trained on this set
    assert len(wrong) <= 3, f"events from irrelevant reports: {wrong}"


def test_short_posts_reach_their_floors(scorer):
    """Channel-style posts (``tests/fixtures/heldout_posts.jsonl``, a genre the gold articles
    lack): measured once before they were committed (events F1 0.963, document precision 0.93)."""
    path = qb.REPO / "tests" / "fixtures" / "heldout_posts.jsonl"
    assert path.is_file(), f"{path} is missing"
    rows = qb.read(path)
    result = scorer.score(rows, qb.extract(rows))
    events, documents = result["events"], result["documents"]
    assert events["f1"] >= 0.93 and events["recall"] >= 0.95, _report(result)
    assert documents["precision"] >= 0.9, _report(result)


def test_cross_outlet_reports_cluster(scorer, sets):
    """cluster_events() merges the reports of one incident and keeps incidents apart."""
    from transforms.event_dedup import cluster_events
    from transforms.extract import extract_events
    from transforms.learning.gold import as_document
    rows = sets["heldout_synthetic"]
    events = [e for row in rows for e in extract_events(as_document(row))]
    clusters = cluster_events(events)
    result = scorer.score(rows, [c.to_dict() for c in clusters])
    bcubed = result["dedup"]
    assert bcubed["multi_report_incidents"] >= 3, bcubed
    assert bcubed["precision"] >= 0.9 and bcubed["f1"] >= 0.9, bcubed
    ids = [c.event_id for c in clusters]
    assert len(ids) == len(set(ids))


# ----------------------------------------------------------------------------- the scorers

def test_shipped_scorers_come_from_the_training_script():
    """The JSON weights in transforms/data/models are what deploy/train_extraction.py writes."""
    spec = importlib.util.spec_from_file_location("train_extraction",
                                                  REPO / "deploy" / "train_extraction.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check", "--quick"]) == 0, (
        "shipped model files differ from a fresh training run: run deploy/train_extraction.py")
