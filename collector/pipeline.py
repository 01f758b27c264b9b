"""A batch's way into the inbox: NLP analysis (when the stage is on), then the foundation's
idempotent ingest with the cursor, inside a transaction that first checks the lease is ours.

When the NLP stage is off or broken, items are stored unanalysed (analyzed_at null)
and the re-analysis job (collector/reanalyze.py) analyses them later: a broken model never
loses a comment.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import asyncpg

from collector.base import Batch
from inbox import accounts
from inbox.ingest import ingest_batch
from inbox.types import Analysis, IngestResult, NewItem, WorkerAccount
from nlp.rating import rated
from nlp.types import DEFAULT_LANGS, Document, Result

log = logging.getLogger(__name__)


SENTIMENTS = ("negative", "neutral", "positive")
# The schema's default response target, for accounts read without their brand's.
DEFAULT_TARGET_MINUTES = 240


class Analyzer(Protocol):
    """The NLP stage's contract (nlp.pool.Analyzer)."""

    async def analyze_batch(self, docs: list[Document]) -> list[Result]: ...


class LeaseLost(RuntimeError):
    """Another worker owns the account now: this worker's batch must not be stored."""


def analysis_of(result: Result) -> Analysis:
    """The NLP stage's result as the inbox's Analysis."""
    # The schema checks these; a surprising value from a newer NLP stage must not block ingest.
    return Analysis(
        lang=str(result.lang or "und")[:16],
        lang_confidence=float(result.lang_confidence or 0.0),
        sentiment=result.sentiment if result.sentiment in SENTIMENTS else "neutral",
        polarity=float(result.polarity or 0.0),
        priority=max(0, min(100, int(result.priority or 0))),
        reasons=[str(r) for r in result.reasons or []],
        spam=bool(result.spam),
    )


def document(
    body: str | None,
    *,
    followers: int | None,
    already_replied: bool,
    created_at: datetime | None,
    now: datetime,
    expected_langs: Sequence[str] | None,
    response_target_minutes: int | None,
) -> Document:
    """The NLP stage's input for one stored or fetched item: its text plus what priority depends on."""
    age = (now - created_at).total_seconds() if created_at else 0.0
    return Document(
        text=body or "",
        followers=followers or 0,
        already_replied=bool(already_replied),
        age_seconds=max(0.0, age),
        response_target_seconds=float((response_target_minutes or DEFAULT_TARGET_MINUTES) * 60),
        expected_langs=tuple(expected_langs or DEFAULT_LANGS),
    )


def documents(
    items: list[NewItem], *, expected_langs: Sequence[str], now: datetime, response_target_minutes: int | None = None
) -> list[Document]:
    """The NLP stage's input for a batch."""
    # Our own replies seen in the same batch mean the customer already has an answer.
    answered = {it.parent_external_id for it in items if it.from_business and it.parent_external_id}
    return [
        document(
            it.body, followers=it.author.followers if it.author else None,
            already_replied=it.from_business or it.external_id in answered, created_at=it.created_at, now=now,
            expected_langs=expected_langs, response_target_minutes=response_target_minutes,
        )
        for it in items
    ]


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
    except Exception as exc:
        log.warning("NLP stage failed on a batch of %d items (%s): stored unanalysed for now", len(items), exc)
        return False
    if len(results) != len(items):
        log.warning("NLP stage returned %d results for %d items: stored unanalysed", len(results), len(items))
        return False
    for item, doc, result in zip(items, docs, results):
        item.analysis = analysis_of(rated(result, doc, item.raw.get("rating")))
    return True


async def store(
    pool: asyncpg.Pool,
    *,
    account: WorkerAccount,
    batch: Batch,
    worker_id: str,
    now: datetime,
    analyzer: Analyzer | None = None,
) -> IngestResult:
    """Analyse a batch and store it with its cursor, if the account's lease is still ours."""
    await analyze(
        analyzer, batch.items, expected_langs=account.expected_langs, now=now,
        response_target_minutes=account.response_target_minutes,
    )
    async with pool.acquire() as conn, conn.transaction():
        # Locking the account row and checking the lease's token in the ingest's transaction
        # (fencing) means a worker whose lease was taken over, by another worker or by another
        # poll of its own, can never overwrite the cursor of the poll that holds it now.
        if not await accounts.holds_lease(conn, account.id, worker_id=worker_id, lease_token=account.lease_token):
            raise LeaseLost(f"lease on account {account.id} taken by another worker before its batch was stored")
        result = await ingest_batch(
            conn, brand_id=account.brand_id, account_id=account.id, items=batch.items,
            cursor=batch.cursor, now=now,
        )
        # Counted with the cursor that moved past the gap: a rolled-back page (a retried store)
        # counts nothing, and a stored one never goes uncounted.
        if batch.gap:
            await accounts.record_feed_gap(conn, account.id, worker_id=worker_id, lease_token=account.lease_token, now=now)
    if batch.gap:
        log.warning("account %s: the feed moved past entries Jasette had not read (none of those read before is"
                    " listed any more); some may be lost: poll this feed more often", account.id)
    return result
