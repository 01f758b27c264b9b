"""Log-in, sessions, CSRF, throttling, roles and the brand switcher."""

from __future__ import annotations

import re

from web_app import PASSWORD, client_for, csrf_of, login, make_app, seed

from web.auth import hash_password, verify_password


def test_password_hashes_are_argon2_and_verify() -> None:
    h = hash_password("s3cret")
    assert h.startswith("$argon2")
    assert verify_password(h, "s3cret")
    assert not verify_password(h, "S3cret")
    assert not verify_password("not a hash", "s3cret")
    assert not verify_password(None, "s3cret")


async def test_login_sets_a_secure_session_cookie(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn, https=True), "https://testserver") as client:
        page = await client.get("/login")
        response = await client.post("/login", data={"email": "OWNER@a.test", "password": PASSWORD, "csrf": csrf_of(page.text)})
        assert response.status_code == 303
        cookie = response.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie
        assert response.headers["content-security-policy"].startswith("default-src 'self'; script-src 'self';")


async def test_pages_need_a_session(pool, db_dsn) -> None:
    async with client_for(make_app(pool, db_dsn)) as client:
        assert (await client.get("/")).headers["location"] == "/login"
        assert (await client.get("/api/items")).status_code == 401


async def test_wrong_password_and_throttling(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = csrf_of((await client.get("/login")).text)
        for _ in range(5):
            bad = await client.post("/login", data={"email": "agent@a.test", "password": "nope", "csrf": token})
            assert bad.status_code == 401
        # Now even the right password is refused for a while.
        blocked = await client.post("/login", data={"email": "agent@a.test", "password": PASSWORD, "csrf": token})
        assert blocked.status_code == 429
        # Another person is not blocked by it.
        ok = await client.post("/login", data={"email": "owner@a.test", "password": PASSWORD, "csrf": token})
        assert ok.status_code == 303


async def test_state_changes_need_the_csrf_token(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        no_token = await client.post("/login", data={"email": "owner@a.test", "password": PASSWORD})
        assert no_token.status_code == 403
        token = await login(client, "owner@a.test")
        assert (await client.post("/api/bulk", json={"ids": [1], "action": "status", "status": "done"})).status_code == 403
        assert (await client.post("/api/bulk", json={"ids": [1], "action": "status", "status": "done"},
                                  headers={"X-CSRF-Token": "wrong"})).status_code == 403
        assert (await client.post("/brand", data={"brand_id": str(ids["brand_a"])})).status_code == 403
        ok = await client.post("/api/bulk", json={"ids": [1], "action": "status", "status": "done"}, headers={"X-CSRF-Token": token})
        assert ok.status_code == 200


async def test_roles_owner_only_settings(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        form = {"platform": "wordpress", "external_id": "x", "base_url": "https://example.com", "csrf": token}
        assert (await client.post("/settings/accounts", data=form)).status_code == 403
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        form["csrf"] = token
        assert (await client.post("/settings/accounts", data=form)).status_code == 303


async def test_agency_user_switches_brand_but_not_into_others(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        outsider = await conn.fetchval("insert into brands (slug, name) values ('c', 'Brand C') returning id")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agency@x.test")
        home = (await client.get("/")).text
        assert "Boutique B" in home and "Café A" in home  # the switcher lists both
        switched = await client.post("/brand", data={"brand_id": str(ids["brand_b"]), "csrf": token})
        assert switched.status_code == 303
        assert re.search(r'<option value="%d" selected' % ids["brand_b"], (await client.get("/")).text)
        refused = await client.post("/brand", data={"brand_id": str(outsider), "csrf": token})
        assert refused.status_code == 403


async def test_logout_ends_the_session(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        assert (await client.post("/logout", data={"csrf": token})).status_code == 303
        assert (await client.get("/api/items")).status_code == 401


async def test_open_redirect_refused(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = csrf_of((await client.get("/login")).text)
        response = await client.post("/login", data={"email": "owner@a.test", "password": PASSWORD, "csrf": token, "next": "//evil.example/"})
        assert response.headers["location"] == "/"


async def test_forty_parallel_wrong_passwords_are_all_counted_and_the_limit_holds(pool, db_dsn) -> None:
    import asyncio

    from inbox.users import MAX_FAILURES_PER_EMAIL

    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = csrf_of((await client.get("/login")).text)
        answers = await asyncio.gather(*(
            client.post("/login", data={"email": "agent@a.test", "password": f"guess {n}", "csrf": token})
            for n in range(40)))
        codes = sorted(a.status_code for a in answers)
        # Only the documented number of guesses ever reaches the password check; the rest wait 15 minutes.
        assert codes == [401] * MAX_FAILURES_PER_EMAIL + [429] * (40 - MAX_FAILURES_PER_EMAIL)
        blocked = await client.post("/login", data={"email": "agent@a.test", "password": PASSWORD, "csrf": token})
        assert blocked.status_code == 429
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from login_failures where email = 'agent@a.test'") == MAX_FAILURES_PER_EMAIL
