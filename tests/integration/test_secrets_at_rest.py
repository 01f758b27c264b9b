"""Secrets at rest (issue 13, finding 9): the alert webhook's address (its token) and signing secret
are sealed like platform tokens, nowhere in the database in clear; the secret key can be rotated
(the previous key still opens, `jasette secrets reseal` moves everything to the new one in batches,
resumably), and after the old key is dropped everything still opens."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import subprocess
import sys

import aiohttp
import pytest
from aiohttp import web
from alerting import configure
from cryptography.fernet import Fernet
from receivers import WebhookReceiver
from test_migrations import drop, fresh_database
from web_app import SECRET, client_for, csrf_of, login, make_app, seed

from collector import wire
from collector.base import FetchFailed
from emulators.base import serve
from inbox import db, migrate, netguard, push, sealed
from inbox.alerts.delivery import deliver_due
from inbox.alerts.store import load_brand, raise_test_alert
from inbox.alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.smtp import SmtpConfig
from web.app import create_app
from web.settings import Settings

TOKEN = "XOXB-hook-token-4711"
OLD, NEW = "old-secret-key", "new-secret-key"


async def database_text(pool) -> str:
    """Every row of every table as text: what a leaked dump or backup would show."""
    tables = [r["tablename"] for r in await pool.fetch("select tablename from pg_tables where schemaname = 'public'")]
    parts = [await pool.fetchval(f'select coalesce(string_agg(t::text, \' \'), \'\') from "{name}" t') for name in tables]
    return "\n".join(parts)


async def _deliver(pool, vault: Vault | None) -> list:
    now = await pool.fetchval("select now() + interval '1 day'")
    async with aiohttp.ClientSession() as session:
        return await deliver_due(pool, smtp=SmtpConfig(), base_url="http://inbox.test", now=now, session=session, vault=vault)


async def test_the_webhook_address_and_secret_are_nowhere_in_clear(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with WebhookReceiver() as hook:
        address = f"{hook.url}?token={TOKEN}"
        app = make_app(pool, db_dsn)
        async with client_for(app) as client:
            await login(client, "owner@a.test")
            token = csrf_of((await client.get("/settings/alerts")).text)
            saved = await client.post("/settings/alerts/channels", data={
                "csrf": token, "alert_emails": "", "webhook_url": address, "summary_hour": "8"})
            assert saved.status_code == 303
            secret = (await sealed.brand_secrets(pool, Vault(SECRET), ids["brand_a"]))["webhook_secret"]
            hook.mode = "fail"  # a failed attempt's error text is stored and shown: the token must not be in it
            assert (await client.post("/alerts/test", data={"csrf": token})).status_code == 303
            [failed] = [o for o in await _deliver(pool, Vault(SECRET)) if o.channel == "webhook"]
            assert not failed.ok and TOKEN not in (failed.error or "")
            alerts_page = (await client.get("/alerts")).text
        dump = await database_text(pool)
        assert TOKEN not in dump and secret not in dump
        assert TOKEN not in alerts_page
        # Still delivered, to the whole address, signed with the secret.
        hook.mode = "ok"
        await pool.execute("update alert_deliveries set next_attempt_at = now() where channel = 'webhook'")
        [sent] = [o for o in await _deliver(pool, Vault(SECRET)) if o.channel == "webhook"]
        assert sent.ok, sent.error
        headers, body = hook.requests[-1]
        assert verify(secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert TOKEN not in await database_text(pool)


async def test_secrets_an_earlier_version_kept_in_clear_are_sealed_at_start(pool, brand) -> None:
    async with WebhookReceiver() as hook:
        await configure(pool, brand["brand_id"], webhook_url=f"{hook.url}?token={TOKEN}", webhook_secret="clear-secret-42")
        assert TOKEN in await database_text(pool)
        async with pool.acquire() as conn:
            assert await sealed.seal_clear(conn, Vault(SECRET)) == 1
            assert await sealed.seal_clear(conn, Vault(SECRET)) == 0  # idempotent
        dump = await database_text(pool)
        assert TOKEN not in dump and "clear-secret-42" not in dump
        settings = await pool.fetchval("select settings from brands where id = $1", brand["brand_id"])
        assert settings["webhook_host"] == hook.url.rsplit("/", 1)[0]
        async with pool.acquire() as conn:
            await raise_test_alert(conn, await load_brand(conn, brand["brand_id"]), await conn.fetchval("select now()"))
        [sent] = [o for o in await _deliver(pool, Vault(SECRET)) if o.channel == "webhook"]
        assert sent.ok, sent.error
        headers, body = hook.requests[-1]
        assert verify("clear-secret-42", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])


async def _sealed_everywhere(pool, brand) -> dict[int, str]:
    """Five accounts and a brand's webhook sealed with OLD (one account still with the pre-HKDF key)."""
    old = Vault(OLD)
    tokens = {}
    for n in range(5):
        tokens[await pool.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url, credentials, verified_at)"
            " values ($1, 'wordpress', $2, 'https://a.example', $3, now()) returning id",
            brand["brand_id"], f"site-{n}", old.seal({"access_token": f"tok-{n}"}))] = f"tok-{n}"
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(OLD.encode()).digest()))
    await pool.execute("update accounts set credentials = $2 where id = $1", brand["account_id"],
                       legacy.encrypt(json.dumps({"access_token": "tok-legacy"}).encode()))
    tokens[brand["account_id"]] = "tok-legacy"
    async with pool.acquire() as conn:
        await sealed.save_brand_secrets(conn, old, brand["brand_id"], {"webhook_url": f"https://hooks.example/{TOKEN}",
                                                                       "webhook_secret": "s3cret"})
    return tokens


