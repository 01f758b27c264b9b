"""The settings page: connection health in plain words, owners add and edit connections with
tokens encrypted and never shown back; saved replies."""

from __future__ import annotations

from web_app import SECRET, client_for, login, make_app, seed

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
        await client.post("/settings/saved-replies", data={"csrf": token, "title_fr": "Merci", "body_fr": "Merci {first_name}!"})
        page = (await client.get("/settings")).text
        assert "Merci {first_name}!" in page
    async with pool.acquire() as conn:
        saved_id = await conn.fetchval("select id from saved_replies")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        assert (await client.post(f"/settings/saved-replies/{saved_id}/delete", data={"csrf": token})).status_code == 303
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from saved_replies") == 0


async def test_mail_accounts_take_imap_and_smtp_urls_and_nothing_else(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")

        async def add(platform: str, base_url: str, smtp_url: str = "", external_id: str = "news@a.test") -> int:
            return (await client.post("/settings/accounts", data={
                "csrf": token, "platform": platform, "external_id": external_id, "base_url": base_url,
                "smtp_url": smtp_url, "token": "app-password"})).status_code

        assert await add("imap", "imaps://imap.a.test:993", "smtps://smtp.a.test:465") == 303
        for base_url, smtp_url in [
            ("https://imap.a.test", ""),                       # a mail account is no web API
            ("imaps://imap.a.test", "javascript:alert(1)"),
            ("imaps://imap.a.test", "data:text/html,<b>x</b>"),
            ("imaps://imap.a.test", "https://smtp.a.test"),
            ("javascript:alert(1)", ""),
            ("imaps://user:pw@imap.a.test", ""),               # credentials go in their own fields
            ("imaps://imap.a.test:99999", ""),
            ("imaps://imap.a.test", "smtp://smtp.a.test:x"),
        ]:
            assert await add("imap", base_url, smtp_url, external_id="bad@a.test") == 400, (base_url, smtp_url)
        # Other platforms keep http(s) only, and take no SMTP server.
        assert await add("wordpress", "imap://imap.a.test:143", external_id="w1") == 400
        refused = await client.post("/settings/accounts", data={
            "csrf": token, "platform": "wordpress", "external_id": "w2", "base_url": "https://blog.a.test",
            "smtp_url": "smtp://smtp.a.test:587"})
        assert refused.status_code == 400
        async with pool.acquire() as conn:
            mail = await conn.fetchrow("select id, base_url, settings from accounts where external_id = 'news@a.test'")
            assert await conn.fetchval("select count(*) from accounts where external_id in ('bad@a.test', 'w1', 'w2')") == 0
        assert (mail["base_url"], mail["settings"]) == ("imaps://imap.a.test:993", {"smtp_url": "smtps://smtp.a.test:465"})
        # Editing: a plain local server, a new SMTP URL (other servers: the password is typed again);
        # an empty SMTP field keeps the stored one.
        edit = {"csrf": token, "name": "Infolettre", "base_url": "imap://127.0.0.1:1143", "enabled": "on"}
        moved = {**edit, "smtp_url": "smtp://127.0.0.1:1025", "token": "app-password"}
        assert (await client.post(f"/settings/accounts/{mail['id']}", data=moved)).status_code == 303
        assert (await client.post(f"/settings/accounts/{mail['id']}", data=edit)).status_code == 303
        assert (await client.post(f"/settings/accounts/{mail['id']}", data={**edit, "smtp_url": "vbscript:x"})).status_code == 400
        assert (await client.post(f"/settings/accounts/{ids['account_a']}", data={**edit, "base_url": "https://a.test", "smtp_url": "smtp://x:25"})).status_code == 400
        async with pool.acquire() as conn:
            row = await conn.fetchrow("select name, base_url, settings from accounts where id = $1", mail["id"])
        assert (row["name"], row["base_url"], row["settings"]) == ("Infolettre", "imap://127.0.0.1:1143", {"smtp_url": "smtp://127.0.0.1:1025"})
        page = (await client.get("/settings")).text
        assert 'value="smtp://127.0.0.1:1025"' in page


async def test_settings_page_names_platforms_links_alert_settings_and_marks_its_tab(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'imap', 'n@a.test', 'imaps://i.a.test')",
                           ids["brand_a"])
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        page = (await client.get("/settings")).text
        assert '<td class="platform">WordPress</td>' in page and '<td class="platform">Courriel</td>' in page
        assert '<option value="google">Google (avis)</option>' in page and '<option value="rss">RSS</option>' in page
        assert '<a href="/settings/alerts" id="alert-settings-link">' in page
        assert '<a href="/settings" aria-current="page">' in page and page.count('aria-current="page"') == 1
        assert (await client.get("/settings/alerts")).text.count('<a href="/settings" aria-current="page">') == 1
        assert '<a href="/alerts" aria-current="page">' in (await client.get("/alerts")).text
        assert '<a href="/" aria-current="page">' in (await client.get("/")).text
        await client.post("/lang", data={"lang": "en", "csrf": token, "next": "/settings"})
        page = (await client.get("/settings")).text
        assert '<td class="platform">E-mail</td>' in page and '<option value="google">Google reviews</option>' in page


