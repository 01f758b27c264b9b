"""Settings → Connections over HTTP: every collector setting can be typed, a mistake shows the
form again with what was typed, the API address may be left empty, a connection can be tested
(against an emulator, with and without a fault), paused and resumed, and removed (its items stay)."""

from __future__ import annotations

import html
import random

import aiohttp
from polling import Clock, Site, wordpress_account
from web_app import SECRET, client_for, ingest, login, make_app, seed

from collector.base import Account
from collector.poller import Poller
from collector.x import DEFAULT_BASE_URL as X_ROOT
from collector.x import XCollector
from inbox.credentials import Vault
from inbox.netguard import Policy

VAULT = Vault(SECRET)


def _page(response) -> str:
    return html.unescape(response.text)


async def test_a_mistake_shows_the_form_again_with_everything_typed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
        before = await conn.fetchval("select count(*) from accounts")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        form = {"csrf": token, "platform": "youtube", "name": "Chaîne du café", "external_id": "UC123",
                "base_url": "", "youtube.quota_limit": "beaucoup", "youtube.reply_days": "3", "token": "tok-SECRET"}
        refused = await client.post("/settings/accounts", data=form)
        assert refused.status_code == 400 and refused.headers["content-type"].startswith("text/html")
        page = _page(refused)
        assert "« Quota quotidien de l’API (unités) » doit être un nombre entier de 100 à 10\u00a0000\u00a0000." in page
        # Everything typed is back in the form (the token aside), the platform still chosen, the
        # advanced part where the mistake sits open, and the page is the whole settings page.
        for kept in ('name="name" value="Chaîne du café"', 'name="external_id" required value="UC123"',
                     'name="youtube.quota_limit" value="beaucoup"', 'name="youtube.reply_days" value="3"',
                     '<option value="youtube" selected>'):
            assert kept in page, kept
        assert "tok-SECRET" not in page
        assert '<details class="advanced" open>' in page and '<details id="add-connection" open>' in page
        assert "Réponses enregistrées</h2>" in page
        # Other mistakes, each said in words beside the form (never a bare text page).
        for patch, words in [
            ({"platform": "x", "x.username": "pas un nom!"}, "« Nom d’utilisateur X » n’a pas la forme attendue"),
            ({"external_id": "  "}, "Indiquez l’identifiant de la page ou du compte."),
            ({"platform": "wordpress", "base_url": ""}, "L’adresse est obligatoire pour cette plateforme (http:// ou https://)."),
            ({"platform": "linkedin", "linkedin.version": "2026-09"}, "« Version de l’API LinkedIn » n’a pas la forme attendue"),
            ({"platform": "mastodon"}, "Choisissez une plateforme."),
        ]:
            response = await client.post("/settings/accounts", data={**form, "youtube.quota_limit": "", **patch})
            assert response.status_code == 400 and words in _page(response), patch
            assert 'id="settings-error"' in response.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from accounts") == before


