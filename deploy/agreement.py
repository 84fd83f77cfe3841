"""How far a second, blind annotation agrees with the gold: the ceiling of the extraction scores.

    python deploy/agreement.py                 # scores by set, through ../shared/eval/score.py
    python deploy/agreement.py --json          # the same as JSON

``tests/fixtures/agreement/second_annotation.jsonl`` holds a second annotator's events for 100
gold reports (40 of ``dev.jsonl``'s ``b…``–``e…``, 30 of the collected ``coverage``/``breadth``
files, 30 of the eighth round's ``x…``/``y…``/``z…`` files), made from the texts and the
conventions alone (README there). Each of its events is
scored as a prediction against the gold, exactly as the extractor's are.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy import quality_baseline  # noqa: E402

SECOND = REPO / "tests" / "fixtures" / "agreement" / "second_annotation.jsonl"


def as_prediction(doc_id: str, event: dict) -> dict:
    """A gold-format event in the event shape the scorer reads."""
    return {"doc_id": doc_id, "actor": {"name_ar": event.get("group_ar")},
            "location": {"name_ar": event.get("place_ar"), "area_ar": event.get("area_ar"),
                         "governorate_ar": event.get("governorate_ar")},
            "destination": {"name_ar": event.get("destination_ar")},
            "count": event.get("count"), "with_weapons": event.get("with_weapons"),
            "includes_commander": event.get("includes_commander")}


def agreement(second: list[dict], gold_rows: list[dict], scorer) -> dict[str, dict]:
    """Set name → the scorer's result of the second annotation against the gold."""
    by_id = {str(row["doc_id"]): row for row in gold_rows}
    missing = [r["doc_id"] for r in second if str(r["doc_id"]) not in by_id]
    if missing:
        raise ValueError(f"not in the gold files: {', '.join(map(str, missing))}")
    sets = {"dev.jsonl": lambda d: d[0] in "bcde", "fresh": lambda d: d[0] in "vw",
            "eighth round": lambda d: d[0] in "xyz"}
    out = {}
    for name, member in sets.items():
        rows = [r for r in second if member(str(r["doc_id"]))]
        predicted = [as_prediction(str(r["doc_id"]), e) for r in rows for e in r["events"]]
        out[name] = scorer.score([by_id[str(r["doc_id"])] for r in rows], predicted)
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)
    try:
        scorer = quality_baseline.load_scorer()
    except FileNotFoundError as error:
        print(f"agreement: {error}", file=sys.stderr)
        return 2
    dev, collected, _ = quality_baseline.gold_rows()
    results = agreement(quality_baseline.read(SECOND), [*dev, *collected], scorer)
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
        return 0
    for name, result in results.items():
        e, d = result["events"], result["documents"]
        print(f"{name:12s} events F1 {e['f1']:.3f} (P {e['precision']:.3f} R {e['recall']:.3f}, "
              f"{e['matched']}/{e['gold']} gold, {e['predicted']} annotated); document F1 {d['f1']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
