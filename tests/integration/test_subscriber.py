"""The shared LISTEN subscriber: notifications reach the handler, a dropped connection comes
back and says so (the caller's cue to catch up), and stopping hands a pooled connection back."""

from __future__ import annotations

import asyncio

import pytest

from inbox.notify import ITEMS_CHANNEL, REPLIES_CHANNEL, Subscriber


async def _until(predicate, timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


@pytest.mark.parametrize("own_connection", [True, False], ids=["dsn", "pool"])
async def test_subscriber_hears_reconnects_and_tells_the_caller_to_catch_up(pool, db_dsn, own_connection) -> None:
    heard: list[tuple[str, str]] = []
    connects: list[bool] = []
    kind = {"dsn": db_dsn} if own_connection else {"pool": pool}
    subscriber = Subscriber((ITEMS_CHANNEL, REPLIES_CHANNEL), lambda c, p: heard.append((c, p)),
                            on_connect=connects.append, retry_delay=0.02, **kind)
    stop = asyncio.Event()
    task = asyncio.create_task(subscriber.run(stop))
    await asyncio.wait_for(subscriber.listening.wait(), 5)
    assert connects == [False]
    await pool.execute("select pg_notify($1, 'one')", ITEMS_CHANNEL)
    await _until(lambda: heard == [(ITEMS_CHANNEL, "one")])
    # What a database restart does to the listener: its server process is gone.
    killed = await pool.fetchval(
        "select count(pg_terminate_backend(pid)) from pg_stat_activity"
        " where datname = current_database() and query ilike 'listen%'")
    assert killed == 1
    await _until(lambda: connects == [False, True])  # back, and told that it was away
    await asyncio.wait_for(subscriber.listening.wait(), 5)
    await pool.execute("select pg_notify($1, 'two')", REPLIES_CHANNEL)
    await _until(lambda: (REPLIES_CHANNEL, "two") in heard)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert not subscriber.listening.is_set()
    if own_connection:  # its connection closed
        async with asyncio.timeout(5):
            while await pool.fetchval("select count(*) from pg_stat_activity where datname = current_database()"
                                      " and query ilike 'listen%'"):
                await asyncio.sleep(0.02)
    else:  # its connection handed back to the pool
        assert pool.get_idle_size() == pool.get_size()


async def test_subscriber_retries_a_database_it_cannot_reach(db_dsn) -> None:
    naps: list[float] = []

    async def sleep(seconds: float) -> None:  # the injected sleep records the backoff
        naps.append(seconds)
        await asyncio.sleep(0)

    dead = db_dsn.rsplit("/", 1)[0].replace("127.0.0.1:5432", "127.0.0.1:9") + "/none"
    subscriber = Subscriber((ITEMS_CHANNEL,), lambda c, p: None, dsn=dead, retry_delay=1.0, max_delay=4.0, sleep=sleep)
    stop = asyncio.Event()
    task = asyncio.create_task(subscriber.run(stop))
    await _until(lambda: len(naps) >= 5)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert naps[:5] == [1.0, 2.0, 4.0, 4.0, 4.0]
