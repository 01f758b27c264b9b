"""What the alert tests share: a clock running from a chosen start, negative comments stored
through the real ingest path, alert channels on the brand, and waiting on the receivers."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem


class Clock:
    """Real time plus an offset the test moves forward (leases, cooldowns, backoff)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.base = start or datetime.now(UTC)
        self.started = datetime.now(UTC)
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.base + (datetime.now(UTC) - self.started) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


def negative(external_id: str, *, created_at: datetime, thread: str = "post-1", priority: int = 80,
             reasons: list[str] | None = None, followers: int = 10, body: str = "Service horrible, attente interminable",
             analyzed: bool = True, sentiment: str = "negative") -> NewItem:
    """A comment as the NLP stage would hand it over (analysis None: not analysed yet)."""
    return NewItem(
        platform="facebook", external_id=external_id, kind="comment", body=body, created_at=created_at,
        author=Author(external_id=f"au-{external_id}", name=f"Client {external_id}", followers=followers),
        parent_external_id=thread, thread_external_id=thread,
        analysis=Analysis(lang="fr", lang_confidence=0.99, sentiment=sentiment, polarity=-0.6 if sentiment == "negative" else 0.0,
                          priority=priority, reasons=reasons if reasons is not None else ["negative"]) if analyzed else None,
    )


async def ingest(pool: Any, brand: dict, items: list[NewItem], now: datetime) -> list[int]:
    """Store items through the real ingest path (NOTIFY included); their new ids."""
    async with pool.acquire() as conn:
        result = await ingest_batch(conn, brand_id=brand["brand_id"], account_id=brand["account_id"], items=items, now=now)
    return result.new_ids


async def configure(pool: Any, brand_id: int, **settings: Any) -> None:
    """Set alert channels on the brand (alert_emails, webhook_url, webhook_secret)."""
    await pool.execute("update brands set settings = settings || $2::jsonb where id = $1", brand_id, settings)


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    """Poll a condition on the real clock (receivers live on other tasks/threads)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
