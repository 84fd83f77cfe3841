"""How far perfect learned scorers would take the extraction: events F1 when the sentence
choice, the group choice or both follow the gold labels instead of the scorers.

    python deploy/extraction_ceilings.py                 # cross-fitted, all development folds
    python deploy/extraction_ceilings.py --shipped GOLD  # the shipped models on a gold file

The labels are those the scorers are trained on (``transforms.learning.gold``): a sentence tells
a gold incident when it holds the event's evidence or names its group with its count or place;
a group candidate is right when it names the group of one of the report's gold events. With
both scorers replaced, what is still missed is what the rules around them lose (candidates,
assembly, count and place). Aggregate figures only: it prints no report's events, and it never
reads the untouched fold.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy import train_extraction as training  # noqa: E402
from transforms import extract  # noqa: E402
from transforms.learning import folds as fold_split  # noqa: E402
from transforms.learning import gold  # noqa: E402
from transforms.learning.linear import load as load_model  # noqa: E402

MODES = (("scorers", False, False), ("sentence choice from gold", True, False),
         ("group choice from gold", False, True), ("both from gold", True, True))
ORACLE = "__gold_label"


class GoldLabelled:
    """A scorer that answers with the gold label its features carry (when ``on``)."""

    def __init__(self, model, on: bool):
        self.model, self.on = model, on

    def __getattr__(self, name):
        return getattr(self.model, name)

    def probability(self, features: dict) -> float:
        if self.on and ORACLE in features:
            return float(features[ORACLE])
        return self.model.probability({k: v for k, v in features.items() if k != ORACLE})


def labelled_events(rows: list[dict], models: tuple, names_match, sentence_on: bool,
                    group_on: bool) -> list[dict]:
    """The events of ``rows`` with the sentence and/or group scorer replaced by gold labels."""
    row: dict = {}
    linked: dict = {}

    def sentence_features(sentences, pos):
        features = plain_sentence_features(sentences, pos)
        if features is None:
            return None
        if linked.get("of") is not sentences:
            linked.update(of=sentences, positions=gold.link_events(row, sentences, names_match))
        return dict(features, **{ORACLE: int(pos in linked["positions"])})

    def group_features(sentences, cand, counts):
        label = gold.group_label(cand, row.get("events") or [], names_match)
        return dict(plain_group_features(sentences, cand, counts), **{ORACLE: label})

    plain_sentence_features, plain_group_features = extract.sentence_features, extract.group_features
    sentence_model, group_model, *others = models
    labelled = (GoldLabelled(sentence_model, sentence_on), GoldLabelled(group_model, group_on),
                *others)
    events: list[dict] = []
    with ExitStack() as patches:
        patches.enter_context(mock.patch.object(extract, "sentence_features", sentence_features))
        patches.enter_context(mock.patch.object(extract, "group_features", group_features))
        if sentence_on:  # the rules that keep a sentence whatever its score step aside too
            patches.enter_context(mock.patch.object(extract, "plain_act", lambda *a: False))
        for one in rows:
            row.clear()
            row.update(one)
            events += gold.extract_rows([one], labelled)
    return events


def ceilings(parts: list[tuple[tuple, list[dict]]], names_match) -> dict[str, list[dict]]:
    """Mode name → events of every part's rows, each part extracted with its own models."""
    return {name: [event for models, rows in parts
                   for event in labelled_events(rows, models, names_match, sentence_on, group_on)]
            for name, sentence_on, group_on in MODES}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="examples:\n  python deploy/extraction_ceilings.py\n"
               "  python deploy/extraction_ceilings.py --shipped tests/fixtures/heldout_reports.jsonl",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shipped", metavar="GOLD", type=Path,
                        help="score the shipped models on this gold file instead of cross-fitting")
    args = parser.parse_args(argv)
    scorer = training.load_scorer()
    if args.shipped:
        if not args.shipped.is_file():
            parser.error(f"no such gold file: {args.shipped}")
        rows = [json.loads(line) for line in args.shipped.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        results = ceilings([(extract.shipped_models(), rows)], scorer.names_match)
    else:
        all_rows, _ = training.load_gold()
        folds = training.assign_folds()
        rows = [r for r in all_rows if folds[str(r["doc_id"])] != fold_split.HOLDOUT]
        print(f"training the models of {len({folds[str(r['doc_id'])] for r in rows})} folds …",
              file=sys.stderr, flush=True)
        threshold = load_model("sentence").threshold
        parts = [((dataclasses.replace(models[0], threshold=threshold), *models[1:]),
                  [r for r in rows if folds[str(r["doc_id"])] == fold])
                 for fold, models in training.fold_models(rows, folds, scorer).items()]
        results = ceilings(parts, scorer.names_match)
    for name, events in results.items():
        print(f"{name:26} {training.summary(scorer, rows, events)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
