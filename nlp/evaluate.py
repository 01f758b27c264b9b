"""`python -m nlp.evaluate [EVAL_DIR]`: this stage against the naive baseline, on shared/eval.

Prints, for sentiment_en_dev.csv and sentiment_fr_dev.csv, macro-F1, per-class recall and the
confusion matrix of Jasette's stage and of the naive pipeline (plain langdetect, then TextBlob or
textblob-fr polarity, sign as label) computed in the same run, on every row ("dev") and on the
rows nlp/train.py never saw ("held-out"); then language accuracy by kind on langid_dev.csv for
Jasette's detector, seeded and restricted langdetect, and plain langdetect.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter

from .analysis import analyze, warm_up
from .language import detect, detect_langdetect
from .model import LABELS
from .train import eval_dir, held_out, read_rows


def scores(gold: list[str], pred: list[str]) -> tuple[float, dict[str, float], dict[tuple[str, str], int]]:
    """Return (macro-F1, recall per class, confusion counts keyed (gold, predicted))."""
    confusion = Counter(zip(gold, pred))
    f1s, recall = [], {}
    for label in LABELS:
        tp = confusion[(label, label)]
        fp = sum(confusion[(g, label)] for g in LABELS if g != label)
        fn = sum(confusion[(label, p)] for p in LABELS if p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall[label] = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * precision * recall[label] / (precision + recall[label]) if precision + recall[label] else 0.0)
    return sum(f1s) / len(f1s), recall, dict(confusion)


def naive_sentiment(text: str) -> str:
    """The design card used naively: langdetect picks the analyser, the polarity's sign is the label."""
    from langdetect import detect as ld_detect
    from langdetect.lang_detect_exception import LangDetectException
    from textblob import TextBlob

    try:
        lang = ld_detect(text)
    except LangDetectException:
        lang = "und"
    if lang == "fr":
        from textblob_fr import PatternAnalyzer, PatternTagger

        polarity = TextBlob(text, pos_tagger=PatternTagger(), analyzer=PatternAnalyzer()).sentiment[0]
    else:
        polarity = TextBlob(text).sentiment.polarity
    return "negative" if polarity < 0 else "positive" if polarity > 0 else "neutral"


def _print_scores(name: str, gold: list[str], pred: list[str]) -> None:
    f1, recall, confusion = scores(gold, pred)
    recalls = "  ".join(f"{label[:3]} {recall[label]:.3f}" for label in LABELS)
    print(f"  {name:<22} n={len(gold):<5} macro-F1 {f1:.3f}   recall: {recalls}")
    print("      confusion (rows gold, columns predicted: neg neu pos)")
    for g in LABELS:
        print(f"        {g[:3]}  " + " ".join(f"{confusion.get((g, p), 0):5d}" for p in LABELS))


def _held_out_of(source: str):
    return lambda row: held_out(row) and row["source"].startswith(source)


def sentiment_report(folder: str) -> None:
    """Print sentiment figures for both languages, ours beside the naive baseline, then a summary."""
    summary: list[tuple[str, int, float, float, float, float]] = []
    for lang in ("en", "fr"):
        path = os.path.join(folder, f"sentiment_{lang}_dev.csv")
        rows = read_rows(path)
        started = time.perf_counter()
        ours = [analyze(r["text"]).sentiment for r in rows]
        ours_us = (time.perf_counter() - started) / len(rows) * 1e6
        started = time.perf_counter()
        naive = [naive_sentiment(r["text"]) for r in rows]
        naive_us = (time.perf_counter() - started) / len(rows) * 1e6
        gold = [r["label"] for r in rows]
        print(f"\n== sentiment_{lang}_dev.csv  (Jasette {ours_us:.0f} us/text, naive {naive_us:.0f} us/text)")
        splits = [("dev (all rows)", lambda r: True), ("held-out", held_out)]
        splits += [(f"held-out {s}", _held_out_of(s)) for s in sorted({r["source"].split("-")[0] for r in rows})]
        for split, chosen in splits:
            idx = [i for i, r in enumerate(rows) if chosen(r)]
            if not idx or (split.startswith("held-out ") and len({r["source"].split("-")[0] for r in rows}) == 1):
                continue
            print(f" {split}:")
            g = [gold[i] for i in idx]
            _print_scores("Jasette", g, [ours[i] for i in idx])
            _print_scores("naive baseline", g, [naive[i] for i in idx])
            (f1, rec, _), (nf1, nrec, _) = scores(g, [ours[i] for i in idx]), scores(g, [naive[i] for i in idx])
            summary.append((f"{lang} {split}", len(idx), f1, rec["negative"], nf1, nrec["negative"]))
    # Held-out rows are the honest figure: "dev (all rows)" includes the ~75% the model trained on.
    print("\n== summary (macro-F1 / negative recall; held-out = rows nlp/train.py never saw)")
    print(f"  {'set':<24}{'rows':>6}{'Jasette F1':>12}{'neg rec':>9}{'naive F1':>10}{'neg rec':>9}")
    for name, n, f1, neg, nf1, nneg in summary:
        print(f"  {name:<24}{n:>6}{f1:>12.3f}{neg:>9.3f}{nf1:>10.3f}{nneg:>9.3f}")


