"""`run_worker` as `jasette worker` runs it: several workers sharing accounts without overlap,
replies leaving at once, a database that drops every connection, and a clean stop."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack

import asyncpg
import pytest
from polling import Site, new_brand, running_site, wordpress_account

from collector.worker import run_worker
from inbox import outbox
from inbox.db import DB_ERRORS


async def _holds(predicate) -> bool:
    try:
        return await predicate()
    except DB_ERRORS:
        return False  # the test's own connection died with the worker's


async def wait_for(predicate, timeout: float = 10.0) -> None:
    """Poll an async predicate every 50 ms until it holds (the worker runs on real time here)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _holds(predicate):
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def count_items(pool: asyncpg.Pool) -> int:
    return await pool.fetchval("select count(*) from items")


@pytest.fixture
async def sites() -> AsyncIterator[list[Site]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(running_site(delay=0.05)) for _ in range(3)]


@pytest.fixture
async def started(pool) -> AsyncIterator[list]:
    """Workers a test started; stopped (and awaited) even when the test fails."""
    running: list[tuple[asyncio.Event, asyncio.Task]] = []
    yield running
    for stop, _ in running:
        stop.set()
    for _, task in running:
        try:
            await asyncio.wait_for(task, 15)
        except (TimeoutError, asyncio.CancelledError):
            pass


async def start(pool, vault, worker_id: str, stop: asyncio.Event, started: list, **kw) -> asyncio.Task:
    task = asyncio.create_task(run_worker(pool, vault, worker_id=worker_id, stop=stop, http_timeout=5, **kw))
    started.append((stop, task))
    return task


async def test_two_workers_never_poll_one_account_at_once_and_miss_nothing(pool, vault, sites, started) -> None:
    async with pool.acquire() as conn:
        # One brand per site: two emulated sites number their comments alike.
        for n, site in enumerate(sites):
            brand_id = await new_brand(conn, f"boutique-{n}")
            await wordpress_account(conn, vault, brand_id, site, external_id=f"site-{n}", poll_interval_seconds=1)
    for n, site in enumerate(sites):
        site.comments(120, prefix=f"site{n}")
    stop = asyncio.Event()
    workers = [await start(pool, vault, f"w{i}", stop, started, concurrency=4) for i in range(2)]
    await wait_for(lambda: _items_at_least(pool, 360))
    for n, site in enumerate(sites):
        site.comments(5, prefix=f"later{n}")
    await wait_for(lambda: _items_at_least(pool, 375))
    # Let both workers keep competing for the now-idle accounts for a few more rounds.
    await asyncio.sleep(1.5)
    stop.set()
    await asyncio.wait_for(asyncio.gather(*workers), 15)
    assert await count_items(pool) == 375
    for site in sites:
        assert site.max_in_flight == 1, site.log
        assert site.api_requests >= 4  # polled again and again, one at a time
    owners = await pool.fetch("select lease_owner from accounts")
    assert all(r["lease_owner"] is None for r in owners)  # a clean stop hands every account back


async def _items_at_least(pool: asyncpg.Pool, n: int) -> bool:
    return await count_items(pool) >= n


async def test_a_queued_reply_leaves_without_waiting_for_a_poll(pool, vault, sites, started) -> None:
    site = sites[0]
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=3600)
    site.comments(2)
    stop = asyncio.Event()
    worker = await start(pool, vault, "w1", stop, started)
    await wait_for(lambda: _items_at_least(pool, 2))
    item = await pool.fetchrow("select id, brand_id from items order by id limit 1")
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=item["brand_id"], item_id=item["id"], user_id=None,
                                   body="Bonjour!", idempotency_key="k1")

    async def sent() -> bool:
        return await pool.fetchval("select state from replies where id = $1", row["id"]) == "sent"

    await wait_for(sent, timeout=5)
    stop.set()
    await asyncio.wait_for(worker, 15)
    assert [r["text"] for r in site.emulator.replies] == ["Bonjour!"]


async def test_the_worker_recovers_when_the_database_drops_every_connection(pool, vault, sites, db_dsn, caplog, started) -> None:
    site = sites[0]
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=1)
    site.comments(10)
    stop = asyncio.Event()
    caplog.set_level(logging.WARNING, logger="collector")
    worker = await start(pool, vault, "w1", stop, started)
    await wait_for(lambda: _items_at_least(pool, 10))
    # What a database restart does to a running worker: every server connection dies.
    admin = await asyncpg.connect(db_dsn)
    try:
        killed = await admin.fetchval(
            "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity"
            " where datname = current_database() and pid <> pg_backend_pid()) t"
        )
    finally:
        await admin.close()
    assert killed >= 1
    site.comments(7, prefix="après")
    await wait_for(lambda: _items_at_least(pool, 17), timeout=15)
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=brand_id, item_id=await conn.fetchval("select min(id) from items"),
                                   user_id=None, body="Toujours là", idempotency_key="after-restart")

    async def sent() -> bool:
        return await pool.fetchval("select state from replies where id = $1", row["id"]) == "sent"

    await wait_for(sent, timeout=10)
    stop.set()
    await asyncio.wait_for(worker, 15)
    # Every customer comment once; our own reply may show too once the next poll sees it.
    assert await pool.fetchval("select count(*) from items where not from_business") == 17
    # An outage, when a loop met it, is one clear line, not a traceback per iteration.
    outages = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(outages) <= 3 and all(r.exc_info is None for r in outages)


async def test_stop_returns_promptly_with_nothing_due(pool, vault, started) -> None:
    stop = asyncio.Event()
    worker = await start(pool, vault, "idle", stop, started)
    await asyncio.sleep(0.3)
    stop.set()
    await asyncio.wait_for(worker, 5)


async def test_items_stored_unanalysed_are_analysed_by_a_running_worker(pool, vault, started) -> None:
    from datetime import UTC, datetime

    from inbox.ingest import ingest_batch
    from inbox.types import NewItem
    from nlp.pool import Analyzer

    async def brisk(seconds: float) -> None:  # the injected sleep: every idle shortened
        await asyncio.sleep(min(seconds, 0.1))

    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
    stop = asyncio.Event()
    async with Analyzer(0) as analyzer:
        await start(pool, vault, "w1", stop, started, analyzer=analyzer, sleep=brisk)
        await asyncio.sleep(0.3)  # the worker is idle now: nothing to analyse yet
        async with pool.acquire() as conn:
            # What a webhook delivery does: stored at once, without analysis.
            account_id = await conn.fetchval(
                "insert into accounts (brand_id, platform, external_id, base_url)"
                " values ($1, 'wordpress', 'site', 'http://127.0.0.1:9') returning id", brand_id)
            await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=[
                NewItem(platform="wordpress", external_id="w1", kind="comment", created_at=datetime.now(UTC),
                        body="Service horrible, je suis vraiment fâché, personne ne répond!")])

        async def analysed() -> bool:
            return await pool.fetchval("select analyzed_at is not null from items") is True

        await wait_for(analysed, timeout=10)
        stop.set()
        await asyncio.wait_for(started[-1][1], 15)
    assert await pool.fetchval("select sentiment from items") == "negative"
