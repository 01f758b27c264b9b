"""The catch-up job: analyse items stored while the NLP stage was off, missing or failing
(analyzed_at null), oldest first, and tell the inbox they changed. And the re-scoring job: the
full NLP path (sentence encoder) reads again what the fast layer read at ingest, least sure first."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import asyncpg

from collector.clock import utcnow
from collector.pipeline import Analyzer, analysis_of, document
from inbox import analysis, rescore
from inbox.types import Analysis
from nlp.rating import rated
from nlp.types import Document

log = logging.getLogger(__name__)


async def _analyses(analyzer: Analyzer, docs: list[Document], ids: list[int],
                    ratings: list[Any] | None = None) -> list[Analysis]:
    """The batch's analyses (a review's stars read with its text, nlp.rating); one text that
    always breaks the stage must not block the others."""
    stars = ratings or [None] * len(docs)
    try:
        results = await analyzer.analyze_batch(docs)
        if len(results) != len(docs):
            raise RuntimeError(f"NLP stage returned {len(results)} results for {len(docs)} items")
        return [analysis_of(rated(res, doc, n)) for res, doc, n in zip(results, docs, stars)]
    except Exception:
        if len(docs) == 1:
            raise
    # Item by item: if none works the stage itself is down (raise, retry later); if some work,
    # the others are poison and get the neutral default, so the queue moves on.
    found: list[Analysis | None] = []
    for doc, n in zip(docs, stars):
        try:
            found.append(analysis_of(rated((await analyzer.analyze_batch([doc]))[0], doc, n)))
        except Exception:
            found.append(None)
    if all(a is None for a in found):
        raise RuntimeError("the NLP stage fails on every item")
    for item_id, result in zip(ids, found):
        if result is None:
            log.warning("item %s: the NLP stage fails on its text; stored with a neutral analysis", item_id)
    return [a or Analysis() for a in found]


def _documents(rows: list[Any], now: datetime) -> list[Document]:
    """The NLP input of each item row (inbox.analysis and inbox.rescore select the same columns)."""
    return [
        document(
            r["body"], followers=r["followers"], already_replied=r["from_business"] or r["already_replied"],
            created_at=r["created_at"], now=now, expected_langs=r["expected_langs"],
            response_target_minutes=r["response_target_minutes"],
        )
        for r in rows
    ]


async def reanalyze_once(
    pool: asyncpg.Pool, analyzer: Analyzer, *, batch_size: int = 200, clock: Callable[[], datetime] = utcnow
) -> int:
    """Analyse one batch of unanalysed items; return how many were updated."""
    async with pool.acquire() as conn:
        rows = await analysis.pending(conn, batch_size)
    if not rows:
        return 0
    now = clock()
    analyses = await _analyses(analyzer, _documents(rows, now), [r["id"] for r in rows], [r["rating"] for r in rows])
    async with pool.acquire() as conn:
        return await analysis.store_analyses(conn, [r["id"] for r in rows], analyses, now)


async def reanalyze_all(pool: asyncpg.Pool, analyzer: Analyzer, *, batch_size: int = 200) -> int:
    """Catch up on every unanalysed item; return how many were analysed."""
    total = 0
    while True:
        done = await reanalyze_once(pool, analyzer, batch_size=batch_size)
        total += done
        if done == 0:
            return total


async def rescore_once(
    pool: asyncpg.Pool, analyzer: Analyzer, *, batch_size: int = 32, clock: Callable[[], datetime] = utcnow
) -> int:
    """Re-score one batch with the full path (analyzer's model "full"); return how many items were read."""
    async with pool.acquire() as conn:
        rows = await rescore.due(conn, batch_size)
    if not rows:
        return 0
    now = clock()
    analyses = await _analyses(analyzer, _documents(rows, now), [r["id"] for r in rows], [r["rating"] for r in rows])
    async with pool.acquire() as conn:
        await rescore.store_rescored(conn, rows, analyses)
    return len(rows)