async def test_every_setting_is_stored_and_the_address_may_be_left_empty(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@b.test")  # in English this time
        added = await client.post("/settings/accounts", data={
            "csrf": token, "platform": "x", "name": "Café on X", "external_id": "1234", "base_url": "",
            "x.username": "@cafe_b", "x.query": '"Boutique B" OR #boutiqueb', "token": "x-token"})
        assert added.status_code == 303
        row = await pool.fetchrow("select id, base_url, settings from accounts where external_id = '1234'")
        assert row["base_url"] == "" and row["settings"] == {"username": "cafe_b", "query": '"Boutique B" OR #boutiqueb'}
        # The collector then talks to the platform's own root.
        collector = XCollector(Account(row["id"], "x", "1234", row["base_url"], {}, row["settings"]), None)  # type: ignore[arg-type]
        assert collector.base_url == X_ROOT
        page = (await client.get("/settings")).text
        assert 'name="x.query" value="&#34;Boutique B&#34; OR #boutiqueb"' in page
        assert "Leave it empty: Jasette uses X&#39;s own address." in page
        # A YouTube channel with its quota; the edit form shows it, and an emptied field goes back to the default.
        assert (await client.post("/settings/accounts", data={
            "csrf": token, "platform": "youtube", "external_id": "UCxyz", "base_url": "",
            "youtube.quota_limit": "50 000", "youtube.reply_days": "", "token": "yt"})).status_code == 303
        yt = await pool.fetchrow("select id, settings from accounts where external_id = 'UCxyz'")
        assert yt["settings"] == {"quota_limit": 50000}
        edit = await client.post(f"/settings/accounts/{yt['id']}", data={
            "csrf": token, "name": "Channel", "base_url": "", "enabled": "on",
            "youtube.quota_limit": "", "youtube.reply_days": "14", "youtube.reply_reread_minutes": "60"})
        assert edit.status_code == 303
        assert (await pool.fetchval("select settings from accounts where id = $1", yt["id"])) == {
            "reply_days": 14, "reply_reread_minutes": 60}
        # An edit with a mistake keeps what was typed in that account's form, in English.
        refused = await client.post(f"/settings/accounts/{yt['id']}", data={
            "csrf": token, "name": "Renamed", "base_url": "", "enabled": "on", "youtube.reply_days": "400"})
        assert refused.status_code == 400
        assert "“Days a video's replies are watched” must be a whole number from 1 to 90." in _page(refused)
        assert 'name="youtube.reply_days" value="400"' in refused.text and 'value="Renamed"' in refused.text
        assert (await pool.fetchval("select name from accounts where id = $1", yt["id"])) == "Channel"
        # A mail account's folder and sender.
        assert (await client.post("/settings/accounts", data={
            "csrf": token, "platform": "imap", "external_id": "news@b.test", "base_url": "imaps://imap.b.test:993",
            "imap.folder": "Infolettre", "imap.from_name": "Boutique B", "imap.lookback_days": "7",
            "token": "app-password"})).status_code == 303
        assert (await pool.fetchval("select settings from accounts where external_id = 'news@b.test'")) == {
            "folder": "Infolettre", "from_name": "Boutique B", "lookback_days": 7}
        # Agents cannot change connections.
        agent = await login(client, "agency@x.test")
        assert (await client.post("/settings/accounts", data={"csrf": agent, "platform": "x", "external_id": "9"})).status_code == 403
    assert ids


async def test_the_test_button_reads_without_storing_and_says_what_it_found(pool, db_dsn, site: Site) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await wordpress_account(conn, VAULT, ids["brand_a"], site)
    site.comments(3)
    before = dict(await pool.fetchrow("select health, cursor, verified_at from accounts where id = $1", account))
    app = make_app(pool, db_dsn, policy=Policy.parse("127.0.0.1"))  # the emulator is on loopback
    async with client_for(app) as client, aiohttp.ClientSession() as http:
        token = await login(client, "owner@a.test")
        tried = await client.post(f"/settings/accounts/{account}/test", data={"csrf": token})
        assert tried.status_code == 200
        assert "La connexion fonctionne : Jasette a lu 3 message(s) récent(s). Rien n’a été enregistré." in _page(tried)
        assert await pool.fetchval("select count(*) from items") == 0
        async with http.post(f"{site.base}/_control/fault", json={"mode": "expired_token"}):
            pass
        refused = await client.post(f"/settings/accounts/{account}/test", data={"csrf": token})
        assert "WordPress a refusé les identifiants : reconnectez le compte." in _page(refused)
        async with http.post(f"{site.base}/_control/fault", json={"mode": "server_error"}):
            pass
        down = await client.post(f"/settings/accounts/{account}/test", data={"csrf": token})
        assert "WordPress est injoignable ou a répondu par une erreur." in _page(down)
        # Testing changed nothing: no items, same cursor, same health (a failed test is not a failed poll).
        after = dict(await pool.fetchrow("select health, cursor, verified_at from accounts where id = $1", account))
        assert after == before and await pool.fetchval("select count(*) from items") == 0
        # Only the owner of that brand may test it.
        agent = await login(client, "agent@a.test")
        assert (await client.post(f"/settings/accounts/{account}/test", data={"csrf": agent})).status_code == 403
        other = await login(client, "owner@b.test")
        assert (await client.post(f"/settings/accounts/{account}/test", data={"csrf": other})).status_code == 404


async def test_pause_stops_polling_and_resume_restarts_it(pool, db_dsn, site: Site) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")  # the seeded accounts point nowhere
        account = await wordpress_account(conn, VAULT, ids["brand_a"], site)
    site.comments(2)
    clock = Clock()
    async with client_for(make_app(pool, db_dsn)) as client, aiohttp.ClientSession() as http:
        poller = Poller(pool, VAULT, http, worker_id="w1", clock=clock, rng=random.Random(1))
        token = await login(client, "owner@a.test")
        assert (await client.post(f"/settings/accounts/{account}/pause", data={"csrf": token})).status_code == 303
        page = _page(await client.get("/settings"))
        assert "En pause" in page and f'action="/settings/accounts/{account}/resume"' in page
        clock.advance(3600)
        assert await poller.poll_due() == [] and site.api_requests == 0
        assert (await client.post(f"/settings/accounts/{account}/resume", data={"csrf": token})).status_code == 303
        clock.advance(1)
        [outcome] = await poller.poll_due()
        assert outcome.account_id == account and outcome.new_items == 2


async def test_remove_asks_first_says_what_happens_and_keeps_the_items(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        kept = [await ingest(conn, ids["brand_a"], ids["account_a"], f"Bon café {n}") for n in range(3)]
    async with client_for(make_app(pool, db_dsn)) as client:
        agent = await login(client, "agent@a.test")
        assert (await client.get(f"/settings/accounts/{ids['account_a']}/remove")).status_code == 403
        assert (await client.post(f"/settings/accounts/{ids['account_a']}/remove", data={"csrf": agent})).status_code == 403
        token = await login(client, "owner@a.test")
        confirm = await client.get(f"/settings/accounts/{ids['account_a']}/remove")
        page = _page(confirm)
        assert confirm.status_code == 200
        assert "Les 3 message(s) déjà relevé(s) restent dans la boîte de réception" in page
        assert "mettez plutôt la connexion en pause" in page
        assert await pool.fetchval("select count(*) from accounts where id = $1", ids["account_a"]) == 1  # asking removes nothing
        # Another brand's connection cannot be removed from here.
        assert (await client.post(f"/settings/accounts/{ids['account_b']}/remove", data={"csrf": token})).status_code == 404
        removed = await client.post(f"/settings/accounts/{ids['account_a']}/remove", data={"csrf": token})
        assert removed.status_code == 303
    assert await pool.fetchval("select count(*) from accounts where id = $1", ids["account_a"]) == 0
    rows = await pool.fetch("select id, account_id from items where id = any($1::bigint[])", kept)
    assert sorted(r["id"] for r in rows) == sorted(kept) and all(r["account_id"] is None for r in rows)
    assert await pool.fetchval("select count(*) from accounts where id = $1", ids["account_b"]) == 1
