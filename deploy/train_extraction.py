"""Train the extraction's learned scorers on the gold reports; write their weights as JSON.

    python deploy/train_extraction.py            # train, write transforms/data/models/*.json
    python deploy/train_extraction.py --check    # train, compare with the shipped files
    python deploy/train_extraction.py --check --quick --resplit 3   # the score on 3 other splits

Gold: ``../shared/corpus/dev.jsonl`` (required) and the project's own collected reports
``tests/fixtures/gold/*.jsonl``; the synthetic ``tests/fixtures/heldout_reports.jsonl`` stay out
of training (the quality gate scores them). Reports are split into folds by incident
(``transforms.learning.folds``, over every gold file); the untouched fold is never used here.
The regularisation strength is chosen by cross-validation across the other folds. Needs
scikit-learn (the ``build`` extra); the package itself only reads the JSON it writes.
"""
from __future__ import annotations

import argparse
import dataclasses
import hashlib
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from deploy import quality_baseline  # noqa: E402
from transforms.learning import folds as fold_split  # noqa: E402
from transforms.learning import gold  # noqa: E402
from transforms.learning.gold import examples, extract_rows  # noqa: E402
from transforms.learning.linear import MODELS, LinearModel  # noqa: E402
from transforms.learning.linear import load as load_model  # noqa: E402

# The gold files and their folds are those of the quality gate's script (the synthetic held-out
# reports are scored there, never trained on; they count only in the fold assignment).
DEV = quality_baseline.DEV
COLLECTED = sorted(quality_baseline.COLLECTED.glob("*.jsonl"))
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
# Cross-fitted F1 differences below this are noise (F1's standard error over ~600 gold events is
# about 0.02); among near-ties the higher threshold gives fewer false events and documents.
F1_TIE = 0.01
THRESHOLDS = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)  # the best must not sit on an edge


def load_scorer():
    """The shared scorer module (its ``names_match`` labels the group candidates)."""
    try:
        return gold.load_scorer()
    except FileNotFoundError as error:
        sys.exit(f"train_extraction: {error}")


def load_gold() -> tuple[list[dict], str]:
    """The training gold (``dev.jsonl`` and the collected files) and a digest of it."""
    if not DEV.is_file():
        sys.exit(f"train_extraction: {DEV} is missing; models trained without it would differ")
    rows, digest = [], hashlib.sha256()
    for path in [DEV, *COLLECTED]:
        digest.update(path.name.encode() + path.read_bytes())
        rows += quality_baseline.read(path)
    return rows, digest.hexdigest()[:16]


def assign_folds() -> dict[str, int]:
    """The folds of every gold report: the gate's split."""
    return quality_baseline.gold_folds()


