"""Back to normal in seconds (issue 17, fix 4): a dead worker's account is polled again within
seconds, a live worker's long poll keeps its lease through a heartbeat, backoff stays within two
poll intervals, and a paging walk that fails resumes where it stopped. Injected clock throughout."""

from __future__ import annotations

import asyncio
import random
from datetime import timedelta

import asyncpg
import pytest
from collecting import arm_fault
from polling import Clock, Site, new_brand, wordpress_account
from test_poller_worker import wait_for

from collector.poller import Poller


@pytest.fixture
async def account_id(pool: asyncpg.Pool, vault, site: Site) -> int:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        return await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=60)


def poller(pool, vault, session, clock, worker_id: str = "w1", **kw) -> Poller:
    return Poller(pool, vault, session, worker_id=worker_id, clock=clock, rng=random.Random(7), **kw)


async def test_an_account_held_by_a_killed_worker_is_polled_again_within_15_seconds(pool, vault, site, session, account_id) -> None:
    site.comments(3)
    clock = Clock()
    (held,) = await poller(pool, vault, session, clock, "doomed").lease(1)  # then kill -9: no poll, no release
    assert held.id == account_id
    assert await poller(pool, vault, session, clock, "w2").poll_due() == []  # its lease still runs
    clock.advance(15)
    (outcome,) = await poller(pool, vault, session, clock, "w2").poll_due()
    assert outcome.account_id == account_id and outcome.new_items == 3


async def test_a_long_poll_keeps_its_lease_through_the_heartbeat(pool, vault, site, session, account_id) -> None:
    clock = Clock()
    beats: asyncio.Queue[None] = asyncio.Queue()

    async def heartbeat_sleep(seconds: float) -> None:
        await beats.get()  # the test says when each heartbeat is due

    live = poller(pool, vault, session, clock, "live", sleep=heartbeat_sleep)
    await arm_fault(session, site.base, mode="timeout", count=1)  # the platform holds the request
    (row,) = await live.lease(1)
    polling = asyncio.create_task(live.poll(row))
    try:
        await wait_for(lambda: _in_flight(site))
        for _ in range(4):  # 4 heartbeats, 4 s apart: 16 s, past the first lease
            clock.advance(4)
            beats.put_nowait(None)

            async def renewed() -> bool:
                lease = await pool.fetchval("select lease_until from accounts where id = $1", account_id)
                return bool(lease == clock.now + timedelta(seconds=live.lease_seconds))

            await wait_for(renewed)
        assert await poller(pool, vault, session, clock, "w2").lease(1) == []
    finally:
        polling.cancel()
        await asyncio.gather(polling, return_exceptions=True)


async def test_a_busy_feed_whose_request_hangs_is_read_again_beside_it(pool, vault, site, session) -> None:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=1)  # polled every second
    ids = site.comments(3)
    await arm_fault(session, site.base, mode="timeout", count=1)  # the first request hangs (for an hour)
    (outcome,) = await poller(pool, vault, session, Clock(), hedge_seconds=0.2).poll_due()
    # Read again after one interval beside the hanging request, instead of failing at the time
    # limit while a busy feed scrolls past: the comments are in, the poll counts as a success.
    assert outcome.error is None and outcome.new_items == 3
    stored = await pool.fetch("select external_id from items order by external_id::bigint")
    assert [r["external_id"] for r in stored] == ids


async def test_a_busy_feed_whose_read_fails_is_read_once_more_at_once(pool, vault, site, session) -> None:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=5)
    ids = site.comments(3)
    site.failing = {1}  # the first request is answered 500
    (outcome,) = await poller(pool, vault, session, Clock()).poll_due()
    # Not a failed poll followed by a backoff while the feed scrolls: read again at once.
    assert outcome.error is None and outcome.new_items == 3 and len(site.log) == 2
    stored = await pool.fetch("select external_id from items order by external_id::bigint")
    assert [r["external_id"] for r in stored] == ids


async def test_a_busy_feed_told_to_wait_a_moment_reads_again_then_not_a_whole_interval_later(pool, vault, site, session) -> None:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        account = await wordpress_account(conn, vault, brand_id, site, poll_interval_seconds=5)
    ids = site.comments(3)
    await arm_fault(session, site.base, mode="rate_limit", count=1, retry_after=2)
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    (outcome,) = await poller(pool, vault, session, Clock(), sleep=sleep).poll_due()
    # 429 with Retry-After: 2 on a feed polled every 5 s: wait the 2 s the platform asked for
    # and read, instead of failing the poll and coming back a whole interval later.
    assert outcome.error is None and outcome.new_items == 3 and 2 in waited
    stored = await pool.fetch("select external_id from items order by external_id::bigint")
    assert [r["external_id"] for r in stored] == ids
    # A wait longer than the interval is the next poll's business: the poll fails and says so.
    clock = Clock()
    await arm_fault(session, site.base, mode="rate_limit", count=1, retry_after=60)
    await pool.execute("update accounts set next_poll_at = now() - interval '1 second' where id = $1", account)
    (outcome,) = await poller(pool, vault, session, clock, sleep=sleep).poll_due()
    assert "slow down" in (outcome.error or "") and outcome.next_poll_at is not None
    assert (outcome.next_poll_at - clock.now).total_seconds() >= 60


async def _in_flight(site: Site) -> bool:
    return site.in_flight == 1


async def test_backoff_stays_within_two_poll_intervals_and_the_rhythm_returns_when_the_platform_does(pool, vault, site, session, account_id) -> None:
    site.comments(2)
    clock = Clock()
    site.failing = set(range(1, 9))  # the platform fails eight polls in a row
    waits = []
    for _ in range(8):
        (outcome,) = await poller(pool, vault, session, clock).poll_due()
        assert outcome.error is not None
        waits.append((outcome.next_poll_at - clock.now).total_seconds())
        clock.to(outcome.next_poll_at)
    # 30 s doubling, capped at two 60 s intervals (+20 % jitter): never the old 30 minutes.
    assert max(waits) <= 2 * 60 * 1.2 and waits[-1] >= 2 * 60 * 0.8
    (outcome,) = await poller(pool, vault, session, clock).poll_due()
    assert outcome.error is None and outcome.new_items == 2
    assert 54 <= (outcome.next_poll_at - clock.now).total_seconds() <= 66  # its normal 60 s rhythm


async def test_a_walk_that_fails_midway_resumes_soon_where_it_stopped(pool, vault, site, session, account_id) -> None:
    ids = site.comments(250)  # three pages of 100
    clock = Clock()
    await pool.execute("update accounts set consecutive_failures = 6 where id = $1", account_id)  # a bad hour
    site.failing = {2}  # the second page fails
    (outcome,) = await poller(pool, vault, session, clock).poll_due()
    assert outcome.pages == 1 and outcome.error is not None
    # Progress was made: retried like a first failure (30 s), not after 6 doublings (30 min).
    assert (outcome.next_poll_at - clock.now).total_seconds() <= 30 * 1.2
    clock.to(outcome.next_poll_at)
    requests_before = len(site.log)
    (outcome,) = await poller(pool, vault, session, clock).poll_due()
    assert outcome.error is None and outcome.new_items == 150
    resumed = site.log[requests_before:]
    assert len(resumed) == 2 and all("offset=0" not in r for r in resumed)  # page 1 not read again
    stored = await pool.fetch("select external_id from items order by external_id::bigint")
    assert [r["external_id"] for r in stored] == ids
