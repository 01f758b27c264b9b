"""The Quebec customer-comment development set (data/dev_quebec.jsonl, guide in nlp/LABELLING.md).

`python -m nlp.devset [--model fast|full] [--errors]` prints macro-F1 over negative / neutral /
positive, negative recall, how the priority ranks urgent items (AUC), question, urgency and spam
detection, and sentiment accuracy per kind of comment (questions, sarcasm, joual, urgent but
neutral, spam, mixed French/English); `--errors` lists every misread comment for error analysis.

A development set: written and labelled by the team to find and fix kinds of errors, so its
figures are optimistic. The measure is data the team never saw (the public test splits,
measured only, and the issue's own customer comments).
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .evaluate import scores
from .types import Document, Result

PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "dev_quebec.jsonl")
# Kinds of comment the issue names, each a predicate on a labelled row.
KINDS: dict[str, Callable[[dict], bool]] = {
    "question": lambda r: r["is_question"],
    "sarcasm": lambda r: "sarcasm" in r["tags"],
    "joual": lambda r: "joual" in r["tags"],
    "urgent_neutral": lambda r: r["urgent"] and r["sentiment"] == "neutral",
    "urgent": lambda r: r["urgent"],
    "spam": lambda r: r["spam"],
    "mixed": lambda r: r["lang"] == "mixed",
    "english": lambda r: r["lang"] == "en",
    "french": lambda r: r["lang"] == "fr",
}


def load(path: str = PATH) -> list[dict]:
    """Return the labelled rows of the development set."""
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        return 0.0
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def is_urgent(result: Result) -> bool:
    """True when the stage named an urgent matter among the reasons."""
    return any(code.startswith("urgent:") for code in result.reasons)


@dataclass
class Report:
    macro_f1: float
    negative_recall: float
    recall: dict[str, float]
    urgent_auc: float
    urgent_recall: float
    question: tuple[float, float]  # precision, recall
    spam: tuple[float, float]
    kinds: dict[str, tuple[int, float]]  # kind -> (rows, sentiment accuracy)
    rows: int


def _precision_recall(gold: list[bool], pred: list[bool]) -> tuple[float, float]:
    tp = sum(g and p for g, p in zip(gold, pred))
    return (tp / sum(pred) if any(pred) else 0.0, tp / sum(gold) if any(gold) else 0.0)


def report(rows: list[dict], results: list[Result]) -> Report:
    """Return the figures of results (one per row, in order) against the rows' labels."""
    gold = [r["sentiment"] for r in rows]
    pred = [res.sentiment for res in results]
    macro, recall, _ = scores(gold, pred)
    urgent_pri = [res.priority for r, res in zip(rows, results) if r["urgent"]]
    other_pri = [res.priority for r, res in zip(rows, results) if not r["urgent"]]
    kinds = {}
    for name, test in KINDS.items():
        picked = [g == p for r, g, p in zip(rows, gold, pred) if test(r)]
        kinds[name] = (len(picked), sum(picked) / len(picked) if picked else 0.0)
    from .signals import is_question
    from .text import clean
    from .tokens import tokenize

    asked = [is_question(tokenize(clean(r["text"]))) for r in rows]
    return Report(
        macro_f1=macro,
        negative_recall=recall["negative"],
        recall=recall,
        urgent_auc=auc(urgent_pri, other_pri),
        urgent_recall=sum(is_urgent(res) for r, res in zip(rows, results) if r["urgent"]) / max(1, len(urgent_pri)),
        question=_precision_recall([r["is_question"] for r in rows], asked),
        spam=_precision_recall([r["spam"] for r in rows], [res.spam for res in results]),
        kinds=kinds,
        rows=len(rows),
    )


def analyze_rows(rows: list[dict], model: str = "fast") -> list[Result]:
    """Return the stage's reading of each row, in one process (model "fast" or "full")."""
    from .pool import analyze_docs

    return analyze_docs([Document(r["text"]) for r in rows], model)


def _print(rep: Report, model: str) -> None:
    print(f"== dev_quebec.jsonl, {rep.rows} comments, {model} path")
    print(f"macro-F1 {rep.macro_f1:.3f}  recall negative {rep.recall['negative']:.2f} neutral "
          f"{rep.recall['neutral']:.2f} positive {rep.recall['positive']:.2f}")
    print(f"urgent: priority AUC {rep.urgent_auc:.3f}, named urgent {rep.urgent_recall:.2f}")
    print(f"question precision/recall {rep.question[0]:.2f}/{rep.question[1]:.2f}; "
          f"spam precision/recall {rep.spam[0]:.2f}/{rep.spam[1]:.2f}")
    print("sentiment accuracy by kind: " + ", ".join(f"{k} {acc:.2f} ({n})" for k, (n, acc) in rep.kinds.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", choices=("fast", "full"), default="fast")
    parser.add_argument("--errors", action="store_true", help="list every misread comment")
    args = parser.parse_args(argv)
    rows = load()
    results = analyze_rows(rows, args.model)
    if args.errors:
        for r, res in zip(rows, results):
            wrong = [f"sentiment {res.sentiment} (gold {r['sentiment']})"] if res.sentiment != r["sentiment"] else []
            if r["urgent"] != is_urgent(res):
                wrong.append(f"urgent {is_urgent(res)}")
            if r["spam"] != res.spam:
                wrong.append(f"spam {res.spam}")
            if wrong:
                print(f"{r['id']} [{','.join(r['tags']) or '-'}] {'; '.join(wrong)}; priority {res.priority} "
                      f"{res.reasons}\n    {r['text']}\n    {' '.join(res.evidence[:8])}")
    _print(report(rows, results), args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