async def _opened(pool, vault: Vault) -> dict[int, str]:
    rows = await pool.fetch("select id, credentials from accounts where credentials is not null")
    return {r["id"]: vault.open(r["credentials"])["access_token"] for r in rows}


async def test_rotate_reseal_then_drop_the_old_key(pool, brand) -> None:
    tokens = await _sealed_everywhere(pool, brand)
    verified = await pool.fetch("select id, verified_at from accounts order by id")
    rotated = Vault(NEW, previous=[OLD])
    user = await pool.fetchval("insert into users (email, password_hash) values ('o@cafe.test', 'x') returning id")
    flow = await pool.fetchval(
        "insert into oauth_flows (id, brand_id, user_id, platform, pending, expires_at) values"
        " ('f1', $1, $2, 'facebook', $3, now() + interval '10 minutes') returning id",
        brand["brand_id"], user, Vault(OLD).seal({"access_token": "tok-pick"}))
    async with pool.acquire() as conn:
        push_key = (await push.keys(conn, Vault(OLD))).private_pem  # the VAPID key, sealed with the old key
    assert await _opened(pool, rotated) == tokens  # during the rotation, everything still opens
    with pytest.raises(CredentialsUnreadable):
        await _opened(pool, Vault(NEW))

    # Stopped after its first batch (a crash, a deploy): running it again finishes the work.
    class Stop(Exception):
        pass

    def crash(_: sealed.Resealed) -> None:
        raise Stop

    async with pool.acquire() as conn:
        with pytest.raises(Stop):
            await sealed.reseal(conn, rotated, batch=2, progress=crash)
        first = await sealed.reseal(conn, rotated, batch=2)
        again = await sealed.reseal(conn, rotated, batch=2)
    counts = {r.column: (r.resealed, r.current, r.unreadable) for r in first}
    assert counts == {"accounts.credentials": (4, 2, []), "brands.secrets": (1, 0, []), "oauth_flows.pending": (1, 0, []),
                      "web_push_keys.private_sealed": (1, 0, [])}
    assert {r.column: (r.resealed, r.current) for r in again} == {
        "accounts.credentials": (0, 6), "brands.secrets": (0, 1), "oauth_flows.pending": (0, 1),
        "web_push_keys.private_sealed": (0, 1)}
    assert Vault(NEW).open(await pool.fetchval("select pending from oauth_flows where id = $1", flow)) == {"access_token": "tok-pick"}
    async with pool.acquire() as conn:
        assert (await push.keys(conn, Vault(NEW))).private_pem == push_key

    new_only = Vault(NEW)  # the old key is gone from the settings
    assert await _opened(pool, new_only) == tokens
    secrets = await sealed.brand_secrets(pool, new_only, brand["brand_id"])
    assert secrets == {"webhook_url": f"https://hooks.example/{TOKEN}", "webhook_secret": "s3cret"}
    with pytest.raises(CredentialsUnreadable):
        await _opened(pool, Vault(OLD))
    # Resealing is not an edit: accounts stay proved (pushed deliveries keep flowing).
    assert await pool.fetch("select id, verified_at from accounts order by id") == verified


