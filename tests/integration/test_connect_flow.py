"""The connect flow's guards: a tampered, replayed, expired or someone else's callback connects
nothing; only owners start a flow; a platform the administrator has not set up says what to set."""

from __future__ import annotations

from connecting import LOOPBACK, consent, local, owner_client, running
from web_app import client_for, csrf_of, login, make_app, seed

from emulators.facebook import PAGE_ID
from emulators.google import ACCOUNT_ID, LOCATION_ID


async def _count(pool) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("select count(*) from accounts where platform = 'google'")


async def test_tampered_replayed_expired_or_foreign_callbacks_connect_nothing(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with running("google") as platforms:
        owner = await owner_client(pool, db_dsn, platforms)

        started = await owner.get("/settings/connect/google")
        back = local(await consent(started.headers["location"]))
        tampered = back.replace("state=", "state=x")
        answer = await owner.get(tampered)
        assert answer.status_code == 400 and "a expiré, a déjà servi" in answer.text
        # The genuine callback still works once (the tampered one did not use it up)...
        assert (await owner.get(back)).status_code == 303
        # ...and never twice.
        assert (await owner.get(back)).status_code == 400

        started = await owner.get("/settings/connect/google")
        async with pool.acquire() as conn:
            await conn.execute("update oauth_flows set expires_at = now() - interval '1 minute'")
        answer = await owner.get(local(await consent(started.headers["location"])))
        assert answer.status_code == 400 and "a expiré" in answer.text

        # Another brand's owner cannot finish this owner's flow (a link passed on, a CSRF attempt).
        started = await owner.get("/settings/connect/google")
        back = local(await consent(started.headers["location"]))
        other = client_for(owner._transport.app)  # type: ignore[attr-defined]
        await login(other, "owner@b.test")
        answer = await other.get(back)
        assert answer.status_code == 400
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where platform = 'google' and brand_id <> "
                                       "(select id from brands where slug = 'cafe-a')") == 0
        await other.aclose()
        await owner.aclose()


async def test_only_owners_connect_and_unready_platforms_say_what_to_set(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn, policy=LOOPBACK)  # no OAuth application configured
    async with client_for(app) as agent:
        await login(agent, "agent@a.test")
        assert (await agent.get("/settings/connect/google")).status_code == 403
    async with client_for(app) as owner:
        await login(owner, "owner@a.test")
        page = await owner.get("/settings")
        assert 'id="connect-google-unready"' in page.text and "JASETTE_OAUTH_GOOGLE_CLIENT_ID" in page.text
        answer = await owner.get("/settings/connect/google")
        assert answer.status_code == 409 and "JASETTE_OAUTH_GOOGLE_CLIENT_SECRET" in answer.text
        assert (await owner.get("/settings/connect/rss")).status_code == 404
        assert (await owner.get("/settings/connect/nope/callback?state=a&code=b")).status_code == 404
        # A callback with no flow at all, or junk in it, is a clear 400, never a 500.
        for junk in ("?code=1", "?state=%00&code=1", "?state=" + "a" * 5000, "?error=access_denied"):
            assert (await owner.get("/settings/connect/google/callback" + junk)).status_code == 400
    assert await _count(pool) == 0


async def test_a_picker_key_is_the_owner_s_own_and_needs_a_choice(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with running("google") as platforms:
        owner = await owner_client(pool, db_dsn, platforms)
        started = await owner.get("/settings/connect/google")
        answer = await owner.get(local(await consent(started.headers["location"])))
        pick = answer.headers["location"]
        page = await owner.get(pick)
        assert page.status_code == 200 and f"accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}" in page.text
        key = pick.split("key=", 1)[1]
        nothing = await owner.post("/settings/connect/google/pick", data={"csrf": csrf_of(page.text), "key": key})
        assert nothing.status_code == 400 and "pick-error" in nothing.text
        other = client_for(owner._transport.app)  # type: ignore[attr-defined]
        await login(other, "owner@b.test")
        foreign = await other.get(pick)  # owner B reads English
        assert foreign.status_code == 400 and "This choice has expired" in foreign.text
        await other.aclose()
        assert await _count(pool) == 0
        await owner.aclose()


async def test_a_page_another_brand_receives_cannot_be_connected_here_too(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        # Brand B already receives this Page's pushes, with proved access.
        await conn.execute(
            "insert into accounts (brand_id, platform, external_id, base_url, verified_at) values ($1, 'facebook', $2, '', now())",
            ids["brand_b"], PAGE_ID)
    async with running("facebook") as platforms:
        owner = await owner_client(pool, db_dsn, platforms)
        started = await owner.get("/settings/connect/facebook")
        answer = await owner.get(local(await consent(started.headers["location"])))
        page = await owner.get(answer.headers["location"])
        key = answer.headers["location"].split("key=", 1)[1]
        refused = await owner.post("/settings/connect/facebook/pick", data={"csrf": csrf_of(page.text), "key": key, "choice": PAGE_ID})
        assert refused.status_code == 409 and "Boutique B" not in refused.text
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from accounts where external_id = $1", PAGE_ID) == 1
        await owner.aclose()
