"""The learned sentiment layer: a small multinomial logistic model shipped as nlp/data/model_*.json.gz.

Pure Python at run time (a dictionary of weights, summed over present features): no numpy or
scikit-learn needed outside training (nlp/train.py rebuilds the files from scratch).
"""

from __future__ import annotations

import gzip
import json
import math
import os
from functools import cache

LABELS = ("negative", "neutral", "positive")
_DATA = os.path.join(os.path.dirname(__file__), "data")


@cache
def load(lang: str) -> dict | None:
    """Return the model for lang ("en" or "fr"), or None when none is shipped for it."""
    path = os.path.join(_DATA, f"model_{lang}.json.gz")
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    data["weights"] = {k: tuple(v) for k, v in data["weights"].items()}
    return data


def probabilities(model: dict, features: dict[str, float]) -> tuple[float, float, float]:
    """Return P(negative), P(neutral), P(positive) for the features, decision biases included."""
    weights = model["weights"]
    z = list(model["intercept"])
    # The negative bias, chosen in training so that at least 85% of negative comments are found
    # on unseen rows (nlp/train.py: _TARGET_NEG_RECALL): missing
    # an angry customer costs more than reading one neutral comment too many.
    z[0] += model.get("negative_bias", 0.0)
    # The neutral bias, chosen with it on the training folds for the best macro-F1.
    z[1] += model.get("neutral_bias", 0.0)
    for name, value in features.items():
        w = weights.get(name)
        if w is not None:
            z[0] += w[0] * value
            z[1] += w[1] * value
            z[2] += w[2] * value
    top = max(z)
    e = [math.exp(v - top) for v in z]
    s = sum(e)
    return e[0] / s, e[1] / s, e[2] / s


def top_features(model: dict, features: dict[str, float], label: int, n: int = 3) -> list[str]:
    """Return the n word features that pushed most toward label (for the evidence list)."""
    weights = model["weights"]
    pushes = []
    for name, value in features.items():
        w = weights.get(name)
        if w is None or not name.startswith(("w:", "b:", "p:", "s:")):
            continue
        push = (w[label] - sum(w) / 3) * value
        if push > 0.3:
            pushes.append((push, name))
    pushes.sort(key=lambda p: (-p[0], p[1]))
    return [name[2:] for _, name in pushes[:n]]
