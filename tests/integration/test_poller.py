"""The shared poller against a real platform emulator on loopback and a real database:
paging within a lease, restarts, backoff on faults, usage, re-authorisation, leases."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from polling import Clock, Site, new_brand, wordpress_account

from collector.poller import Poller
from inbox import accounts
from inbox.accounts import update_credentials
from inbox.credentials import Vault


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Replaces the shared five-second session: the emulator's slow answers (1.5 s) must time out."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=0.5)) as s:
        yield s


@pytest.fixture
async def account(pool: asyncpg.Pool, vault: Vault, site: Site) -> dict:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        account_id = await wordpress_account(conn, vault, brand_id, site)
    return {"brand_id": brand_id, "account_id": account_id}


def poller(pool, vault, session, clock, worker_id: str = "w1", **kw) -> Poller:
    return Poller(pool, vault, session, worker_id=worker_id, clock=clock, rng=random.Random(7), **kw)


async def stored_ids(pool: asyncpg.Pool) -> list[str]:
    rows = await pool.fetch("select external_id from items order by external_id::bigint")
    return [r["external_id"] for r in rows]


async def account_row(pool: asyncpg.Pool, account_id: int) -> dict:
    return dict(await pool.fetchrow("select * from accounts where id = $1", account_id))


async def test_pages_walk_within_one_lease_then_the_next_poll_waits_its_interval(pool, vault, site, session, account) -> None:
    ids = site.comments(250)
    clock = Clock()
    outcomes = await poller(pool, vault, session, clock).poll_due()
    assert len(outcomes) == 1 and outcomes[0].pages == 3 and outcomes[0].new_items == 250
    assert await stored_ids(pool) == ids
    row = await account_row(pool, account["account_id"])
    assert row["lease_owner"] is None and row["health"] == "ok" and row["last_success_at"] == clock.now
    # 60 s interval with +/-10 % jitter.
    wait = (row["next_poll_at"] - clock.now).total_seconds()
    assert 54 <= wait <= 66
    assert await poller(pool, vault, session, clock).poll_due() == []


async def test_a_restart_between_polls_and_mid_walk_loses_nothing_and_repeats_nothing(pool, vault, site, session, account) -> None:
    first = site.comments(150)
    clock = Clock()
    # A poller that may store one page per lease stands for a worker killed after its first page.
    assert (await poller(pool, vault, session, clock, max_pages=1).poll_due())[0].pages == 1
    assert len(await stored_ids(pool)) == 100
    row = await account_row(pool, account["account_id"])
    assert row["next_poll_at"] == clock.now  # pages left: due again at once
    # A new worker process: new poller, new session, the cursor from the database.
    async with aiohttp.ClientSession() as fresh:
        outcome = (await poller(pool, vault, fresh, clock, worker_id="w2").poll_due())[0]
    assert outcome.new_items == 50
    second = site.comments(30, prefix="nouveau")
    clock.advance(120)
    outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    assert outcome.new_items == 30 and outcome.changed_items == 0
    assert await stored_ids(pool) == sorted(first + second, key=int)


async def test_rate_limit_waits_for_retry_after_and_keeps_the_account_healthy(pool, vault, site, session, account) -> None:
    ids = site.comments(20)
    site.emulator.fault = None
    async with session.post(f"{site.base}/_control/fault", json={"mode": "rate_limit", "count": 1, "retry_after": 600}):
        pass
    clock = Clock()
    outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    assert outcome.pages == 0 and "slow down" in (outcome.error or "")
    row = await account_row(pool, account["account_id"])
    assert (row["next_poll_at"] - clock.now).total_seconds() >= 600
    assert row["health"] == "ok" and row["consecutive_failures"] == 1 and row["lease_owner"] is None
    clock.advance(300)
    assert await poller(pool, vault, session, clock).poll_due() == []  # still waiting
    clock.to(row["next_poll_at"])
    assert (await poller(pool, vault, session, clock).poll_due())[0].new_items == 20
    assert await stored_ids(pool) == ids


async def test_server_errors_back_off_exponentially_then_heal(pool, vault, site, session, account) -> None:
    ids = site.comments(10)
    site.emulator.fault = None
    async with session.post(f"{site.base}/_control/fault", json={"mode": "server_error", "count": 4}):
        pass
    clock = Clock()
    waits, healths = [], []
    # The collector's first request (users/me) is skipped thanks to settings.user_id: each poll is one request.
    for _ in range(4):
        before = clock.now
        outcome = (await poller(pool, vault, session, clock).poll_due())[0]
        assert outcome.pages == 0
        row = await account_row(pool, account["account_id"])
        waits.append((row["next_poll_at"] - before).total_seconds())
        healths.append(row["health"])
        assert "Traceback" not in row["last_error"] and "try again" in row["last_error"]
        clock.to(row["next_poll_at"])
    # 30 s, 60 s, 120 s, then capped at two poll intervals (2 x 60 s), each +/-20 %.
    for wait, base in zip(waits, (30, 60, 120, 120)):
        assert base * 0.8 <= wait <= base * 1.2
    assert healths == ["ok", "failing", "failing", "failing"]
    outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    assert outcome.new_items == 10
    row = await account_row(pool, account["account_id"])
    assert row["health"] == "ok" and row["consecutive_failures"] == 0 and row["last_error"] is None
    assert await stored_ids(pool) == ids


@pytest.mark.parametrize("mode", ["malformed", "slow"])
async def test_malformed_and_slow_answers_are_retried_and_the_set_completes(pool, vault, site, session, account, mode) -> None:
    ids = site.comments(5)
    async with session.post(f"{site.base}/_control/fault", json={"mode": mode, "count": 1, "delay": 1.5}):
        pass
    clock = Clock()
    outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    assert outcome.pages == 0 and outcome.error and outcome.next_poll_at
    assert await stored_ids(pool) == []
    clock.to(outcome.next_poll_at)
    assert (await poller(pool, vault, session, clock).poll_due())[0].new_items == 5
    assert await stored_ids(pool) == ids


async def test_an_auth_failure_stops_polling_until_the_account_is_reconnected(pool, vault, site, session, account) -> None:
    site.comments(3)
    async with session.post(f"{site.base}/_control/fault", json={"mode": "expired_token"}):
        pass
    clock = Clock()
    outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    row = await account_row(pool, account["account_id"])
    assert row["health"] == "reauth"
    assert row["last_error"] == "WordPress refused the token: reconnect the account"
    requests = site.api_requests
    clock.advance(7 * 86400)
    assert await poller(pool, vault, session, clock).poll_due() == []
    assert site.api_requests == requests  # not one more call to the platform
    assert outcome.health == "reauth"
    async with session.delete(f"{site.base}/_control/fault"):
        pass
    async with pool.acquire() as conn:
        listed = await accounts.list_accounts(conn, account["brand_id"])
        assert listed[0]["health"] == "reauth" and "credentials" not in listed[0]
        assert await update_credentials(
            conn, vault, brand_id=account["brand_id"], account_id=account["account_id"],
            credentials={"username": "jasette", "application_password": "demo-token"},
        )
    assert (await poller(pool, vault, session, clock).poll_due())[0].new_items == 3
    assert (await account_row(pool, account["account_id"]))["health"] == "ok"


async def test_wrong_password_from_the_start_is_a_reauth_not_a_retry_loop(pool, vault, site, session) -> None:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        account_id = await wordpress_account(conn, vault, brand_id, site, password="wrong")
    outcome = (await poller(pool, vault, session, Clock()).poll_due())[0]
    assert outcome.health == "reauth"
    assert (await account_row(pool, account_id))["health"] == "reauth"


async def test_unreadable_credentials_ask_for_reconnection(pool, site, session, account) -> None:
    outcome = (await poller(pool, Vault("another-key"), session, Clock()).poll_due())[0]
    assert outcome.health == "reauth" and "reconnect the account" in (outcome.error or "")


async def test_high_usage_reported_by_the_platform_slows_polling_down(pool, vault, session) -> None:
    # A second real platform through the same poller: its usage headers climb with every call.
    from emulators.base import serve
    from emulators.facebook import DEMO_ACCOUNT, FacebookEmulator

    emulator = FacebookEmulator(usage_budget=5)  # one call proves the token opens the Page
    for n in range(3):
        emulator.inject({"kind": "comment", "text": f"Allo {n}", "author_name": f"Client {n}",
                         "parent": next(iter(emulator.posts))})
    runner, base = await serve(emulator.create_app())
    try:
        async with pool.acquire() as conn:
            brand_id = await new_brand(conn)
            account_id = await accounts.add_account(
                conn, vault, brand_id=brand_id, platform="facebook", name="Page", external_id=DEMO_ACCOUNT["external_id"],
                base_url=base, credentials=DEMO_ACCOUNT["credentials"], settings=DEMO_ACCOUNT["settings"],
            )
        clock = Clock()
        outcome = (await poller(pool, vault, session, clock).poll_due())[0]
    finally:
        await runner.cleanup()
    assert outcome.error is None and outcome.new_items >= 3
    row = await account_row(pool, account_id)
    assert row["usage"] and max(v for k, v in row["usage"].items() if k.endswith("_pct")) > 90
    # Above 90 % of the allowance: paused for at least a quarter of an hour, not the 60 s interval.
    assert (row["next_poll_at"] - clock.now).total_seconds() >= 0.9 * 900


async def test_a_lease_lost_mid_walk_stores_nothing_more(pool, vault, site, session, account) -> None:
    site.comments(150)
    clock = Clock()
    p = poller(pool, vault, session, clock, lease_seconds=60)
    rows = await p.lease(10)
    clock.advance(61)  # the lease ran out (a stalled worker)
    other = await poller(pool, vault, session, clock, worker_id="w2").lease(10)
    assert [r.id for r in other] == [account["account_id"]]
    outcome = await p.poll(rows[0])
    assert outcome.pages == 0 and "lease" in (outcome.error or "")
    assert await stored_ids(pool) == []
    row = await account_row(pool, account["account_id"])
    assert row["lease_owner"] == "w2" and row["cursor"] == {}


async def test_leases_are_exclusive_between_workers(pool, vault, site, session) -> None:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        for n in range(6):
            await wordpress_account(conn, vault, brand_id, site, external_id=f"site-{n}")
    clock = Clock()
    a, b = poller(pool, vault, session, clock, worker_id="a"), poller(pool, vault, session, clock, worker_id="b")
    first = await a.lease(4)
    second = await b.lease(4)
    assert len(first) == 4 and len(second) == 2
    assert not {r.id for r in first} & {r.id for r in second}
    assert await a.lease(4) == [] and await b.lease(4) == []
    clock.advance(a.lease_seconds + 1)
    third = await b.lease(10)
    assert len(third) == 6


async def test_a_poll_cancelled_mid_walk_hands_the_account_back_and_loses_nothing(pool, vault, site, session, account) -> None:
    ids = site.comments(250)
    clock = Clock()
    p = poller(pool, vault, session, clock)
    (row,) = await p.lease(1)
    site.delay = 0.3
    task = asyncio.create_task(p.poll(row))
    while site.api_requests < 2:  # the first page is stored, the second is on its way
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    site.delay = 0.0
    after = await account_row(pool, account["account_id"])
    assert after["lease_owner"] is None and after["cursor"] != {}
    assert len(await stored_ids(pool)) == 100
    outcome = (await poller(pool, vault, session, clock, worker_id="w2").poll_due())[0]
    assert outcome.new_items == 150
    assert await stored_ids(pool) == ids


async def test_the_settings_page_functions_never_show_credentials(pool, vault, site, account) -> None:
    async with pool.acquire() as conn:
        again = await wordpress_account(conn, vault, account["brand_id"], site)  # the same site once more
        assert again == account["account_id"]
        shown = await accounts.get_account(conn, account["brand_id"], account["account_id"])
        assert shown is not None and "credentials" not in shown and shown["platform"] == "wordpress"
        assert await accounts.get_account(conn, account["brand_id"] + 1, account["account_id"]) is None
        sealed = await conn.fetchval("select credentials from accounts where id = $1", account["account_id"])
        assert b"demo-token" not in bytes(sealed) and vault.open(sealed)["application_password"] == "demo-token"
        assert await accounts.set_enabled(conn, brand_id=account["brand_id"], account_id=account["account_id"], enabled=False)
    assert await poller(pool, vault, None, Clock()).lease(10) == []  # a paused account is not polled
    async with pool.acquire() as conn:
        assert not await accounts.remove_account(conn, brand_id=account["brand_id"] + 1, account_id=account["account_id"])
        assert await accounts.remove_account(conn, brand_id=account["brand_id"], account_id=account["account_id"])
        assert await accounts.list_accounts(conn, account["brand_id"]) == []
