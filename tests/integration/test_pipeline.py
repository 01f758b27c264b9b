"""The collector pipeline: batches go through the real NLP stage before they are stored; with the
stage off or broken they are stored unanalysed, and the re-analysis job catches up later."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from polling import Clock, Site, new_brand, wordpress_account

from collector.pipeline import documents
from collector.poller import Poller
from collector.reanalyze import reanalyze_all, reanalyze_once
from inbox import db
from inbox.credentials import Vault
from inbox.notify import ITEMS_CHANNEL
from inbox.types import Author, NewItem
from nlp.pool import Analyzer
from nlp.types import Document

ANGRY = "C'est inacceptable, ma commande est arrivée brisée et personne ne répond. Je veux un remboursement!"
HAPPY = "Merci beaucoup, le pain au levain est délicieux!"


@pytest.fixture
async def account(pool: asyncpg.Pool, vault: Vault, site: Site) -> int:
    async with pool.acquire() as conn:
        return await wordpress_account(conn, vault, await new_brand(conn), site)


def inject(site: Site, *texts: str) -> None:
    start = datetime.now(UTC) - timedelta(minutes=10)
    for i, text in enumerate(texts):
        site.emulator.inject({"kind": "comment", "text": text, "author_name": f"Client {i}",
                              "created_at": (start + timedelta(seconds=i)).isoformat()})


async def poll(pool, vault, session, analyzer) -> None:
    await Poller(pool, vault, session, worker_id="w", clock=Clock(), rng=random.Random(2), analyzer=analyzer).poll_due()


async def items(pool: asyncpg.Pool) -> list[dict]:
    rows = await pool.fetch("select body, lang, sentiment, priority, reasons, analyzed_at from items order by id")
    return [dict(r) for r in rows]


async def test_batches_are_analysed_before_they_are_stored(pool, vault, site, session, account) -> None:
    inject(site, ANGRY, HAPPY)
    async with Analyzer(0) as analyzer:
        await poll(pool, vault, session, analyzer)
    angry, happy = await items(pool)
    assert angry["analyzed_at"] is not None and happy["analyzed_at"] is not None
    assert angry["lang"] == "fr" and angry["sentiment"] == "negative"
    assert happy["sentiment"] == "positive"
    assert angry["priority"] > happy["priority"] and angry["reasons"]


async def test_with_the_stage_off_items_are_stored_unanalysed_then_caught_up(pool, vault, site, session, account, db_dsn) -> None:
    inject(site, ANGRY, HAPPY)
    await poll(pool, vault, session, None)
    stored = await items(pool)
    assert len(stored) == 2 and all(i["analyzed_at"] is None and i["lang"] == "und" for i in stored)
    listen = await db.connect(db_dsn)
    seen: list[dict] = []
    await listen.add_listener(ITEMS_CHANNEL, lambda *args: seen.append(json.loads(args[3])))
    try:
        async with Analyzer(0) as analyzer:
            assert await reanalyze_all(pool, analyzer, batch_size=1) == 2
            assert await reanalyze_all(pool, analyzer) == 0  # nothing left: idempotent
        for _ in range(50):
            if len(seen) >= 2:
                break
            await asyncio.sleep(0.02)
    finally:
        await listen.close()
    angry, happy = await items(pool)
    assert angry["sentiment"] == "negative" and happy["sentiment"] == "positive"
    assert all(i["analyzed_at"] is not None for i in (angry, happy))
    assert sorted(i for p in seen for i in p["changed"]) == sorted(
        r["id"] for r in await pool.fetch("select id from items")
    )


async def test_a_dead_nlp_process_loses_no_comment(pool, vault, site, session, account) -> None:
    inject(site, ANGRY, HAPPY)
    analyzer = Analyzer(1)
    try:
        assert len(await analyzer.analyze_batch([Document(HAPPY)])) == 1  # the process is up
        for process in list(analyzer._pool._processes.values()):  # type: ignore[union-attr]
            os.kill(process.pid, signal.SIGKILL)
        await asyncio.sleep(0.2)
        await poll(pool, vault, session, analyzer)
        # The catch-up job with the same dead stage leaves the items for later, unharmed.
        with pytest.raises(RuntimeError, match="fails on every item"):
            await reanalyze_once(pool, analyzer)
    finally:
        with contextlib.suppress(BrokenProcessPool):  # shutting a broken pool down may complain
            await analyzer.close()
    stored = await items(pool)
    assert [i["body"] for i in stored] == [ANGRY, HAPPY] and all(i["analyzed_at"] is None for i in stored)
    async with Analyzer(0) as healthy:
        assert await reanalyze_all(pool, healthy) == 2
    assert [i["sentiment"] for i in await items(pool)] == ["negative", "positive"]


def test_documents_carry_what_priority_depends_on() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    question = NewItem(platform="p", external_id="1", kind="comment", body="Ouvert demain?",
                       created_at=now - timedelta(hours=1), author=Author("a", followers=1500))
    ours = NewItem(platform="p", external_id="2", kind="reply", body="Oui!", created_at=now,
                   parent_external_id="1", from_business=True)
    other = NewItem(platform="p", external_id="3", kind="comment", body="Bravo", created_at=None)
    docs = documents([question, ours, other], expected_langs=["fr"], now=now, response_target_minutes=60)
    assert docs[0] == Document(
        text="Ouvert demain?", followers=1500, already_replied=True, age_seconds=3600.0,
        expected_langs=("fr",), response_target_seconds=3600,
    )
    assert docs[1].already_replied is True  # our own reply needs no answer
    assert docs[2].already_replied is False and docs[2].age_seconds == 0.0 and docs[2].followers == 0
