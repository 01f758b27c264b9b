"""The settings page: connection health in plain words, owners add and edit connections with
tokens encrypted and never shown back; saved replies."""

from __future__ import annotations

from webkit import SECRET, client_for, login, make_app, seed

from inbox.credentials import Vault


async def test_connections_health_and_tokens_never_shown(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute(
            "update accounts set health = 'reauth', last_error = 'The token was revoked <b>by Meta</b>', last_error_at = now() where id = $1",
            ids["account_a"])
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "owner@a.test")
        page = (await client.get("/settings")).text
        assert "Nouvelle autorisation nécessaire" in page
        assert "The token was revoked &lt;b&gt;by Meta&lt;/b&gt;" in page
        added = await client.post("/settings/accounts", data={
            "csrf": token, "platform": "wordpress", "name": "Blogue", "external_id": "site-9",
            "base_url": "https://blog.example", "token": "tok-SECRET-123"})
        assert added.status_code == 303
        edited = await client.post(f"/settings/accounts/{ids['account_a']}", data={
            "csrf": token, "name": "Site", "base_url": "https://a.example", "token": "tok-NEW-456", "enabled": "on"})
        assert edited.status_code == 303
        page = (await client.get("/settings")).text
        assert "tok-SECRET-123" not in page and "tok-NEW-456" not in page
        bad = await client.post("/settings/accounts", data={
            "csrf": token, "platform": "wordpress", "external_id": "x", "base_url": "javascript:alert(1)"})
        assert bad.status_code == 400
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select credentials from accounts where external_id = 'site-9'")
        assert b"tok-SECRET-123" not in bytes(row["credentials"])
        assert Vault(SECRET).open(row["credentials"]) == {"access_token": "tok-SECRET-123"}
        healed = await conn.fetchrow("select health, name, credentials from accounts where id = $1", ids["account_a"])
        assert healed["health"] == "ok" and healed["name"] == "Site"
        assert Vault(SECRET).open(healed["credentials"]) == {"access_token": "tok-NEW-456"}


async def test_saved_replies_are_managed_in_settings(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        await client.post("/settings/saved-replies", data={"csrf": token, "lang": "fr", "title": "Merci", "body": "Merci {first_name}!"})
        page = (await client.get("/settings")).text
        assert "Merci {first_name}!" in page
    async with pool.acquire() as conn:
        saved_id = await conn.fetchval("select id from saved_replies")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        assert (await client.post(f"/settings/saved-replies/{saved_id}/delete", data={"csrf": token})).status_code == 303
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from saved_replies") == 0
