"""An owner connects an X account (OAuth 2.0 with PKCE); its refresh token rotates, so two
workers renewing at once must renew once; a missing scope is said plainly at connect time, and a
reply refused for a missing permission fails alone while the account keeps polling."""

from __future__ import annotations

import asyncio
import random

import aiohttp
from connecting import connect, keeper, owner_client, poll_account, poller, running
from web_app import SECRET, seed

from collector.outbox_worker import OutboxWorker
from emulators.x import USER_ID, USERNAME
from inbox import accounts, outbox
from inbox.credentials import Vault


async def _seeded(pool) -> dict:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")
    return ids


async def _x_account(pool) -> dict:
    async with pool.acquire() as conn:
        return dict(await conn.fetchrow("select * from accounts where platform = 'x' and external_id = $1", USER_ID))


async def test_two_workers_renewing_a_rotating_token_at_once_renew_it_once(pool, db_dsn) -> None:
    await _seeded(pool)
    async with running("x") as platforms:
        x = platforms["x"]
        client = await owner_client(pool, db_dsn, platforms)
        done = await connect(client, "x")
        assert done.status_code == 303 and "connected=" in done.headers["location"], done.text
        account = await _x_account(pool)
        assert account["settings"]["username"] == USERNAME

        await x.control("clock", {"advance_seconds": 7300})  # past the two-hour token
        async with aiohttp.ClientSession() as session:
            first, second = keeper(pool, session, platforms, ahead=7300), keeper(pool, session, platforms, ahead=7300)
            async with pool.acquire() as conn:
                row = await accounts.load_for_worker(conn, account["id"])
            stored = Vault(SECRET).open(row.credentials)
            a, b = await asyncio.gather(first.fresh(row, stored), second.fresh(row, stored))
            assert first.renewals + second.renewals == 1
            assert a["access_token"] == b["access_token"] != stored["access_token"]
            assert a["refresh_token"] != stored["refresh_token"]  # rotated, and the new one kept
            state = await x.control("state")
            assert state["oauth"]["refreshes"] == 1

            await x.inject(text=f"@{USERNAME} vos croissants sont les meilleurs", author_handle="julie")
            polled = await poll_account(pool, poller(pool, session, first), account["id"])
            assert polled.error is None and polled.new_items == 1
        await client.aclose()


async def test_a_missing_scope_is_said_at_connect_time(pool, db_dsn) -> None:
    await _seeded(pool)
    async with running("x") as platforms:
        client = await owner_client(pool, db_dsn, platforms)
        # The owner unticked "users.read" on X's consent page.
        answer = await connect(client, "x", consent_form="1", scope=["tweet.read", "tweet.write", "offline.access"])
        assert answer.status_code == 400 and "users.read" in answer.text and "toutes les cases" in answer.text
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where platform = 'x'") == 0
        await client.aclose()


async def test_a_reply_refused_for_a_missing_permission_fails_alone(pool, db_dsn) -> None:
    ids = await _seeded(pool)
    async with running("x") as platforms:
        x = platforms["x"]
        client = await owner_client(pool, db_dsn, platforms)
        # Connected without "tweet.write": reading works, posting does not.
        done = await connect(client, "x", consent_form="1", scope=["tweet.read", "users.read", "offline.access"])
        assert done.status_code == 303, done.text
        account = await _x_account(pool)
        await x.inject(text=f"@{USERNAME} vous ouvrez à quelle heure?", author_handle="marc")
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms)
            assert (await poll_account(pool, poller(pool, session, tokens), account["id"])).new_items == 1
            async with pool.acquire() as conn:
                item_id = await conn.fetchval("select id from items where account_id = $1", account["id"])
                reply = await outbox.enqueue(conn, brand_id=ids["brand_a"], item_id=item_id, user_id=None,
                                             body="Dès 7 h!", idempotency_key="scope-test")
            sender = OutboxWorker(pool, Vault(SECRET), session, worker_id="s", rng=random.Random(2), tokens=tokens)
            await sender.run_once()
            async with pool.acquire() as conn:
                row = await conn.fetchrow("select state, error from replies where id = $1", reply["id"])
            assert row["state"] == "failed" and "tweet.write" in row["error"]
            assert (await _x_account(pool))["health"] == "ok"
            await x.inject(text=f"@{USERNAME} et le dimanche?", author_handle="marc")
            assert (await poll_account(pool, poller(pool, session, tokens), account["id"])).new_items == 1
        assert (await x.control("state"))["replies"] == []
        await client.aclose()
