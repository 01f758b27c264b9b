"""Owners hear at once when a connection needs re-authorisation: the poller meets an emulator's
expired token, the alerts worker mails every owner once (in their language) and posts the webhook,
the banner links to the Reconnect button, the other account keeps collecting; recovering re-arms
it; a token that cannot be renewed is announced seven days before it ends, once."""

from __future__ import annotations

import asyncio
import json
import random
from datetime import UTC, datetime, timedelta

import aiohttp
from alerting import configure, wait_for
from live_socket import live_socket, next_message
from polling import Clock, running_site, wordpress_account
from receivers import SmtpServer, WebhookReceiver
from web_app import PASSWORD, SECRET, LiveServer, client_for, login, make_app, seed

from collector.poller import Poller
from inbox import accounts, users
from inbox.alerts.connections import raise_connection_alerts
from inbox.alerts.delivery import deliver_due
from inbox.alerts.worker import run_alerts_worker
from inbox.credentials import Vault
from inbox.smtp import SmtpConfig
from web.auth import hash_password
from web.i18n import platform_name

VAULT = Vault(SECRET)
_HASH = hash_password(PASSWORD)


def _smtp(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, starttls=False, sender="alertes@jasette.test")


def _text(mail) -> str:
    return mail.get_body(("plain",)).get_content()




async def _alerts_for(ws, seconds: float) -> list:
    """The alert messages a socket receives within `seconds` (the socket's other traffic dropped)."""
    found: list = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                found += [m for m in json.loads(await ws.recv()) if m["t"] == "alert"]
    except TimeoutError:
        return found


async def _two_owners(conn) -> dict:
    """Seeded brands, plus a second owner of brand A who reads English; the seeded accounts paused."""
    ids = await seed(conn)
    ids["owner2_a"] = await users.create_user(conn, "olive@a.test", "Olive Owner", _HASH, "en")
    await users.add_membership(conn, ids["owner2_a"], ids["brand_a"], "owner")
    await conn.execute("update accounts set enabled = false")
    await conn.execute("update alert_rules set enabled = false")  # only the connection alerts speak here
    return ids


