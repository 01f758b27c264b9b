"""An owner hears of a complaint the fast layer missed: when the full path's re-scoring turns a
stored item negative, the next evaluation raises an alert on it (issue 14: the better reading
raises the alert; nothing is withdrawn silently)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from polling import Site, new_brand, wordpress_account
from test_pipeline import HAPPY, inject, poll

from collector.reanalyze import rescore_once
from inbox.alerts.evaluate import evaluate_brands
from inbox.credentials import Vault
from nlp.pool import Analyzer

# No urgent word: only its negative reading can make it alert.
RUDE = "Service lent et bête, la pire soirée de l'année. On reviendra plus jamais, c'est honteux."


@pytest.fixture
async def brand_id(pool: asyncpg.Pool, vault: Vault, site: Site) -> int:
    async with pool.acquire() as conn:
        brand = await new_brand(conn)
        await wordpress_account(conn, vault, brand, site)
        return brand


async def alerted_items(pool: asyncpg.Pool, brand_id: int) -> list[int]:
    rows = await pool.fetch("select item_ids from alerts where brand_id = $1", brand_id)
    return sorted(i for r in rows for i in r["item_ids"])


async def test_an_item_the_rescoring_turns_negative_raises_an_alert(pool, vault, site, session, brand_id) -> None:
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention') where brand_id = $1", brand_id)
    inject(site, RUDE, HAPPY)
    async with Analyzer(0) as fast:
        await poll(pool, vault, session, fast)
    rude_id, happy_id = [r["id"] for r in await pool.fetch("select id from items order by id")]
    # The fast layer misread the complaint as a neutral remark: no alert.
    await pool.execute("update items set sentiment = 'neutral', polarity = 0.01, priority = 20, reasons = '[]'"
                       " where id = $1", rude_id)
    assert await evaluate_brands(pool, None, datetime.now(UTC)) == []
    assert await alerted_items(pool, brand_id) == []

    async with Analyzer(0, model="full") as full:
        assert await rescore_once(pool, full) == 2
    rescored = await pool.fetchrow("select sentiment, priority, reasons from items where id = $1", rude_id)
    assert rescored["sentiment"] == "negative" and rescored["priority"] >= 50, dict(rescored)

    raised = await evaluate_brands(pool, None, datetime.now(UTC))
    assert len(raised) == 1
    assert await alerted_items(pool, brand_id) == [rude_id]  # the praise stays out of it
    # Evaluated again: the same reading does not alert twice.
    assert await evaluate_brands(pool, None, datetime.now(UTC)) == []
    assert happy_id not in await alerted_items(pool, brand_id)
