"""The second, blind annotation is scored against the gold as the extractor's events are."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from deploy import agreement, quality_baseline  # noqa: E402


def _gold(doc_id, *events):
    return {"doc_id": doc_id, "is_relevant": bool(events), "text": "", "events": list(events)}


def _event(group, count, place):
    return {"event_key": f"{group}-{place}", "group_ar": group, "count": count, "place_ar": place}


def test_an_identical_annotation_agrees_fully_and_a_missed_event_costs_recall():
    scorer = quality_baseline.load_scorer()
    gold = [_gold("b1", _event("الفرقة الرابعة", 5, "الصنمين"), _event("قسد", 3, "منبج")),
            _gold("v1", _event("الدفاع الوطني", 7, "البوكمال")), _gold("w1")]
    second = [gold[0], gold[1], gold[2]]
    result = agreement.agreement(second, gold, scorer)
    assert result["dev.jsonl"]["events"]["f1"] == 1.0 and result["fresh"]["events"]["f1"] == 1.0
    partial = [_gold("b1", _event("الفرقة الرابعة", 5, "الصنمين")), *gold[1:]]
    result = agreement.agreement(partial, gold, scorer)
    assert result["dev.jsonl"]["events"]["recall"] == 0.5
    assert result["dev.jsonl"]["events"]["precision"] == 1.0


def test_an_annotated_report_missing_from_the_gold_is_named():
    with pytest.raises(ValueError, match="v9"):
        agreement.agreement([_gold("v9")], [_gold("v1")], quality_baseline.load_scorer())


def test_the_second_annotation_covers_gold_reports_of_every_set():
    second = quality_baseline.read(agreement.SECOND)
    dev, collected, _ = quality_baseline.gold_rows()
    ids = {str(r["doc_id"]) for r in [*dev, *collected]}
    assert len(second) == 100 and {str(r["doc_id"]) for r in second} <= ids
    results = agreement.agreement(second, [*dev, *collected], quality_baseline.load_scorer())
    assert all(results[name]["events"]["gold"] > 0
               for name in ("dev.jsonl", "fresh", "eighth round"))
