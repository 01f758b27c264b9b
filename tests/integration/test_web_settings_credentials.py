"""Token extraction: an account's stored credentials never follow its address to another server.
Changing the scheme, host or port of the API address (or of any URL setting) needs the
credentials typed again; the form says so in the user's language and keeps what was typed."""

from __future__ import annotations

import html

from web_app import SECRET, client_for, login, make_app, seed

from inbox.credentials import Vault

FR = "L'adresse pointe maintenant vers un autre serveur : entrez de nouveau les identifiants pour les y envoyer."
EN = "The address now points to another server: enter the credentials again to send them there."


async def _account(pool, brand_id: int, platform: str, base_url: str, creds: dict, settings: dict | None = None) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url, credentials, settings)"
            " values ($1, $2, 'blog-1', $3, $4, $5) returning id",
            brand_id, platform, base_url, Vault(SECRET).seal(creds), settings or {})


async def _stored(pool, account_id: int) -> tuple[str, dict, dict]:
    row = await pool.fetchrow("select base_url, credentials, settings from accounts where id = $1", account_id)
    return row["base_url"], Vault(SECRET).open(row["credentials"]), row["settings"]


async def test_a_new_host_scheme_or_port_needs_the_credentials_again(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    creds = {"username": "odile", "application_password": "wp-SECRET", "access_token": "tok-SECRET"}
    account = await _account(pool, ids["brand_a"], "wordpress", "https://blog.cafe-a.example/wp-json", creds)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")

        async def edit(**form: str):
            return await client.post(f"/settings/accounts/{account}", data={"csrf": token, "name": "Blogue", "enabled": "on", **form})

        for moved in ("https://attacker.example/wp-json", "https://blog.cafe-a.example:8443/wp-json",
                      "http://blog.cafe-a.example/wp-json", "https://BLOG.cafe-a.example.evil.example/wp-json"):
            refused = await edit(base_url=moved)
            assert refused.status_code == 400
            page = html.unescape(refused.text)
            assert FR in page
            assert f'name="base_url" value="{moved}"' in page  # what was typed is still in the form
            assert await _stored(pool, account) == ("https://blog.cafe-a.example/wp-json", creds, {})
        # Another path on the same server keeps the stored credentials.
        kept = await edit(base_url="https://blog.cafe-a.example/index.php?rest_route=")
        assert kept.status_code == 303
        assert await _stored(pool, account) == ("https://blog.cafe-a.example/index.php?rest_route=", creds, {})
        # With the credentials typed again, the move is accepted and only the new ones are kept.
        moved = await edit(base_url="https://new-host.example/wp-json", extra="username=odile\napplication_password=wp-NEW")
        assert moved.status_code == 303
        assert await _stored(pool, account) == ("https://new-host.example/wp-json",
                                                {"username": "odile", "application_password": "wp-NEW"}, {})


async def test_a_url_setting_moving_to_another_host_also_needs_them_in_english_too(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    creds = {"access_token": "imap-SECRET"}
    settings = {"smtp_url": "smtps://smtp.boutique-b.example:465"}
    account = await _account(pool, ids["brand_b"], "imap", "imaps://imap.boutique-b.example:993", creds, settings)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@b.test")
        refused = await client.post(f"/settings/accounts/{account}", data={
            "csrf": token, "base_url": "imaps://imap.boutique-b.example:993", "smtp_url": "smtp://attacker.example:25"})
        assert refused.status_code == 400 and EN in html.unescape(refused.text)
        assert 'value="smtp://attacker.example:25"' in refused.text
        assert await _stored(pool, account) == ("imaps://imap.boutique-b.example:993", creds, settings)
        same = await client.post(f"/settings/accounts/{account}", data={
            "csrf": token, "base_url": "imaps://imap.boutique-b.example:993", "smtp_url": "smtps://smtp.boutique-b.example:465"})
        assert same.status_code == 303
        assert (await _stored(pool, account))[1] == creds
