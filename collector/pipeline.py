"""A batch's way into the inbox: NLP analysis (when the stage is on), then the foundation's
idempotent ingest with the cursor, inside a transaction that first checks the lease is ours.

When the NLP stage is off, missing or broken, items are stored unanalysed (analyzed_at null)
and the re-analysis job (collector/reanalyze.py) analyses them later: a broken model never
loses a comment.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from collector.base import Batch
from inbox import accounts
from inbox.ingest import ingest_batch
from inbox.types import Analysis, IngestResult, NewItem

log = logging.getLogger(__name__)


SENTIMENTS = ("negative", "neutral", "positive")
# The schema's default response target, for accounts read without their brand's.
DEFAULT_TARGET_MINUTES = 240


class Analyzer(Protocol):
    """The NLP stage's contract (nlp.pool.Analyzer)."""

    async def analyze_batch(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]: ...


class LeaseLost(RuntimeError):
    """Another worker owns the account now: this worker's batch must not be stored."""


def make_analyzer(workers: int) -> Any | None:
    """The NLP stage with `workers` processes, or None (items stored unanalysed) when it is absent."""
    try:
        from nlp.pool import (
            Analyzer as PoolAnalyzer,  # the NLP stage is optional at this layer
        )
    except ImportError as exc:
        log.warning("NLP stage unavailable (%s): items are stored unanalysed until it is", exc)
        return None
    return PoolAnalyzer(workers)


def analysis_of(result: dict[str, Any]) -> Analysis:
    """The NLP stage's result dict as the inbox's Analysis."""
    sentiment = str(result.get("sentiment") or "neutral")
    # The schema checks these; a surprising value from a newer NLP stage must not block ingest.
    return Analysis(
        lang=str(result.get("lang") or "und")[:16],
        lang_confidence=float(result.get("lang_confidence") or 0.0),
        sentiment=sentiment if sentiment in SENTIMENTS else "neutral",
        polarity=float(result.get("polarity") or 0.0),
        priority=max(0, min(100, int(result.get("priority") or 0))),
        reasons=[str(r) for r in result.get("reasons") or []],
        spam=bool(result.get("spam")),
    )


def documents(
    items: list[NewItem], *, expected_langs: list[str], now: datetime, response_target_minutes: int | None = None
) -> list[dict[str, Any]]:
    """The NLP stage's input for a batch: text plus what priority depends on."""
    # Our own replies seen in the same batch mean the customer already has an answer.
    answered = {it.parent_external_id for it in items if it.from_business and it.parent_external_id}
    docs = []
    for it in items:
        age = (now - it.created_at).total_seconds() if it.created_at else 0.0
        docs.append(
            {
                "text": it.body or "",
                "followers": (it.author.followers if it.author else None) or 0,
                "platform": it.platform,
                "already_replied": it.from_business or it.external_id in answered,
                "age_seconds": max(0.0, age),
                "expected_langs": list(expected_langs or ["fr", "en"]),
                "response_target_seconds": (response_target_minutes or DEFAULT_TARGET_MINUTES) * 60,
            }
        )
    return docs


async def analyze(
    analyzer: Analyzer | None, items: list[NewItem], *, expected_langs: list[str], now: datetime,
    response_target_minutes: int | None = None,
) -> bool:
    """Fill each item's analysis; False (items left unanalysed) when the stage is off or failed."""
    if analyzer is None or not items:
        return False
    try:
        docs = documents(items, expected_langs=expected_langs, now=now, response_target_minutes=response_target_minutes)
        results = await analyzer.analyze_batch(docs)
    except Exception as exc:  # noqa: BLE001 - any NLP failure degrades to "analyse later"
        log.warning("NLP stage failed on a batch of %d items (%s): stored unanalysed for now", len(items), exc)
        return False
    if len(results) != len(items):
        log.warning("NLP stage returned %d results for %d items: stored unanalysed", len(results), len(items))
        return False
    for item, result in zip(items, results):
        item.analysis = analysis_of(result)
    return True


async def store(
    pool: asyncpg.Pool,
    *,
    account: dict[str, Any],
    batch: Batch,
    worker_id: str,
    now: datetime,
    analyzer: Analyzer | None = None,
) -> IngestResult:
    """Analyse a batch and store it with its cursor, if the account's lease is still ours."""
    await analyze(
        analyzer, batch.items, expected_langs=account.get("expected_langs") or [], now=now,
        response_target_minutes=account.get("response_target_minutes"),
    )
    async with pool.acquire() as conn, conn.transaction():
        # Locking the account row and checking the lease in the ingest's transaction means a
        # worker whose lease ran out can never overwrite the cursor of the worker that took over.
        if not await accounts.holds_lease(conn, account["id"], worker_id=worker_id, now=now):
            raise LeaseLost(f"lease on account {account['id']} expired before its batch was stored")
        return await ingest_batch(
            conn, brand_id=account["brand_id"], account_id=account["id"], items=batch.items,
            cursor=batch.cursor, now=now,
        )
