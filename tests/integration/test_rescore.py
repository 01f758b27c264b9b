"""The full NLP path re-scores what the fast layer read at ingest: the better reading reaches the
stored item (sentiment, priority, reasons) and the live inbox hears of it."""

from __future__ import annotations

import asyncio
import json

import asyncpg
import pytest
from polling import Site, new_brand, wordpress_account
from test_pipeline import ANGRY, HAPPY, inject, items, poll

from collector.pipeline import analysis_of
from collector.reanalyze import rescore_once
from inbox import db, rescore
from inbox.credentials import Vault
from inbox.notify import ITEMS_CHANNEL
from nlp.pool import Analyzer
from nlp.types import Document


@pytest.fixture
async def account(pool: asyncpg.Pool, vault: Vault, site: Site) -> int:
    async with pool.acquire() as conn:
        return await wordpress_account(conn, vault, await new_brand(conn), site)


async def test_rescoring_replaces_a_misread_item_and_notifies_the_inbox(pool, vault, site, session, account, db_dsn) -> None:
    inject(site, ANGRY, HAPPY)
    async with Analyzer(0) as fast:
        await poll(pool, vault, session, fast)
    angry_id, happy_id = [r["id"] for r in await pool.fetch("select id from items order by id")]
    # The fast layer misread the angry customer as a happy one, with no reason to answer first.
    await pool.execute("update items set sentiment = 'positive', polarity = 0.4, priority = 1, reasons = '[]' where id = $1", angry_id)
    happy_before = (await items(pool))[1]
    listen = await db.connect(db_dsn)
    seen: list[dict] = []
    await listen.add_listener(ITEMS_CHANNEL, lambda *args: seen.append(json.loads(args[3])))
    try:
        async with Analyzer(0, model="full") as full:
            assert await rescore_once(pool, full) == 2
            assert await rescore_once(pool, full) == 0  # each reading is re-scored once
        for _ in range(50):
            if seen:
                break
            await asyncio.sleep(0.02)
    finally:
        await listen.close()
    angry, happy = await items(pool)
    assert angry["sentiment"] == "negative" and angry["priority"] > 1 and angry["reasons"] != "[]"
    assert happy["sentiment"] == "positive"
    announced = [i for p in seen for i in p["changed"]]
    assert angry_id in announced and not [i for p in seen for i in p.get("new", [])]
    # An item whose reading did not change is not announced again.
    keys = ("sentiment", "priority", "reasons")
    assert (happy_id in announced) == any(happy[k] != happy_before[k] for k in keys)


async def test_an_edit_read_again_meanwhile_wins_over_the_older_rescoring(pool, vault, site, session, account) -> None:
    inject(site, ANGRY)
    async with Analyzer(0) as fast:
        await poll(pool, vault, session, fast)
    (item_id,) = [r["id"] for r in await pool.fetch("select id from items")]
    async with Analyzer(0, model="full") as full:
        rows = await rescore.due(pool, 10)
        # The customer edits the comment; ingest reads the new text before the re-scoring ends.
        await pool.execute("update items set body = $2, sentiment = 'positive', analyzed_at = now() + interval '1 second'"
                           " where id = $1", item_id, HAPPY)
        analyses = [analysis_of(r) for r in await full.analyze_batch([Document(ANGRY)])]
        async with pool.acquire() as conn:
            assert await rescore.store_rescored(conn, rows, analyses) == 0
        stored = await pool.fetchrow("select sentiment, rescored_at, analyzed_at from items where id = $1", item_id)
        assert stored["sentiment"] == "positive" and stored["rescored_at"] is None
        # The new text is due for its own re-scoring.
        assert await rescore_once(pool, full) == 1
    assert (await items(pool))[0]["sentiment"] == "positive"
