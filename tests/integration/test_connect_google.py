"""An owner connects a Google Business Profile location through Google's consent page (the
emulator's), picks one of two locations, and the connection stays alive past the one-hour
token: renewed before expiry, or once after a 401; a revoked grant asks for re-authorisation."""

from __future__ import annotations

import aiohttp
from connecting import connect, keeper, owner_client, poll_account, poller, running
from web_app import SECRET, seed

from emulators.google import ACCOUNT_ID, LOCATION_ID
from inbox.credentials import Vault

DEMO_LOCATION = f"accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}"


async def _seeded(pool) -> dict:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")  # the seed's placeholder sites stay quiet
    return ids


async def _account(pool, external_id: str) -> dict:
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from accounts where platform = 'google' and external_id = $1", external_id)
    assert row is not None
    return dict(row)


async def test_owner_picks_a_location_and_reviews_keep_arriving_after_the_token_expires(pool, db_dsn) -> None:
    await _seeded(pool)
    async with running("google") as platforms:
        google = platforms["google"]
        client = await owner_client(pool, db_dsn, platforms)
        done = await connect(client, "google", pick=[DEMO_LOCATION])
        assert done.status_code == 303 and done.headers["location"].startswith("/settings?connected="), done.text
        page = await client.get(done.headers["location"])
        assert "settings-notice" in page.text

        account = await _account(pool, DEMO_LOCATION)
        creds = Vault(SECRET).open(account["credentials"])
        assert creds["refresh_token"] and creds["expires_at"] and creds["oauth"] is True
        assert account["base_url"] == google.url and account["health"] == "ok"

        await google.inject(text="Service impeccable, merci!", author_name="Julie")
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms)
            first = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert first.error is None and first.new_items >= 1

            # An hour and a bit later on Google's clock: the access token is dead. A keeper whose
            # clock agrees renews it before polling.
            await google.control("clock", {"advance_seconds": 3700})
            await google.inject(text="Encore mieux la deuxième fois", author_name="Marc")
            ahead = keeper(pool, session, platforms, ahead=3700)
            second = await poll_account(pool, poller(pool, session, ahead), account["id"])
            assert second.error is None and second.new_items == 1
            assert ahead.renewals == 1
            renewed = Vault(SECRET).open((await _account(pool, DEMO_LOCATION))["credentials"])
            assert renewed["access_token"] != creds["access_token"]
            assert renewed["refresh_token"] == creds["refresh_token"]  # Google sends none on refresh: kept

            # Another hour; this keeper's clock did not move, so it learns from the 401 and renews once.
            await google.control("clock", {"advance_seconds": 3700})
            await google.inject(text="Le café était froid", author_name="Line")
            third = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert third.error is None and third.new_items == 1 and tokens.renewals == 1

            # The owner removed the app at Google: the refresh is refused, and only now is the
            # owner asked to reconnect.
            await google.control("revoke")
            await google.inject(text="Avis après révocation", author_name="Paul")
            fourth = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert fourth.health == "reauth"
        assert (await _account(pool, DEMO_LOCATION))["health"] == "reauth"

        # "Reconnecter" brings the same account back: same id, its cursor and items kept.
        async with pool.acquire() as conn:
            before = await conn.fetchval("select count(*) from items where account_id = $1", account["id"])
        again = await connect(client, "google", query=f"?account={account['id']}")
        assert again.status_code == 303 and again.headers["location"] == f"/settings?connected={account['id']}", again.text
        back = await _account(pool, DEMO_LOCATION)
        assert back["id"] == account["id"] and back["health"] == "ok" and back["cursor"] == (await _account(pool, DEMO_LOCATION))["cursor"]
        async with aiohttp.ClientSession() as session:
            fifth = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms, ahead=7400)), account["id"])
        assert fifth.error is None and fifth.new_items == 1  # the review posted while disconnected, once
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from items where account_id = $1", account["id"]) == before + 1
        await client.aclose()


async def test_a_refused_consent_connects_nothing_and_says_so(pool, db_dsn) -> None:
    await _seeded(pool)
    # Google says access_denied; LinkedIn says user_cancelled_authorize: both are the owner's "no".
    async with running("google", "linkedin") as platforms:
        client = await owner_client(pool, db_dsn, platforms)
        for platform in platforms:
            answer = await connect(client, platform, decision="deny")
            assert answer.status_code == 200, platform
            assert "settings-error" in answer.text and "rien n’a été connecté" in answer.text, platform
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where enabled") == 0
        await client.aclose()


async def test_a_transient_failure_of_the_refresh_is_not_a_reauthorisation(pool, db_dsn) -> None:
    await _seeded(pool)
    async with running("google") as platforms:
        google = platforms["google"]
        client = await owner_client(pool, db_dsn, platforms)
        await connect(client, "google", pick=[DEMO_LOCATION])
        account = await _account(pool, DEMO_LOCATION)
        await google.control("clock", {"advance_seconds": 3700})
        async with aiohttp.ClientSession() as session:
            tokens = keeper(pool, session, platforms, ahead=3700)
            # Google's token endpoint answers 503 once, then 429: both are "try later".
            await google.control("fault", {"mode": "server_error", "count": 1, "target": "writes"})
            failed = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert failed.error and failed.health != "reauth"
            await google.control("fault", {"mode": "rate_limit", "count": 1, "target": "writes", "retry_after": 1})
            slowed = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert slowed.error and slowed.health != "reauth"
            recovered = await poll_account(pool, poller(pool, session, tokens), account["id"])
            assert recovered.error is None and tokens.renewals == 1
        assert (await _account(pool, DEMO_LOCATION))["health"] == "ok"
        await client.aclose()
