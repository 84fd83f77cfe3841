"""Linear scorers shipped as JSON: a weight per feature name and a bias, nothing else.

The training script (``deploy/train_extraction.py``) fits them with scikit-learn and writes
``transforms/data/models/<name>.json``; at run time only this file is read, so scoring needs
neither scikit-learn nor anything outside the package.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MODELS = Path(__file__).resolve().parent.parent / "data" / "models"


@dataclass(frozen=True)
class LinearModel:
    """Logistic scorer: ``probability(features) = sigmoid(bias + Σ weight[f] · value)``."""
    name: str
    weights: dict
    bias: float
    threshold: float = 0.5
    meta: dict | None = None

    def margin(self, features: dict[str, float]) -> float:
        """The linear score of a feature dict (unknown features weigh nothing)."""
        w = self.weights
        return self.bias + sum(w.get(k, 0.0) * v for k, v in features.items())

    def probability(self, features: dict[str, float]) -> float:
        """The logistic probability of a feature dict."""
        z = max(-30.0, min(30.0, self.margin(features)))
        return 1.0 / (1.0 + math.exp(-z))

    def to_json(self) -> str:
        """The model file's text (sorted keys, rounded weights: stable diffs)."""
        return json.dumps({"name": self.name, "bias": round(self.bias, 6),
                           "threshold": round(self.threshold, 4), "meta": self.meta or {},
                           "weights": {k: round(v, 6) for k, v in sorted(self.weights.items())
                                       if abs(v) > 1e-9}},
                          ensure_ascii=False, indent=1, sort_keys=True) + "\n"


@cache
def load(name: str, directory: str | None = None) -> LinearModel:
    """The model ``<name>.json`` of the package (or of ``directory``)."""
    path = Path(directory or MODELS) / f"{name}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return LinearModel(data["name"], data["weights"], float(data["bias"]),
                       float(data.get("threshold", 0.5)), data.get("meta"))
