"""Replies leave side by side (issue 17, fix 5): a send stuck on one platform holds one slot, not
the replies bound for other accounts behind it, and its lease is renewed while it waits."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import timedelta

import asyncpg
import pytest
from collecting import arm_fault
from polling import Clock, Site, new_brand, running_site, wordpress_account
from test_poller_worker import wait_for

from collector.outbox_worker import OutboxWorker
from collector.poller import Poller
from collector.worker import run_worker
from inbox import outbox


@pytest.fixture
async def two_sites() -> AsyncIterator[list[Site]]:
    async with AsyncExitStack() as stack:
        yield [await stack.enter_async_context(running_site()) for _ in range(2)]


@pytest.fixture
async def started(pool) -> AsyncIterator[list]:
    """Workers a test started; stopped (and awaited) even when the test fails."""
    running: list[tuple[asyncio.Event, asyncio.Task]] = []
    yield running
    for stop, task in running:
        stop.set()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def queue(pool: asyncpg.Pool, item: asyncpg.Record, key: str) -> int:
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=item["brand_id"], item_id=item["id"], user_id=None,
                                   body=f"Merci ({key})", idempotency_key=key)
    return int(row["id"])


async def state_of(pool: asyncpg.Pool, reply_id: int) -> str:
    return str(await pool.fetchval("select state from replies where id = $1", reply_id))


async def test_a_send_stuck_on_one_platform_does_not_hold_replies_to_another(pool, vault, started, two_sites, session) -> None:
    slow, quick = two_sites
    async with pool.acquire() as conn:
        for n, site in enumerate(two_sites):
            brand_id = await new_brand(conn, f"boutique-{n}")
            await wordpress_account(conn, vault, brand_id, site, external_id=f"site-{n}", poll_interval_seconds=3600)
    slow.comments(1)
    quick.comments(3)
    stop = asyncio.Event()
    # A 30 s HTTP timeout: the stuck send stays in flight for the whole test.
    started.append((stop, asyncio.create_task(_worker(pool, vault, stop))))
    await wait_for(lambda: _items(pool, 4))
    items = await pool.fetch("select i.id, i.brand_id, a.external_id as site from items i join accounts a"
                             " on a.id = i.account_id order by i.id")
    stuck_item = next(i for i in items if i["site"] == "site-0")
    # The slow platform takes the reply and never answers (the emulator's "timeout" fault).
    await arm_fault(session, slow.base, mode="timeout", count=1)
    stuck = await queue(pool, stuck_item, "lent")

    async def in_flight() -> bool:
        return slow.in_flight == 1 and await state_of(pool, stuck) == "sending"

    await wait_for(in_flight)
    # Replies to the other account, queued after the stuck one, all go out meanwhile.
    others = [await queue(pool, item, f"vite-{n}") for n, item in enumerate(i for i in items if i["site"] == "site-1")]

    async def all_sent() -> bool:
        return [await state_of(pool, r) for r in others] == ["sent"] * 3

    await wait_for(all_sent, timeout=8)
    assert sorted(r["text"] for r in quick.emulator.replies) == ["Merci (vite-0)", "Merci (vite-1)", "Merci (vite-2)"]
    assert await state_of(pool, stuck) == "sending" and slow.in_flight == 1


async def _worker(pool, vault, stop: asyncio.Event) -> None:
    await run_worker(pool, vault, worker_id="w1", stop=stop, http_timeout=30)


async def _items(pool: asyncpg.Pool, n: int) -> bool:
    return int(await pool.fetchval("select count(*) from items")) >= n


async def test_the_lease_of_a_long_send_is_renewed_while_it_runs(pool, vault, site, session) -> None:
    clock = Clock()
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=3600)
    site.comments(1)
    await Poller(pool, vault, session, worker_id="p", clock=clock, rng=random.Random(1)).poll_due()
    item = await pool.fetchrow("select id, brand_id from items")
    beats: asyncio.Queue[None] = asyncio.Queue()

    async def heartbeat_sleep(seconds: float) -> None:
        await beats.get()  # the test decides when a heartbeat is due

    sender = OutboxWorker(pool, vault, session, worker_id="w1", clock=clock, rng=random.Random(2),
                          lease_seconds=12, send_timeout=60, sleep=heartbeat_sleep)
    await arm_fault(session, site.base, mode="timeout", count=1)
    reply_id = await queue(pool, item, "longue")
    sending = asyncio.create_task(sender.run_once())
    try:
        await wait_for(lambda: _in_flight(site))
        for _ in range(3):  # three heartbeats, 5 s apart on the injected clock
            clock.advance(5)
            beats.put_nowait(None)

            async def renewed() -> bool:
                lease = await pool.fetchval("select lease_until from replies where id = $1", reply_id)
                return bool(lease == clock.now + timedelta(seconds=12))

            await wait_for(renewed)
        # 15 s after the claim, past the first 12 s lease: still ours, so no other worker takes it.
        async with pool.acquire() as conn:
            assert await outbox.claim_due(conn, worker_id="w2", now=clock(), lease_seconds=12, limit=10) == []
    finally:
        sending.cancel()
        await asyncio.gather(sending, return_exceptions=True)


async def _in_flight(site: Site) -> bool:
    return site.in_flight == 1
