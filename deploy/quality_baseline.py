"""Measure extraction on every gold set and pin the quality gate's floors.

    python deploy/quality_baseline.py            # measure; raise floors that improved
    python deploy/quality_baseline.py --lower    # also lower floors (a regression you accept)
    python deploy/quality_baseline.py --show     # measure and print, write nothing

The gate (``tests/transforms/test_quality_gate.py``) reads ``tests/transforms/quality_baseline.json``:
the SHA-256 of every gold file, and per gold set the scores measured here and the floors the
extractor must keep (measured minus ``MARGIN``). A floor never goes down unless ``--lower`` is
given; the file records the digest of the gold files it was measured on, so a change of gold
makes the gate fail until this script is run again.

Sets (folds: ``transforms.learning.folds``; fold 0 is the untouched one):

* ``dev`` — all of ``../shared/corpus/dev.jsonl``; ``dev_tuned`` its ``a…``/``seed`` reports,
  ``dev_added`` its ``b…``–``e…`` reports (the scorers are trained on the development folds of
  these, so these figures are partly in-sample);
* ``collected_dev`` — the project's own gold (``tests/fixtures/gold``) outside the untouched fold;
* ``untouched`` — every gold report of the untouched fold (never trained on);
* ``heldout_synthetic`` — ``tests/fixtures/heldout_reports.jsonl`` (never trained on).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from transforms.learning import folds as fold_split  # noqa: E402
from transforms.learning import gold  # noqa: E402

SHARED = REPO.parent / "shared"
SCORE_PY = SHARED / "eval" / "score.py"
DEV = SHARED / "corpus" / "dev.jsonl"
COLLECTED = REPO / "tests" / "fixtures" / "gold"
SYNTHETIC = REPO / "tests" / "fixtures" / "heldout_reports.jsonl"
BASELINE = REPO / "tests" / "transforms" / "quality_baseline.json"
MARGIN = 0.02
METRICS = (("events", "f1"), ("events", "precision"), ("events", "recall"), ("fields", "count"),
           ("fields", "place"), ("fields", "governorate"), ("fields", "destination"),
           ("fields", "with_weapons"), ("fields", "includes_commander"),
           ("documents", "precision"), ("documents", "recall"))


def gold_files() -> list[Path]:
    """Every gold file the sets are built from, in a fixed order."""
    return [DEV, *sorted(COLLECTED.glob("*.jsonl")), SYNTHETIC]


def digest(path: Path) -> str:
    """SHA-256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_scorer():
    """The shared scorer (``../shared/eval/score.py``); FileNotFoundError when absent."""
    return gold.load_scorer(SCORE_PY)


def read(path: Path) -> list[dict]:
    """Rows of a JSON Lines file."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def gold_rows() -> tuple[list[dict], list[dict], list[dict]]:
    """The rows of ``dev.jsonl``, of the collected files and of the synthetic reports."""
    collected = [row for path in sorted(COLLECTED.glob("*.jsonl")) for row in read(path)]
    return read(DEV), collected, read(SYNTHETIC)


def gold_folds() -> dict[str, int]:
    """doc_id → fold, assigned over every gold file: the one split the gate and training use
    (assigned over fewer files, the untouched fold would differ and leak into training)."""
    return fold_split.assign_folds([row for rows in gold_rows() for row in rows])


def gold_sets() -> dict[str, list[dict]]:
    """Set name → gold rows."""
    dev, collected, synthetic = gold_rows()
    folds = gold_folds()
    held = fold_split.HOLDOUT
    return {
        "dev": dev,
        "dev_tuned": [r for r in dev if str(r["doc_id"])[0] in "as"],
        "dev_added": [r for r in dev if str(r["doc_id"])[0] in "bcde"],
        "collected_dev": [r for r in collected if folds[str(r["doc_id"])] != held],
        "untouched": [r for r in [*dev, *collected, *synthetic]
                      if folds[str(r["doc_id"])] == held],
        "heldout_synthetic": synthetic,
    }


def extract(rows: list[dict]) -> list[dict]:
    """The shipped extractor's events of gold rows."""
    return gold.extract_rows(rows)


def measure(scorer, rows: list[dict]) -> dict[str, float]:
    """The gate's metrics of one set."""
    result = scorer.score(rows, extract(rows))
    return {f"{section}.{key}": result[section][key] or 0.0 for section, key in METRICS}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lower", action="store_true", help="allow floors to go down")
    parser.add_argument("--show", action="store_true", help="print the scores, write nothing")
    args = parser.parse_args(argv)
    for path in (SCORE_PY, DEV):
        if not path.is_file():
            sys.exit(f"quality_baseline: {path} is missing")
    scorer = load_scorer()
    old = json.loads(BASELINE.read_text(encoding="utf-8")) if BASELINE.is_file() else {}
    sets = {}
    for name, rows in gold_sets().items():
        measured = measure(scorer, rows)
        floors = {k: round(max(0.0, v - MARGIN), 4) for k, v in measured.items()}
        previous = old.get("sets", {}).get(name, {}).get("floors", {})
        lowered = [k for k, v in floors.items() if k in previous and v < previous[k]]
        if lowered and not args.lower:
            floors.update({k: previous[k] for k in lowered})
            print(f"  {name}: kept the floors of {', '.join(lowered)} (measured lower; "
                  "--lower to accept)", file=sys.stderr)
        sets[name] = {"reports": len(rows), "measured": measured, "floors": floors}
        print(f"{name:18s} {len(rows):4d} reports  " + "  ".join(
            f"{k} {v:.3f}" for k, v in measured.items()))
    if args.show:
        return 0
    baseline = {"gold": {p.name: digest(p) for p in gold_files()}, "margin": MARGIN,
                "sets": sets}
    BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"quality_baseline: wrote {BASELINE.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