async def test_an_expired_token_tells_every_owner_once_and_the_other_account_keeps_collecting(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await _two_owners(conn)
    clock = Clock()
    async with running_site() as broken, running_site() as fine, aiohttp.ClientSession() as http:
        async with pool.acquire() as conn:
            blog = await wordpress_account(conn, VAULT, ids["brand_a"], broken, external_id="blogue.example")
            shop = await wordpress_account(conn, VAULT, ids["brand_a"], fine, external_id="boutique.example")
            await conn.execute("update accounts set name = 'Blogue <b>du café</b>' where id = $1", blog)
        poller = Poller(pool, VAULT, http, worker_id="w1", clock=clock, rng=random.Random(3))
        broken.comments(2)
        fine.comments(2)
        assert {o.account_id: o.new_items for o in await poller.poll_due()} == {blog: 2, shop: 2}
        async with http.post(f"{broken.base}/_control/fault", json={"mode": "expired_token"}):
            pass
        with SmtpServer() as smtp, LiveServer(db_dsn) as server:
            banner_ws = await live_socket(server, "olive@a.test")  # the English owner, on the inbox page
            async with WebhookReceiver() as hook:
                # Alerts go to a team address; a connection alert reaches every owner besides.
                await configure(pool, ids["brand_a"], webhook_url=hook.url, alert_emails=["equipe@cafe-a.test"])
                stop = asyncio.Event()
                worker = asyncio.create_task(run_alerts_worker(
                    pool, smtp=_smtp(smtp), base_url="http://inbox.test", stop=stop, dsn=db_dsn,
                    sweep_seconds=0.3, summaries=False, platform_name=platform_name))
                await asyncio.sleep(0.3)  # the worker's LISTEN is up
                broken.comments(1, prefix="après")
                fine.comments(3, prefix="après")
                clock.advance(3600)
                outcomes = {o.account_id: o for o in await poller.poll_due()}
                assert outcomes[blog].health == "reauth" and outcomes[shop].new_items == 3
                await wait_for(lambda: len(smtp.messages) >= 3 and len(hook.requests) >= 1)
                banner = await next_message(banner_ws, lambda m: m["t"] == "alert")
                # Still broken at the next polls, and flagged again by a refused reply: no second alert.
                for _ in range(3):
                    clock.advance(3600)
                    fine.comments(1, prefix="encore")
                    assert [o.account_id for o in await poller.poll_due()] == [shop]
                async with pool.acquire() as conn:
                    assert await accounts.flag_reauth(conn, blog, error="refused again", now=clock()) == "reauth"
                await asyncio.sleep(1.0)
                stop.set()
                await worker
            later_banners = await _alerts_for(banner_ws, 0.5)
            await banner_ws.close()
    assert banner["kind"] == "account_reauth" and banner["link"] == f"/settings#account-{blog}"
    assert banner["title"].startswith("[Café A] Reconnection needed — The WordPress connection “Blogue <b>du café</b>”")
    assert later_banners == []  # the banner, like the e-mail, comes once
    assert len(smtp.messages) == 3 and len(hook.requests) == 1, [(m["To"], m["Subject"]) for m in smtp.messages]
    by_reader = {m["To"]: m for m in smtp.messages}
    french, english = by_reader["owner@a.test"], by_reader["olive@a.test"]
    assert by_reader["equipe@cafe-a.test"]["Subject"] == french["Subject"]  # nobody's address: the brand's language
    assert french["Subject"].startswith("[Café A] Reconnexion nécessaire")
    assert english["Subject"].startswith("[Café A] Reconnection needed")
    body = _text(french)
    assert "La connexion WordPress « Blogue <b>du café</b> » n'est plus autorisée" in body
    assert "Vos autres connexions continuent de fonctionner." in body
    assert f"Reconnecter dans les réglages : http://inbox.test/settings#account-{blog}" in body
    assert "reauth" not in body and "account_reauth" not in body  # words, not codes
    assert "&lt;b&gt;du café&lt;/b&gt;" in french.get_body(("html",)).get_content()
    assert "The WordPress connection “Blogue <b>du café</b>” is no longer authorised" in _text(english)
    payload = json.loads(hook.requests[0][1])
    assert payload["alert"]["kind"] == "account_reauth" and payload["alert"]["url"] == f"http://inbox.test/settings#account-{blog}"
    assert "n'est plus autorisée" in payload["text"] and payload["text"].endswith(
        f"<http://inbox.test/settings#account-{blog}|Reconnecter dans les réglages>")
    # Nothing held it back, and the other account kept collecting all along.
    assert await pool.fetchval("select count(*) from alerts where kind = 'account_reauth'") == 1
    assert await pool.fetchval("select count(*) from items where account_id = $1", shop) == 2 + 3 + 3
    assert await pool.fetchval("select count(*) from items where account_id = $1", blog) == 2


async def test_recovery_re_arms_the_alert_for_the_next_episode(pool) -> None:
    async with pool.acquire() as conn:
        ids = await _two_owners(conn)
    clock = Clock()
    async with running_site() as site, aiohttp.ClientSession() as http:
        async with pool.acquire() as conn:
            blog = await wordpress_account(conn, VAULT, ids["brand_a"], site)
        poller = Poller(pool, VAULT, http, worker_id="w1", clock=clock, rng=random.Random(3))
        with SmtpServer() as smtp:
            async def episode() -> list[int]:
                async with http.post(f"{site.base}/_control/fault", json={"mode": "expired_token"}):
                    pass
                clock.advance(3600)
                [outcome] = await poller.poll_due()
                assert outcome.health == "reauth"
                raised = await raise_connection_alerts(pool, clock(), platform_name=platform_name)
                assert await raise_connection_alerts(pool, clock()) == []  # told once
                await deliver_due(pool, smtp=_smtp(smtp), base_url="http://inbox.test", now=clock(), session=http)
                return raised

            first = await episode()
            assert len(first) == 1 and len(smtp.messages) == 2
            # The owner reconnects; the next poll works: the account is healthy again.
            async with http.delete(f"{site.base}/_control/fault"):
                pass
            async with pool.acquire() as conn:
                await accounts.update_credentials(conn, VAULT, brand_id=ids["brand_a"], account_id=blog,
                                                  credentials={"username": "jasette", "application_password": "demo-token"})
            clock.advance(60)
            assert (await poller.poll_due())[0].health == "ok"
            assert await raise_connection_alerts(pool, clock()) == []
            # A new refusal is a new episode: told again, once.
            second = await episode()
            assert len(second) == 1 and second != first and len(smtp.messages) == 4


async def test_banner_and_settings_lead_to_the_reconnect_button(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await _two_owners(conn)
        page_id = await conn.fetchval(
            "insert into accounts (brand_id, platform, name, external_id, base_url) values ($1, 'facebook', 'Page du café', 'p-1', '')"
            " returning id", ids["brand_a"])
    with LiveServer(db_dsn) as server:
        owner = await live_socket(server, "olive@a.test")  # English, the inbox page
        agent = await live_socket(server, "agent@a.test", "?only=alert")
        try:
            await pool.execute("update accounts set health = 'reauth', last_error = 'Facebook refused the token' where id = $1", page_id)
            [alert_id] = await raise_connection_alerts(pool, datetime.now(UTC), platform_name=platform_name)
            got = await next_message(owner, lambda m: m["t"] == "alert")
            french = await next_message(agent, lambda m: m["t"] == "alert")
        finally:
            await owner.close()
            await agent.close()
    assert got["alert"] == alert_id and got["kind"] == "account_reauth"
    assert got["link"] == f"/settings#account-{page_id}" and got["link_label"] == "Reconnect in Settings"
    assert "The Facebook connection “Page du café” is no longer authorised" in got["title"]
    assert "La connexion Facebook « Page du café » n'est plus autorisée" in french["title"]
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        listed = (await client.get("/alerts")).text
        assert f'<a class="alert-action" href="/settings#account-{page_id}">Reconnecter dans les réglages</a>' in listed
        page = (await client.get("/settings")).text
        assert f'id="account-{page_id}"' in page
        # Facebook reconnects through its consent page; a WordPress site through its edit form.
        assert f'id="reconnect-{page_id}" href="/settings/connect/facebook?account={page_id}">Reconnecter</a>' in page
        await pool.execute("update accounts set health = 'reauth' where id = $1", ids["account_a"])
        page = (await client.get("/settings")).text
        assert f'id="reconnect-{ids["account_a"]}" href="/settings?edit={ids["account_a"]}#account-{ids["account_a"]}">Reconnecter</a>' in page
        opened = (await client.get(f"/settings?edit={ids['account_a']}")).text
        assert f'<details open id="edit-{ids["account_a"]}">' in opened
        # Until it is fixed, every page carries a notice (the live banner told once).
        inbox = (await client.get("/")).text
        assert "La connexion Facebook « Page du café » doit être autorisée de nouveau" in inbox
        assert f'<a href="/settings#account-{page_id}">Reconnecter dans les réglages</a>' in inbox
        await login(client, "agent@a.test")
        assert "Reconnecter</a>" not in (await client.get("/settings")).text  # owners only
        assert "Demandez à un propriétaire de la reconnecter." in (await client.get("/")).text
        await pool.execute("update accounts set health = 'ok' where id in ($1, $2)", page_id, ids["account_a"])
        assert "doit être autorisée de nouveau" not in (await client.get("/")).text


async def test_a_token_that_cannot_be_renewed_is_announced_seven_days_before_once(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await _two_owners(conn)
    now = datetime(2026, 12, 5, 15, 0, tzinfo=UTC)
    ends = now + timedelta(days=60)
    await pool.execute("update accounts set access_expires_at = $2, platform = 'instagram', name = 'Café sur Instagram'"
                       " where id = $1", ids["account_a"], ends)
    with SmtpServer() as smtp:
        async with aiohttp.ClientSession() as http:
            for day in (0, 30, 52):
                assert await raise_connection_alerts(pool, now + timedelta(days=day)) == []
            warned_at = ends - timedelta(days=7) + timedelta(minutes=1)
            [warning] = await raise_connection_alerts(pool, warned_at, platform_name=platform_name)
            for later in (1, 3, 6):
                assert await raise_connection_alerts(pool, warned_at + timedelta(days=later)) == []
            await deliver_due(pool, smtp=_smtp(smtp), base_url="http://inbox.test", now=warned_at, session=http)
            # Renewed for sixty more days: the warning is armed for the new date.
            await pool.execute("update accounts set access_expires_at = access_expires_at + interval '60 days' where id = $1",
                               ids["account_a"])
            assert await raise_connection_alerts(pool, warned_at + timedelta(days=1)) == []
            assert len(await raise_connection_alerts(pool, warned_at + timedelta(days=60))) == 1
    assert sorted(m["To"] for m in smtp.messages) == ["olive@a.test", "owner@a.test"]
    french = next(m for m in smtp.messages if m["To"] == "owner@a.test")
    assert french["Subject"].startswith("[Café A] Connexion bientôt expirée")
    assert "La connexion Instagram « Café sur Instagram » cessera de fonctionner le 3 février 2027" in _text(french)
    english = next(m for m in smtp.messages if m["To"] == "olive@a.test")
    assert "will stop working on February 3, 2027" in _text(english)
    alert = await pool.fetchrow("select held_until, rule_id from alerts where id = $1", warning)
    assert alert["held_until"] is None and alert["rule_id"] is None
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        await pool.execute("update accounts set access_expires_at = now() + interval '3 days' where id = $1", ids["account_a"])
        page = (await client.get("/settings")).text
        assert "Cessera de fonctionner le" in page
        assert f'id="reconnect-{ids["account_a"]}" href="/settings/connect/instagram?account={ids["account_a"]}">Reconnecter</a>' in page