def _jasette(db_dsn: str, key: str, previous: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_SECRET_KEY=key, JASETTE_SECRET_KEY_PREVIOUS=previous)
    return subprocess.run([sys.executable, "-m", "jasette.cli", "secrets", "reseal", "--batch", "2"],
                          capture_output=True, text=True, env=env, timeout=60)


async def test_the_reseal_command_reports_counts_and_unreadable_rows(pool, db_dsn, brand) -> None:
    tokens = await _sealed_everywhere(pool, brand)
    stray = await pool.fetchval(
        "insert into accounts (brand_id, platform, external_id, base_url, credentials) values ($1, 'rss', 'x',"
        " 'https://b.example', $2) returning id", brand["brand_id"], Vault("a-third-key").seal({"access_token": "?"}))
    run = await asyncio.to_thread(_jasette, db_dsn, NEW, f"{OLD}, another-old-key")
    assert run.returncode == 1, run.stderr
    assert "accounts.credentials: 6 resealed, 0 already current, 1 unreadable" in run.stdout
    assert f"ids {stray}:" in run.stdout and "JASETTE_SECRET_KEY_PREVIOUS" in run.stdout
    assert "brands.secrets: 1 resealed, 0 already current, 0 unreadable" in run.stdout
    await pool.execute("delete from accounts where id = $1", stray)
    done = await asyncio.to_thread(_jasette, db_dsn, NEW)
    assert done.returncode == 0, done.stderr
    assert "accounts.credentials: 0 resealed, 6 already current, 0 unreadable" in done.stdout
    assert "can be removed" in done.stdout
    assert await _opened(pool, Vault(NEW)) == tokens
    assert "tok-" not in done.stdout + run.stdout + run.stderr


async def test_sessions_end_when_the_key_changes(pool, db_dsn) -> None:
    """Documented: the session key is derived from JASETTE_SECRET_KEY only, so a rotation (often the
    answer to a leak) logs everyone out; the previous key opens stored secrets, never sessions."""
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        assert (await client.get("/")).status_code == 200
        cookies = dict(client.cookies)
    rotated = create_app(Settings(secret_key=NEW, previous_secret_keys=(SECRET,)), pool,
                         Vault(NEW, previous=[SECRET]), dsn=db_dsn)
    async with client_for(rotated) as client:
        client.cookies.update(cookies)
        response = await client.get("/")
        assert response.status_code in (302, 303) and "/login" in response.headers["location"]


