"""An owner connects Facebook (picking one of two Pages: the one they may not moderate cannot be
picked) and Instagram (Instagram Login, long-lived token renewed before it lapses); each is
subscribed to the app's webhooks, and a comment pushed by Meta reaches the inbox before any poll."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import httpx
from connecting import LOOPBACK, apps_of, connect, consent, keeper, local, owner_client, poll_account, poller, running
from web_app import SECRET, LiveServer, csrf_of, login, seed

from emulators.facebook import PAGE_ID, SECOND_PAGE_ID
from emulators.instagram import USER_ID
from inbox.credentials import Vault
from web.app import create_app
from web.settings import Settings
from web.webhooks import meta_routes


def _factory(platforms, db_dsn):
    settings = Settings(secret_key=SECRET, oauth=apps_of(platforms), policy=LOOPBACK)

    def build(pool):
        routes = meta_routes(pool, app_secret=settings.meta_app_secrets(), verify_token="t", vault=Vault(SECRET))
        return create_app(settings, pool, Vault(SECRET), dsn=db_dsn, extra_routes=routes)
    return build


async def _account(pool, platform: str, external_id: str) -> dict:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from accounts where platform = $1 and external_id = $2", platform, external_id)
    assert row is not None, (platform, external_id)
    return dict(row)


async def _items(pool, account_id: int) -> list[str]:
    async with pool.acquire() as conn:
        return [r["body"] for r in await conn.fetch("select body from items where account_id = $1 order by id", account_id)]


async def test_facebook_page_picked_subscribed_and_pushed_comments_arrive_before_the_poll(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
        await conn.execute("update accounts set enabled = false")
    async with running("facebook") as platforms:
        facebook = platforms["facebook"]
        with LiveServer(db_dsn, _factory(platforms, db_dsn)) as server:
            await facebook.control("webhook", {"url": f"{server.url}/webhooks/meta"})
            async with httpx.AsyncClient(base_url=server.url) as owner:  # over HTTP: the server has its own loop
                await login(owner, "owner@a.test")
                started = await owner.get("/settings/connect/facebook")
                answer = await owner.get(local(await consent(started.headers["location"])))
                assert answer.status_code == 303 and "/pick?" in answer.headers["location"]
                page = await owner.get(answer.headers["location"])
                # The Page without the Moderate task is listed, cannot be ticked, and says why.
                assert f'value="{SECOND_PAGE_ID}" disabled' in page.text and "tâche Modérer" in page.text
                key = answer.headers["location"].split("key=", 1)[1]
                refused = await owner.post("/settings/connect/facebook/pick",
                                           data={"csrf": csrf_of(page.text), "key": key, "choice": SECOND_PAGE_ID})
                assert refused.status_code == 400
                done = await owner.post("/settings/connect/facebook/pick",
                                        data={"csrf": csrf_of(page.text), "key": key, "choice": PAGE_ID})
                assert done.status_code == 303, done.text
            account = await _account(pool, "facebook", PAGE_ID)
            creds = Vault(SECRET).open(account["credentials"])
            assert creds["access_token"] and "expires_at" not in creds  # a Page token does not expire
            state = await facebook.control("state")
            assert "feed" in str(state["oauth"]["subscriptions"])  # subscribed_apps with feed

            async with aiohttp.ClientSession() as session:
                tokens = keeper(pool, session, platforms)
                first = await poll_account(pool, poller(pool, session, tokens), account["id"])  # proves access, backfills
                assert first.error is None
            before = await _items(pool, account["id"])
            await facebook.inject(text="Livrez-vous à Verdun? Poussé par Meta", author_name="Chloé")
            # No poll in between: the comment came by webhook.
            for _ in range(50):
                if "Livrez-vous à Verdun? Poussé par Meta" in await _items(pool, account["id"]):
                    break
                await asyncio.sleep(0.1)
            assert "Livrez-vous à Verdun? Poussé par Meta" in await _items(pool, account["id"])
            assert len(await _items(pool, account["id"])) == len(before) + 1


async def test_instagram_login_long_lived_token_is_renewed_before_it_lapses(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
        await conn.execute("update accounts set enabled = false")
    async with running("instagram") as platforms:
        instagram = platforms["instagram"]
        owner = await owner_client(pool, db_dsn, platforms)
        done = await connect(owner, "instagram")
        assert done.status_code == 303 and "connected=" in done.headers["location"], done.text
        account = await _account(pool, "instagram", USER_ID)
        creds = Vault(SECRET).open(account["credentials"])
        assert creds["expires_at"] - time.time() > 50 * 86400  # the long-lived token, not the one-hour one
        assert "comments" in str((await instagram.control("state"))["oauth"]["subscriptions"])

        # 40 days later on Instagram's clock: 20 days remain, so the next poll renews it.
        day = 86400
        await instagram.control("clock", {"advance_seconds": 40 * day})
        await instagram.inject(text="Super café, bravo l'équipe", author_name="Léa")
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms, ahead=40 * day)
            polled = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert polled.error is None and tokens.renewals == 1
            renewed = Vault(SECRET).open((await _account(pool, "instagram", USER_ID))["credentials"])
            assert renewed["expires_at"] > creds["expires_at"] + 30 * day
            # Another 50 days: the first token would be long dead; the renewed one still reads.
            await instagram.control("clock", {"advance_seconds": 50 * day})
            await instagram.inject(text="Deuxième visite, toujours aussi bon", author_name="Léa")
            later = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms, ahead=90 * day)), account["id"])
            assert later.error is None and later.new_items >= 1
        await owner.aclose()