def language_report(folder: str, sample: int) -> None:
    """Print language accuracy by kind: ours, langdetect seeded and restricted, plain langdetect."""
    from langdetect import DetectorFactory
    from langdetect import detect as ld_detect
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    rows = read_rows(os.path.join(folder, "langid_dev.csv"))
    if sample:
        rows = rows[:: max(1, len(rows) // sample)]

    def plain(text: str) -> str:
        try:
            return ld_detect(text)
        except LangDetectException:
            return "und"

    methods = [
        ("Jasette", lambda t: detect(t)[0]),
        ("langdetect seeded+restricted", lambda t: detect_langdetect(t)[0]),
        ("naive langdetect", plain),
    ]
    kinds = sorted({r["kind"] for r in rows})
    print(f"\n== langid_dev.csv ({len(rows)} rows; expected languages fr, en)")
    print(f"  {'method':<30}" + "".join(f"{k:>14}" for k in kinds) + f"{'us/text':>10}")
    for name, fn in methods:
        right: Counter[str] = Counter()
        total: Counter[str] = Counter()
        started = time.perf_counter()
        for r in rows:
            total[r["kind"]] += 1
            right[r["kind"]] += fn(r["text"]) == r["lang"]
        us = (time.perf_counter() - started) / len(rows) * 1e6
        print(f"  {name:<30}" + "".join(f"{right[k] / total[k]:>14.4f}" for k in kinds) + f"{us:>10.0f}")


# Every REVIEW_STEP-th review sentence: a fixed sample, the same for every run and path.
REVIEW_STEP = 6


def held_out_report(folder: str, model: str) -> None:
    """Print macro-F1 and negative recall of one path ("fast" or "full") on the rows that measure
    it: the held-out tweets (EN, FR) and a fixed sixth of the review sentences, a source no model
    here trained on. Measuring only: nothing is chosen on these rows."""
    from .pool import analyze_docs
    from .types import Document

    sets = []
    for lang in ("en", "fr"):
        rows = [r for r in read_rows(os.path.join(folder, f"sentiment_{lang}_dev.csv")) if held_out(r)]
        sets.append((f"{lang} held-out", rows))
    reviews = os.path.join(folder, "sentiment_en_reviews_dev.csv")
    if os.path.exists(reviews):
        sets.append((f"en reviews, every {REVIEW_STEP}th", read_rows(reviews)[::REVIEW_STEP]))
    print(f"\n== held-out, {model} path (macro-F1, recall per class)")
    for name, rows in sets:
        started = time.perf_counter()
        pred = [res.sentiment for res in analyze_docs([Document(r["text"]) for r in rows], model)]
        seconds = time.perf_counter() - started
        f1, recall, _ = scores([r["label"] for r in rows], pred)
        print(f"  {name:<26}{len(rows):>6}  macro-F1 {f1:.3f}  neg {recall['negative']:.3f}  neu {recall['neutral']:.3f}"
              f"  pos {recall['positive']:.3f}  ({len(rows) / seconds:.0f} texts/s)")


# Letter counts of the long texts' buckets (texts under language.SHORT_LETTERS go to lingua).
LONG_BUCKETS = ((30, 59), (60, 119), (120, 10**6))


def long_language_report(folder: str, sample: int) -> None:
    """Print accuracy by length bucket on langid_dev's texts of 30+ letters: today's long-text
    model (langdetect's profiles, exact naive Bayes) against py3langid restricted to the same
    candidates and prior (both with the name and look-alike fixes), and py3langid's full
    97-language model alone; with µs per text."""
    from .language import _py3langid
    from .text import for_language

    rows = read_rows(os.path.join(folder, "langid_dev.csv"))
    if sample:
        rows = rows[:: max(1, len(rows) // sample)]

    def letters(text: str) -> int:
        return sum(1 for c in for_language(text) if c.isalpha())

    rows = [dict(r, letters=letters(r["text"])) for r in rows]
    rows = [r for r in rows if r["letters"] >= 30]
    full = _py3langid(None)
    methods = [
        ("NB (before)", lambda t: detect(t, long_detector="nb")[0]),
        ("py3langid in Jasette", lambda t: detect(t, long_detector="py3langid")[0]),
        ("Jasette now (py3 < 60)", lambda t: detect(t)[0]),
        ("py3langid full model", lambda t: full.classify(for_language(t))[0]),
    ]
    buckets = [f"{lo}-{hi}" if hi < 10**6 else f"{lo}+" for lo, hi in LONG_BUCKETS]
    counts = [sum(1 for r in rows if lo <= r["letters"] <= hi) for lo, hi in LONG_BUCKETS]
    print(f"\n== langid_dev.csv, texts of 30+ letters ({len(rows)} rows) by letters")
    print(f"  {'method':<24}" + "".join(f"{b + ' (' + str(n) + ')':>16}" for b, n in zip(buckets, counts))
          + f"{'tweets':>10}{'all':>8}{'us/text':>10}")
    for name, fn in methods:
        right: Counter[str] = Counter()
        total: Counter[str] = Counter()
        started = time.perf_counter()
        for r in rows:
            ok = fn(r["text"]) == r["lang"]
            keys = [b for b, (lo, hi) in zip(buckets, LONG_BUCKETS) if lo <= r["letters"] <= hi] + ["all"]
            keys += ["tweets"] if r["kind"] == "tweet" else []
            for k in keys:
                total[k] += 1
                right[k] += ok
        us = (time.perf_counter() - started) / len(rows) * 1e6
        print(f"  {name:<24}" + "".join(f"{right[b] / max(1, total[b]):>16.4f}" for b in buckets)
              + f"{right['tweets'] / max(1, total['tweets']):>10.4f}{right['all'] / total['all']:>8.4f}{us:>10.0f}")


def main(argv: list[str] | None = None) -> int:
    """Run the report; exit 2 when the eval folder is missing."""
    parser = argparse.ArgumentParser(prog="python -m nlp.evaluate", description=__doc__.splitlines()[0])
    parser.add_argument("eval_dir", nargs="?", help="folder holding the *_dev.csv files (default ../shared/eval)")
    parser.add_argument("--sample", type=int, default=0, help="language rows to use (0: all)")
    parser.add_argument("--only", choices=("sentiment", "language", "long-language", "held-out"),
                        help="run one report only (held-out: not part of the default run)")
    parser.add_argument("--model", choices=("fast", "full"), default="fast", help="path for --only held-out")
    args = parser.parse_args(argv)
    folder = eval_dir([args.eval_dir] if args.eval_dir else None)
    if not os.path.isdir(folder):
        print(f"no eval data at {folder}", file=sys.stderr)
        return 2
    warm_up()
    if args.only in (None, "sentiment"):
        sentiment_report(folder)
    if args.only in (None, "language"):
        language_report(folder, args.sample)
    if args.only in (None, "long-language"):
        long_language_report(folder, args.sample)
    if args.only == "held-out":
        held_out_report(folder, args.model)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
