"""Quality floors on the shared development data (rows the model never trained on), and the scorer.

The full report with the naive baseline is `python -m nlp.evaluate`; these floors catch a
regression in a lexicon, a rule or the shipped weights.
"""

import os
from collections import Counter

import pytest
from shared_paths import shared_root

from nlp import analyze
from nlp.evaluate import scores
from nlp.language import detect
from nlp.train import held_out, read_rows

EVAL = os.environ.get("JASETTE_EVAL_DIR") or str(shared_root() / "eval")
needs_eval = pytest.mark.skipif(not os.path.isdir(EVAL), reason=f"shared eval data not present at {EVAL}")


def test_scores_macro_f1_recall_and_confusion():
    gold = ["negative", "negative", "neutral", "positive"]
    pred = ["negative", "neutral", "neutral", "positive"]
    f1, recall, confusion = scores(gold, pred)
    assert recall == {"negative": 0.5, "neutral": 1.0, "positive": 1.0}
    assert confusion[("negative", "neutral")] == 1
    assert f1 == pytest.approx((2 / 3 + 2 / 3 + 1.0) / 3)


@needs_eval
@pytest.mark.parametrize("lang,floor", [("en", 0.67), ("fr", 0.62)])
def test_sentiment_on_held_out_rows(lang, floor):
    rows = [r for r in read_rows(os.path.join(EVAL, f"sentiment_{lang}_dev.csv")) if held_out(r)]
    pred = [analyze(r["text"]).sentiment for r in rows]
    f1, recall, _ = scores([r["label"] for r in rows], pred)
    assert f1 >= floor
    assert recall["negative"] >= 0.84


@needs_eval
def test_language_by_kind():
    rows = [r for r in read_rows(os.path.join(EVAL, "langid_dev.csv")) if r["kind"] in ("tweet", "word-pairs")]
    right, total = Counter(), Counter()
    for r in rows:
        total[r["kind"]] += 1
        right[r["kind"]] += detect(r["text"])[0] == r["lang"]
    assert right["tweet"] / total["tweet"] >= 0.98
    assert right["word-pairs"] / total["word-pairs"] >= 0.85
