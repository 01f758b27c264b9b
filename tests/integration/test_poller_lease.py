"""An account's lease over a whole poll (issue 17): the heartbeat keeps it while the NLP stage is
slower than the lease, so a second worker never takes a live worker's account (under load, a
lapse let the account be polled again later while a busy feed's entries scrolled off); and a
poll whose lease was taken over anyway (its worker stalled) stores nothing over the new
holder's cursor, even when the new holder has the same worker id (another poll of the same
process); and a page fetched before a database restart is stored once the database is back.
Injected clock and heartbeat: the test says when time passes and beats happen."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from outage import PgProxy
from polling import Clock, Site, new_brand, wordpress_account
from test_poller_worker import wait_for

from collector.poller import STORE_RETRY_EVERY, STORE_RETRY_SECONDS, Poller
from inbox import db
from nlp.pool import analyze_docs
from nlp.types import Document, Result


class SlowAnalyzer:
    """The NLP stage, held on its `hold`-th batch until the test lets it go (a busy NLP pool)."""

    def __init__(self, hold: int = 1) -> None:
        self.hold, self.calls = hold, 0
        self.entered, self.go = asyncio.Event(), asyncio.Event()

    async def analyze_batch(self, docs: list[Document]) -> list[Result]:
        self.calls += 1
        if self.calls == self.hold:
            self.entered.set()
            await self.go.wait()
        return analyze_docs(docs)


async def stalled(_seconds: float) -> None:
    """A heartbeat that never comes: the worker is stalled (a stopped process, a starved loop)."""
    await asyncio.Event().wait()


def poller(pool, vault, session, clock, worker_id: str, **kw: Any) -> Poller:
    return Poller(pool, vault, session, worker_id=worker_id, clock=clock, rng=random.Random(7), **kw)


@pytest.fixture
async def account_id(pool: asyncpg.Pool, vault, site: Site) -> int:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        return await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=5)


async def stored(pool: asyncpg.Pool) -> list[str]:
    return [r["external_id"] for r in await pool.fetch("select external_id from items order by external_id::bigint")]


async def test_an_analysis_slower_than_the_lease_keeps_the_account_and_stores_every_comment(
        pool, vault, site, session, account_id) -> None:
    ids = site.comments(5)
    clock = Clock()
    beats: asyncio.Queue[None] = asyncio.Queue()

    async def heartbeat_sleep(_seconds: float) -> None:
        await beats.get()  # the test says when each heartbeat is due

    analyzer = SlowAnalyzer()
    live = poller(pool, vault, session, clock, "live", analyzer=analyzer, sleep=heartbeat_sleep)
    other = poller(pool, vault, session, clock, "other")
    (row,) = await live.lease(1)
    polling = asyncio.create_task(live.poll(row))
    try:
        await asyncio.wait_for(analyzer.entered.wait(), 10)  # fetched; now analysing, slowly
        for _ in range(4):  # 4 heartbeats, 4 s apart: 16 s of analysis, past the 10 s lease
            clock.advance(4)
            beats.put_nowait(None)

            async def renewed() -> bool:
                lease = await pool.fetchval("select lease_until from accounts where id = $1", account_id)
                return bool(lease == clock.now + timedelta(seconds=live.lease_seconds))

            await wait_for(renewed)
            assert await other.lease(1) == []  # the second worker leaves a live worker's account alone
        analyzer.go.set()
        outcome = await asyncio.wait_for(polling, 10)
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)
    assert outcome.error is None and outcome.new_items == 5
    assert await stored(pool) == ids  # nothing lost, nothing left for a later poll to miss
    row_after = await pool.fetchrow("select lease_owner, cursor from accounts where id = $1", account_id)
    assert row_after["lease_owner"] is None and row_after["cursor"] != {}


@pytest.mark.parametrize("new_holder", ["other", "stalled"], ids=["another-worker", "same-worker-id"])
async def test_a_stalled_poll_whose_lease_was_taken_cannot_move_the_cursor_back(
        pool, vault, site, session, account_id, new_holder) -> None:
    early = site.comments(3, start=datetime.now(UTC) - timedelta(minutes=10))
    clock = Clock()
    # The stalled poll fetched the first 3 comments, then its worker stopped past the lease.
    slow = SlowAnalyzer(hold=1)
    stale = poller(pool, vault, session, clock, "stalled", analyzer=slow, sleep=stalled)
    (stale_row,) = await stale.lease(1)
    stale_poll = asyncio.create_task(stale.poll(stale_row))
    await asyncio.wait_for(slow.entered.wait(), 10)
    later = site.comments(147, start=datetime.now(UTC) - timedelta(minutes=5))
    clock.advance(stale.lease_seconds + 1)
    # The account is taken over: by another worker, or by another poll slot of the same worker
    # process (same worker id: only the lease's token tells the two polls apart).
    second = SlowAnalyzer(hold=2)  # it stores its first page (100 comments), then analyses the second
    holder = poller(pool, vault, session, clock, new_holder, analyzer=second, sleep=stalled)
    (holder_row,) = await holder.lease(1)
    holding = asyncio.create_task(holder.poll(holder_row))
    try:
        await asyncio.wait_for(second.entered.wait(), 10)
        cursor = await pool.fetchval("select cursor from accounts where id = $1", account_id)
        assert cursor != {} and await pool.fetchval("select count(*) from items") == 100
        slow.go.set()  # the stalled worker wakes up and tries to store its old page with its old cursor
        stale_outcome = await asyncio.wait_for(stale_poll, 10)
        assert stale_outcome.pages == 0 and "lease" in (stale_outcome.error or "")
        assert await pool.fetchval("select cursor from accounts where id = $1", account_id) == cursor
        second.go.set()
        outcome = await asyncio.wait_for(holding, 10)
    finally:
        for task in (stale_poll, holding):
            task.cancel()
        await asyncio.gather(stale_poll, holding, return_exceptions=True)
    assert outcome.error is None and outcome.new_items == 150
    assert await stored(pool) == sorted(early + later, key=int)
    row = await pool.fetchrow("select lease_owner, health, consecutive_failures from accounts where id = $1", account_id)
    assert row["lease_owner"] is None and row["health"] == "ok" and row["consecutive_failures"] == 0


async def poll_through_outage(db_dsn: str, vault, session, retries: int) -> Any:
    """One poll of the account through a proxied database that goes away while its page is
    analysed and comes back after the store has waited `retries` times; the poll's outcome."""
    proxy = PgProxy(db_dsn)
    await proxy.start()
    worker_pool = await db.create_pool(proxy.dsn, min_size=1, max_size=3)
    waits: asyncio.Queue[None] = asyncio.Queue()

    async def sleep(seconds: float) -> None:  # the heartbeat's and the store's waits, made short
        if seconds == STORE_RETRY_EVERY:
            waits.put_nowait(None)
        await asyncio.sleep(0.05)

    analyzer = SlowAnalyzer()
    live = poller(worker_pool, vault, session, Clock(), "live", analyzer=analyzer, sleep=sleep)
    try:
        (row,) = await live.lease(1)
        polling = asyncio.create_task(live.poll(row))
        await asyncio.wait_for(analyzer.entered.wait(), 10)
        await proxy.cut()  # PostgreSQL goes away while the page is analysed
        analyzer.go.set()
        for _ in range(retries):
            await asyncio.wait_for(waits.get(), 10)
        assert not polling.done()  # still waiting for the database
        await proxy.start()
        return await asyncio.wait_for(polling, 30)
    finally:
        await proxy.cut()
        worker_pool.terminate()


