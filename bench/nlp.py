"""Throughput of the NLP stage: `python bench/nlp.py [--items N] [--workers W]` prints one JSON object.

Measures items/s of the whole stage through nlp.pool.Analyzer with W worker processes (batches
of 500, as the collector sends them), the same stage in one process, the full path (sentence
encoder blended in, one process, as the background re-scoring runs it; `--full-items 0` skips it)
and the naive pipeline (langdetect.detect, then TextBlob or textblob-fr polarity) on the same
comments in the same run.
Comments are generated from bilingual templates (no data files needed), seeded for repeatability.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from nlp.analysis import analyze, warm_up
from nlp.pool import Analyzer
from nlp.types import Document

_FR = [
    "Ma commande est toujours pas arrivée, ça fait 2 semaines",
    "Service full lent ce midi, c'est plate",
    "Merci pour l'accueil, on a adoré nos pâtes!",
    "Est-ce que vous êtes ouverts le lundi?",
    "C'était pas pire, mais la soupe était froide",
    "Je veux un remboursement, c'est une arnaque",
    "Tiguidou, à la semaine prochaine",
    "Vos beignes sont écoeurants!!! 😍",
    "Ouin, bof, trop cher pour ce que c'est",
    "Mon fils a fait une réaction allergique après votre dessert",
    "Bravo à toute l'équipe 👏👏",
    "Pourquoi personne répond au téléphone?",
    "Le livreur était vraiment niaiseux",
    "Ils ont cancellé ma réservation",
]
_EN = [
    "Still waiting for my order, placed it two weeks ago",
    "Great coffee and super friendly staff!",
    "Do you deliver to Laval?",
    "Worst service ever. Never again.",
    "Food was good but the wait was terrible",
    "Thanks for nothing 🙄",
    "I got sick after eating there last night",
    "Love this place ❤️❤️",
    "My lawyer will hear about this",
    "Can I get a refund for the broken chair?",
    "meh",
    "DM me for 10k followers",
    "Congratulations! You won a gift card, click here to claim",
    "Is the patio open yet?",
]
_TAILS = ["", "", " @user", " #mtl", " http://example.com/p/1", " !!!", " 😡", " lol", " 🙂", "..."]


def comments(n: int, seed: int = 7) -> list[Document]:
    """Return n generated comment documents."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        base = rng.choice(_FR if rng.random() < 0.55 else _EN)
        text = base + rng.choice(_TAILS) + ("" if rng.random() < 0.7 else " " + rng.choice(_FR + _EN))
        out.append(Document(text, followers=rng.choice([None, 12, 340, 5200, 120000]), age_seconds=rng.random() * 30000))
    return out


def naive(text: str) -> tuple[str, float]:
    """The design card used naively: plain langdetect, then TextBlob or textblob-fr."""
    from langdetect import detect
    from langdetect.lang_detect_exception import LangDetectException
    from textblob import TextBlob
    from textblob_fr import PatternAnalyzer, PatternTagger

    try:
        lang = detect(text)
    except LangDetectException:
        lang = "und"
    if lang == "fr":
        return lang, TextBlob(text, pos_tagger=PatternTagger(), analyzer=PatternAnalyzer()).sentiment[0]
    return lang, TextBlob(text).sentiment.polarity


async def _pool_rate(docs: list[Document], workers: int, batch: int, model: str = "fast") -> float:
    async with Analyzer(workers=workers, model=model) as analyzer:
        await analyzer.analyze_batch(docs[: max(1, workers) * (200 if model == "fast" else 8)])  # started and warm
        started = time.perf_counter()
        for i in range(0, len(docs), batch):
            await analyzer.analyze_batch(docs[i : i + batch])
        return len(docs) / (time.perf_counter() - started)


def main() -> int:
    """Run the benchmark and print its JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--naive-items", type=int, default=1500)
    parser.add_argument("--full-items", type=int, default=300, help="comments for the full path (0: skip it)")
    args = parser.parse_args()
    docs = comments(args.items)
    pool_rate = asyncio.run(_pool_rate(docs, args.workers, args.batch))
    warm_up()
    sample = docs[: min(len(docs), 4000)]
    started = time.perf_counter()
    for d in sample:
        analyze(d.text, followers=d.followers, age_seconds=d.age_seconds)
    single_rate = len(sample) / (time.perf_counter() - started)
    naive_docs = docs[: args.naive_items]
    naive(naive_docs[0].text)
    started = time.perf_counter()
    for d in naive_docs:
        naive(d.text)
    naive_rate = len(naive_docs) / (time.perf_counter() - started)
    full_rate = None
    if args.full_items > 0:
        full_rate = round(asyncio.run(_pool_rate(docs[: args.full_items], 1, 32, "full")), 1)
    print(
        json.dumps(
            {
                "items": len(docs),
                "workers": args.workers,
                "batch": args.batch,
                "items_per_s": round(pool_rate),
                "single_process_items_per_s": round(single_rate),
                "full_path_items_per_s": full_rate,
                "naive_items_per_s": round(naive_rate),
                "ratio_vs_naive": round(pool_rate / naive_rate, 2),
                "target_items_per_s": 8000,
                "cpus": os.cpu_count(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
