"""YouTube (Google's one-hour tokens) and LinkedIn (60-day tokens with a refresh token) connected
through their consent pages; comments keep arriving and replies keep posting after each token's
lifetime, with no re-authorisation."""

from __future__ import annotations

import random

import aiohttp
from connecting import connect, keeper, owner_client, poll_account, poller, running
from web_app import SECRET, seed

from collector.outbox_worker import OutboxWorker
from emulators.linkedin import ORG
from emulators.youtube import CHANNEL_ID
from inbox import outbox
from inbox.credentials import Vault


async def _connected(pool, platform: str, external_id: str) -> dict:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from accounts where platform = $1 and external_id = $2", platform, external_id)
    assert row is not None and row["health"] == "ok"
    return dict(row)


async def _reply_to_newest(pool, brand_id: int, account_id: int, session, tokens, key: str) -> dict:
    async with pool.acquire() as conn:
        item_id = await conn.fetchval("select id from items where account_id = $1 order by id desc limit 1", account_id)
        reply = await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=None, body="Merci de votre message!",
                                     idempotency_key=key)
    await OutboxWorker(pool, Vault(SECRET), session, worker_id="s", rng=random.Random(2), tokens=tokens).run_once()
    async with pool.acquire() as conn:
        return dict(await conn.fetchrow("select state, error from replies where id = $1", reply["id"]))


async def test_youtube_and_linkedin_stay_connected_past_their_token_lifetimes(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")
    lifetimes = {"youtube": 3700, "linkedin": 61 * 86400}
    wanted = {"youtube": CHANNEL_ID, "linkedin": ORG}
    async with running("youtube", "linkedin") as platforms:
        owner = await owner_client(pool, db_dsn, platforms)
        for name in ("youtube", "linkedin"):
            done = await connect(owner, name)
            assert done.status_code == 303 and "connected=" in done.headers["location"], (name, done.text)
        async with aiohttp.ClientSession() as session:
            for name, lifetime in lifetimes.items():
                account = await _connected(pool, name, wanted[name])
                creds = Vault(SECRET).open(account["credentials"])
                assert creds["refresh_token"], name
                platform = platforms[name]
                await platform.inject(text="Bonjour, est-ce ouvert dimanche?", author_name="Nadia")
                tokens = keeper(pool, session, platforms)
                assert (await poll_account(pool, poller(pool, session, tokens), account["id"])).error is None

                await platform.control("clock", {"advance_seconds": lifetime})
                await platform.inject(text="Et les jours fériés?", author_name="Nadia")
                later = keeper(pool, session, platforms, ahead=lifetime)
                polled = await poll_account(pool, poller(pool, session, later), account["id"])
                assert polled.error is None and polled.new_items == 1, (name, polled)
                assert later.renewals == 1, name
                sent = await _reply_to_newest(pool, ids["brand_a"], account["id"], session, later, f"{name}-after")
                assert sent == {"state": "sent", "error": None}, (name, sent)
                assert len((await platform.control("state"))["replies"]) == 1, name
                assert (await _connected(pool, name, wanted[name]))["health"] == "ok"
        await owner.aclose()