async def test_migration_keeps_only_the_webhook_host_in_deliveries_and_errors(server_dsn) -> None:
    name = await fresh_database(server_dsn)
    try:
        conn = await db.connect(db.with_database(server_dsn, name))
        try:
            await conn.execute("create table schema_migrations (version text primary key, applied_at timestamptz not null default now())")
            for version, sql in migrate.available():
                if version >= "1310":
                    break
                await conn.execute(sql)
                await conn.execute("insert into schema_migrations (version) values ($1)", version)
            url = f"https://hooks.example:8443/services/{TOKEN}?x=1"
            brand = await conn.fetchval("insert into brands (slug, name, settings) values ('a', 'A', $1) returning id",
                                        {"webhook_url": url, "webhook_secret": "s"})
            alert = await conn.fetchval("insert into alerts (brand_id, kind, dedupe_key, title) values ($1, 'test', 'k', 't')"
                                        " returning id", brand)
            await conn.execute("insert into alert_deliveries (alert_id, channel, target, last_error) values"
                               " ($1, 'webhook', $2, $3), ($1, 'email', 'a@b.test', 'smtp down')",
                               alert, url, f"webhook {url} answered HTTP 500")
            account = await conn.fetchval(
                "insert into accounts (brand_id, platform, external_id, base_url, last_error) values ($1, 'facebook', '1',"
                " 'https://graph.facebook.com', $2) returning id", brand,
                f"GET https://graph.facebook.com/me: TooManyRedirects: 0, message='', url='https://graph.facebook.com/me?access_token={TOKEN}'")
            assert "1310_sealed_brand_secrets" in await migrate.migrate(conn)
            assert await conn.fetchval("select last_error from accounts where id = $1", account) == (
                "GET https://graph.facebook.com/me: TooManyRedirects: 0, message='', url='https://graph.facebook.com/me?…'")
            rows = {r["channel"]: r for r in await conn.fetch("select channel, target, last_error from alert_deliveries")}
            assert (rows["webhook"]["target"], rows["webhook"]["last_error"]) == (
                "https://hooks.example:8443", "webhook https://hooks.example:8443 answered HTTP 500")
            assert (rows["email"]["target"], rows["email"]["last_error"]) == ("a@b.test", "smtp down")
            settings = await conn.fetchval("select settings from brands where id = $1", brand)
            assert settings["webhook_host"] == "https://hooks.example:8443"
            # The clear values wait for the Vault (seal_clear at the next start), then are gone.
            assert await sealed.seal_clear(conn, Vault(SECRET)) == 1
            assert TOKEN not in await conn.fetchval("select string_agg(b::text, ' ') from brands b")
        finally:
            await conn.close()
    finally:
        await drop(server_dsn, name)


async def test_a_webhook_sealed_with_a_lost_key_is_set_again_not_a_500(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await sealed.save_brand_secrets(conn, Vault("a-lost-key"), ids["brand_a"],
                                        {"webhook_url": f"https://hooks.example/{TOKEN}", "webhook_secret": "old"})
        await conn.execute("""update brands set settings = settings || '{"webhook_host": "https://hooks.example"}' where id = $1""",
                           ids["brand_a"])
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = await client.get("/settings/alerts")
        assert page.status_code == 200 and "https://hooks.example" in page.text
        saved = await client.post("/settings/alerts/channels", data={
            "csrf": csrf_of(page.text), "alert_emails": "", "webhook_url": "https://hooks.example/new", "summary_hour": "8"})
        assert saved.status_code == 303
    opened = await sealed.brand_secrets(pool, Vault(SECRET), ids["brand_a"])
    assert opened["webhook_url"] == "https://hooks.example/new" and len(opened["webhook_secret"]) > 30


async def test_a_transport_error_never_stores_the_token_of_the_query(pool) -> None:
    """Graph takes its token in the query: an error quoting the URL (too many redirects here) must
    not carry it into accounts.last_error, which owners and agents read."""
    async def loop(request: web.Request) -> web.Response:
        raise web.HTTPFound(f"/again?n={int(request.query.get('n', '0')) + 1}&access_token=tok-LEAK-9")

    app = web.Application()
    app.router.add_get("/{tail:.*}", loop)
    runner, base = await serve(app)
    try:
        async with netguard.client_session(netguard.Policy.from_env()) as session:
            with pytest.raises(FetchFailed) as failed:
                await wire.request(session, "GET", f"{base}/me", params={"access_token": "tok-LEAK-9"})
    finally:
        await runner.cleanup()
    assert "TooManyRedirects" in str(failed.value) and "tok-LEAK-9" not in str(failed.value)