async def test_favicon_is_served(pool, db_dsn) -> None:
    async with client_for(make_app(pool, db_dsn)) as client:
        assert '<link rel="icon" href="/static/favicon.svg"' in (await client.get("/login", follow_redirects=True)).text  # /setup on an empty database
        moved = await client.get("/favicon.ico")
        assert (moved.status_code, moved.headers["location"]) == (301, "/static/favicon.svg")
        icon = await client.get("/static/favicon.svg")
        assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
        assert icon.text.startswith("<svg")


async def test_owner_changes_how_often_a_connection_is_checked_from_the_page(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        # Set from the command line to a value the page does not offer, next poll an hour away.
        await conn.execute("update accounts set poll_interval_seconds = 90, next_poll_at = now() + interval '1 hour' where id = $1",
                           ids["account_a"])
    account = ids["account_a"]
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        page = (await client.get("/settings")).text
        assert "Relève" in page and f'action="/settings/accounts/{account}/interval"' in page
        assert '<option value="90" selected>toutes les 90 s</option>' in page and '<option value="300">toutes les 5 min</option>' in page and '<option value="60">chaque minute</option>' in page
        saved = await client.post(f"/settings/accounts/{account}/interval", data={"csrf": token, "seconds": "300"})
        assert saved.status_code == 303 and saved.headers["location"] == f"/settings?interval={account}#account-{account}"
        page = (await client.get(saved.headers["location"])).text
        assert '<option value="300" selected>toutes les 5 min</option>' in page and 'value="90"' not in page
        assert "cette connexion est désormais relevée toutes les 5 min" in page
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select poll_interval_seconds, next_poll_at - now() as wait from accounts where id = $1", account)
    # The next poll follows the new interval: within five minutes, not the hour set before.
    assert row["poll_interval_seconds"] == 300 and row["wait"].total_seconds() <= 300


async def test_a_poll_interval_out_of_bounds_or_not_a_number_is_refused_and_nothing_changes(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    account = ids["account_a"]
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        for typed in ("5", "86401", "abc", "", "-60", "1e3"):
            refused = await client.post(f"/settings/accounts/{account}/interval", data={"csrf": token, "seconds": typed})
            assert refused.status_code == 400, typed
            assert "Choisissez la fréquence de relève de cette connexion : entre 10 s et 24 h." in refused.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select poll_interval_seconds from accounts where id = $1", account) == 60


async def test_only_the_owner_of_the_brand_changes_a_poll_interval(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        assert 'class="poll-interval"' not in (await client.get("/settings")).text
        refused = await client.post(f"/settings/accounts/{ids['account_a']}/interval", data={"csrf": token, "seconds": "300"})
        assert refused.status_code == 403
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        other = await client.post(f"/settings/accounts/{ids['account_b']}/interval", data={"csrf": token, "seconds": "300"})
        assert other.status_code == 404
        assert (await client.post(f"/settings/accounts/{ids['account_a']}/interval", data={"seconds": "300"})).status_code == 403  # no CSRF token
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from accounts where poll_interval_seconds <> 60") == 0