async def test_a_page_fetched_before_a_database_restart_is_stored_once_it_is_back(
        pool, db_dsn, vault, site, session, account_id) -> None:
    ids = site.comments(4)
    outcome = await poll_through_outage(db_dsn, vault, session, retries=5)  # the store is tried again, several times
    assert outcome.error is None and outcome.new_items == 4  # the poll went on: nothing redone, nothing lost
    assert await stored(pool) == ids
    assert await pool.fetchval("select lease_owner from accounts where id = $1", account_id) is None


async def test_a_poll_ended_by_a_database_outage_hands_the_account_back_once_the_database_returns(
        pool, db_dsn, vault, site, session, account_id) -> None:
    # Before, the poll's task died with the outage and the account stayed leased until its lease ran
    # out, seconds after the database was back: a busy feed scrolled past entries meanwhile.
    site.comments(3)
    # A long outage: the store gives up, the poll ends on it and waits to hand the account back.
    outcome = await poll_through_outage(db_dsn, vault, session, retries=int(STORE_RETRY_SECONDS / STORE_RETRY_EVERY) + 3)
    assert outcome.error is not None and "database unavailable" in outcome.error
    assert await pool.fetchval("select lease_owner from accounts where id = $1", account_id) is None
    (again,) = await poller(pool, vault, session, Clock(), "other").lease(1)  # due again at once
    assert again.id == account_id