def _fit(train, c_value):
    """A fitted (vectorizer, logistic regression) on examples."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    vec = DictVectorizer(sparse=False)
    x = vec.fit_transform([e.features for e in train])
    clf = LogisticRegression(C=c_value, max_iter=5000, solver="lbfgs")
    clf.fit(x, [e.label for e in train])
    return vec, clf


def cross_validate(data, c_value) -> float:
    """Mean log-loss of leave-one-fold-out predictions (lower is better)."""
    from sklearn.metrics import log_loss
    losses = []
    for fold in sorted({e.fold for e in data}):
        train = [e for e in data if e.fold != fold]
        test = [e for e in data if e.fold == fold]
        if not test or len({e.label for e in train}) < 2:
            continue
        vec, clf = _fit(train, c_value)
        prob = clf.predict_proba(vec.transform([e.features for e in test]))[:, 1]
        losses.append(log_loss([e.label for e in test], prob, labels=[0, 1]))
    return sum(losses) / len(losses)


def train(name: str, data, digest: str, c_value: float | None = None) -> LinearModel:
    """The model of the best regularisation (or of ``c_value``), refitted on every example."""
    scores = {c: cross_validate(data, c) for c in C_GRID} if c_value is None else {
        c_value: float("nan")}
    best = min(scores, key=scores.get) if c_value is None else c_value
    vec, clf = _fit(data, best)
    weights = dict(zip(vec.get_feature_names_out(), clf.coef_[0], strict=True))
    bias = float(clf.intercept_[0]) + weights.pop("bias", 0.0)
    meta = {"examples": len(data), "positives": sum(e.label for e in data), "C": best,
            "cv_log_loss": {str(c): round(v, 4) for c, v in scores.items()},
            "gold_digest": digest}
    return LinearModel(name, {k: float(v) for k, v in weights.items()}, bias, 0.5, meta)


def fit_models(rows: list[dict], folds: dict[str, int], names_match, digest: str = "",
               c_values: tuple = (None, None)):
    """(sentence scorer, group scorer) trained on ``rows``."""
    sentence_ex, group_ex = examples(rows, folds, names_match)
    return (train("sentence", sentence_ex, digest, c_values[0]),
            train("group", group_ex, digest, c_values[1]))


def same_weights(a: LinearModel, b: LinearModel, tolerance: float = 1e-3) -> bool:
    """True when two models agree (feature set, weights, bias and threshold within tolerance)."""
    if set(a.weights) != set(b.weights) or abs(a.threshold - b.threshold) > 1e-9:
        return False
    return abs(a.bias - b.bias) <= tolerance and all(
        abs(a.weights[k] - b.weights[k]) <= tolerance for k in a.weights)


def fold_models(rows: list[dict], folds: dict[str, int], scorer) -> dict[int, tuple]:
    """Development fold → the models trained on the other development folds."""
    out = {}
    for fold in sorted({f for f in folds.values() if f != fold_split.HOLDOUT}):
        train_rows = [r for r in rows if folds[str(r["doc_id"])] not in (fold, fold_split.HOLDOUT)]
        out[fold] = fit_models(train_rows, folds, scorer.names_match)
    return out


def cross_fitted(rows: list[dict], folds: dict[str, int], scorer, per_fold=None,
                 threshold: float | None = None) -> list[dict]:
    """Events of every development report, each fold extracted by models trained without it."""
    per_fold = per_fold or fold_models(rows, folds, scorer)
    events = []
    for fold, (sentence_model, *others) in per_fold.items():
        if threshold is not None:
            sentence_model = dataclasses.replace(sentence_model, threshold=threshold)
        test_rows = [r for r in rows if folds[str(r["doc_id"])] == fold]
        events += extract_rows(test_rows, (sentence_model, *others))
    return events


def best_threshold(rows: list[dict], folds: dict[str, int], scorer, per_fold) -> float:
    """The sentence threshold with the best cross-fitted event F1 (the highest of the ties)."""
    scores = {}
    for threshold in THRESHOLDS:
        events = cross_fitted(rows, folds, scorer, per_fold, threshold)
        scores[threshold] = scorer.score(rows, events)["events"]["f1"]
    best = max(scores.values())
    # F1 is flat near its best (fold noise); among thresholds within F1_TIE of it the highest
    # wins: fewer false alerts and documents for the same F1.
    return max(t for t, f1 in scores.items() if f1 >= best - F1_TIE)


def summary(scorer, rows: list[dict], events: list[dict]) -> str:
    """One line of scores."""
    result = scorer.score(rows, events)
    e, f = result["events"], result["fields"]
    return (f"events F1 {e['f1']:.3f} (P {e['precision']:.3f} R {e['recall']:.3f}, "
            f"{e['matched']}/{e['gold']} gold, {e['predicted']} predicted); count {f['count']} "
            f"place {f['place']} destination {f['destination']}; document precision "
            f"{result['documents']['precision']}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="train and compare with the shipped model files; write nothing")
    parser.add_argument("--quick", action="store_true",
                        help="refit with the shipped regularisation and threshold (no CV)")
    parser.add_argument("--cv", action="store_true",
                        help="also score the pipeline on each development fold with models "
                             "trained on the other folds (an estimate for unseen reports)")
    parser.add_argument("--resplit", type=int, default=0, metavar="N",
                        help="also score cross-fitted on N other draws of the development folds "
                             "(how much the score owes to one split; the untouched fold stays out)")
    parser.add_argument("--holdout", action="store_true",
                        help="also score the untouched fold (do this once, at the end)")
    parser.add_argument("--out", default=str(MODELS), help="directory for the model files")
    args = parser.parse_args(argv)
    scorer = load_scorer()
    rows, digest = load_gold()
    folds = assign_folds()
    train_rows = [r for r in rows if folds[str(r["doc_id"])] != fold_split.HOLDOUT]
    print(f"train_extraction: {len(train_rows)} of {len(rows)} gold reports "
          f"(fold {fold_split.HOLDOUT} kept untouched), gold digest {digest}", file=sys.stderr)
    out = Path(args.out)
    if args.quick:  # the shipped regularisation and threshold, no cross-validation
        shipped = [load_model(n, str(out)) for n in ("sentence", "group")]
        models = fit_models(train_rows, folds, scorer.names_match, digest,
                            (shipped[0].meta["C"], shipped[1].meta["C"]))
        for model, old in zip(models, shipped, strict=True):
            model.meta["cv_log_loss"] = old.meta.get("cv_log_loss")
        threshold, per_fold = shipped[0].threshold, None
    else:
        models = fit_models(train_rows, folds, scorer.names_match, digest)
        per_fold = fold_models(train_rows, folds, scorer)
        threshold = best_threshold(train_rows, folds, scorer, per_fold)
    models = (dataclasses.replace(models[0], threshold=threshold), models[1])
    print(f"  sentence threshold {threshold} (best cross-fitted event F1)", file=sys.stderr)
    changed = []
    for model in models:
        path = out / f"{model.name}.json"
        meta = model.meta
        print(f"  {model.name}: {meta['examples']} examples, {meta['positives']} positive, "
              f"C={meta['C']}", file=sys.stderr)
        if args.check:
            shipped = load_model(model.name, str(out)) if path.is_file() else None
            if shipped is None or not same_weights(shipped, model) or \
                    shipped.meta.get("gold_digest") != digest:
                changed.append(path.name)
            continue
        out.mkdir(parents=True, exist_ok=True)
        path.write_text(model.to_json(), encoding="utf-8")
    if args.cv:
        per_fold = per_fold or fold_models(train_rows, folds, scorer)
        events = cross_fitted(train_rows, folds, scorer, per_fold, threshold)
        print(f"cross-fitted development folds: {summary(scorer, train_rows, events)}")
        for name, half in (("explored", fold_split.EXPLORE), ("confirming", fold_split.CONFIRM)):
            part = [r for r in train_rows if folds[str(r["doc_id"])] in half]
            print(f"  {name} folds {', '.join(map(str, half))} ({len(part)} reports): "
                  f"{summary(scorer, part, events)}")
    if args.resplit < 0:
        parser.error(f"--resplit must be 0 or more, not {args.resplit}")
    f1s = []
    for seed in range(1, args.resplit + 1):
        drawn = fold_split.redraw(rows, seed)
        events = cross_fitted(train_rows, drawn, scorer, None, threshold)
        f1s.append(scorer.score(train_rows, events)["events"]["f1"])
        print(f"re-drawn development folds, draw {seed}: {summary(scorer, train_rows, events)}")
    if f1s:
        print(f"re-drawn development folds: events F1 mean {sum(f1s) / len(f1s):.3f} "
              f"(min {min(f1s):.3f}, max {max(f1s):.3f}) over {len(f1s)} draws")
    if args.holdout:
        held = [r for r in rows if folds[str(r["doc_id"])] == fold_split.HOLDOUT]
        print(f"untouched fold ({len(held)} reports): "
              f"{summary(scorer, held, extract_rows(held, models))}")
    if changed:
        print(f"train_extraction: differs from the shipped files: {', '.join(changed)}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
