"""Issue 11's acceptance run, in Chromium against the real server and the six OAuth emulators: an
owner connects Facebook (one of two Pages), Instagram, Google Business Profile (one of two
locations), YouTube, X and LinkedIn through their consent pages; comments arrive; every
platform's clock then passes its tokens' lifetime and comments still arrive and replies still
post; a revoked grant shows "re-authorisation needed" while the others keep collecting, and
"Reconnecter" brings it back with nothing lost or duplicated."""

from __future__ import annotations

import asyncio
import random

import aiohttp
from browser_steps import log_in
from connecting import LOOPBACK, apps_of, keeper, poll_account, poller, running
from playwright.async_api import expect
from receivers import SmtpServer
from web_app import SECRET, LiveServer, seed

from collector.outbox_worker import OutboxWorker
from emulators.facebook import PAGE_ID
from emulators.google import ACCOUNT_ID, LOCATION_ID
from inbox import outbox
from inbox.alerts.worker import run_alerts_worker
from inbox.credentials import Vault
from inbox.smtp import SmtpConfig
from web.app import create_app
from web.i18n import platform_name
from web.settings import Settings
from web.webhooks import meta_routes

DAY = 86400
# What to tick on the picker (None: one account, no picker), and how far each platform's clock
# moves: past the access token's life (Google 1 h, X 2 h, LinkedIn 60 days), and for Instagram
# into the window where its 60-day token is renewed; Facebook Page tokens never expire.
PLATFORMS = {
    "facebook": (PAGE_ID, 61 * DAY),
    "instagram": (None, 40 * DAY),
    "google": (f"accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}", 3700),
    "youtube": (None, 3700),
    "x": (None, 7300),
    "linkedin": (None, 61 * DAY),
}
TEXT = {"x": "@cafe_demo {}", "linkedin": "{}"}


def _factory(server: LiveServer, platforms, db_dsn, smtp: SmtpConfig):
    settings = Settings(secret_key=SECRET, oauth=apps_of(platforms), policy=LOOPBACK, base_url=server.url, smtp=smtp)

    def build(pool):
        routes = meta_routes(pool, app_secret=settings.meta_app_secrets(), verify_token="t", vault=Vault(SECRET))
        return create_app(settings, pool, Vault(SECRET), dsn=db_dsn, extra_routes=routes)
    return build


async def _connect_in_browser(page, base: str, name: str, pick: str | None) -> None:
    await page.goto(base + "/settings")
    await page.click(f"#connect-{name}")
    await page.wait_for_selector("#allow")  # the platform's consent page
    await page.click("#allow")
    if pick is not None:
        await page.wait_for_selector("#pick-form")
        await page.check(f'input[name=choice][value="{pick}"]')
        await page.click("#pick-submit")
    await page.wait_for_selector("#settings-notice")


async def _accounts(pool) -> dict[str, dict]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("select * from accounts where enabled and platform = any($1::text[])", list(PLATFORMS))
    return {r["platform"]: dict(r) for r in rows}


async def _has(pool, account_id: int, words: str) -> int:
    async with pool.acquire() as conn:
        return await conn.fetchval("select count(*) from items where account_id = $1 and body like $2", account_id, f"%{words}%")


async def _say(platform, words: str) -> str:
    return await platform.inject(text=TEXT.get(platform.name, "{}").format(words), author_name="Client Test",
                                 author_handle="client_test")


async def test_owner_connects_six_platforms_and_they_stay_connected(browser, pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set enabled = false")
    async with running(*PLATFORMS) as platforms:
        smtp_server = SmtpServer()
        smtp = SmtpConfig(host="127.0.0.1", port=smtp_server.port, starttls=False, sender="alertes@jasette.test")
        server = LiveServer(db_dsn)
        server.factory = _factory(server, platforms, db_dsn, smtp)
        stop = asyncio.Event()
        with smtp_server, server:
            # The alerts worker, as `jasette worker` runs it: it tells the owners of a connection to reconnect.
            alerts = asyncio.create_task(run_alerts_worker(pool, smtp=smtp, base_url=server.url, stop=stop, dsn=db_dsn,
                                                           sweep_seconds=0.3, summaries=False, platform_name=platform_name))
            await platforms["facebook"].control("webhook", {"url": f"{server.url}/webhooks/meta"})
            context = await browser.new_context(viewport={"width": 1366, "height": 768})
            page = await context.new_page()
            await log_in(page, server.url, "owner@a.test")
            for name, (pick, _) in PLATFORMS.items():
                await _connect_in_browser(page, server.url, name, pick)
            connected = await _accounts(pool)
            assert set(connected) == set(PLATFORMS)

            async with aiohttp.ClientSession() as session:
                # Comments posted after connecting reach the inbox.
                for name in PLATFORMS:
                    await _say(platforms[name], f"Premier commentaire {name}")
                    tokens = keeper(pool, session, platforms)
                    outcome = await poll_account(pool, poller(pool, session, tokens), connected[name]["id"])
                    assert outcome.error is None, (name, outcome)
                await page.goto(server.url + "/")
                for name in PLATFORMS:
                    await page.wait_for_selector(f"text=Premier commentaire {name}")

                # Each platform's clock passes its tokens' lifetime: still collecting, still replying.
                for name, (_, ahead) in PLATFORMS.items():
                    await platforms[name].control("clock", {"advance_seconds": ahead})
                    await _say(platforms[name], f"Après l'expiration {name}")
                    tokens = keeper(pool, session, platforms, ahead=ahead)
                    outcome = await poll_account(pool, poller(pool, session, tokens), connected[name]["id"])
                    # (Facebook's may have come first by webhook: stored once either way.)
                    assert outcome.error is None, (name, outcome)
                    async with pool.acquire() as conn:
                        item_id = await conn.fetchval(
                            "select id from items where account_id = $1 and body like $2", connected[name]["id"], "%Après l'expiration%")
                    assert item_id is not None, name
                    async with pool.acquire() as conn:
                        reply = await outbox.enqueue(conn, brand_id=ids["brand_a"], item_id=item_id, user_id=None,
                                                     body="Merci beaucoup!", idempotency_key=f"browser-{name}")
                    await OutboxWorker(pool, Vault(SECRET), session, worker_id="s", rng=random.Random(1), tokens=tokens).run_once()
                    async with pool.acquire() as conn:
                        state = await conn.fetchrow("select state, error from replies where id = $1", reply["id"])
                    assert (state["state"], state["error"]) == ("sent", None), (name, dict(state))
                health = {a["platform"]: a["health"] for a in (await _accounts(pool)).values()}
                assert set(health.values()) == {"ok"}, health

                # The owner removes the app at Google: only that connection needs them.
                google = platforms["google"]
                await google.control("revoke")
                await _say(google, "Avis pendant la coupure")
                google_clock = PLATFORMS["google"][1]
                outcome = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms, ahead=google_clock)),
                                             connected["google"]["id"])
                assert outcome.health == "reauth"
                for name in ("x", "youtube"):
                    await _say(platforms[name], f"Toujours là {name}")
                    kept = keeper(pool, session, platforms, ahead=PLATFORMS[name][1])
                    still = await poll_account(pool, poller(pool, session, kept), connected[name]["id"])
                    assert still.error is None and await _has(pool, connected[name]["id"], f"Toujours là {name}") == 1, (name, still)
                # The owner learns it at once, in French: the live banner on the open page, and an e-mail.
                banner = page.locator("#alert-banners .alert-banner.kind-account_reauth")
                await expect(banner).to_be_visible(timeout=10_000)
                await expect(banner).to_contain_text("Google")
                def reconnect_mails() -> list:
                    return [m for m in smtp_server.messages if "Reconnexion" in m["Subject"]]
                for _ in range(100):
                    if reconnect_mails():
                        break
                    await asyncio.sleep(0.1)
                assert len(reconnect_mails()) == 1
                mail = reconnect_mails()[0]
                assert mail["To"] == "owner@a.test" and "Google" in mail["Subject"]
                assert f"/settings#account-{connected['google']['id']}" in mail.get_body(("plain",)).get_content()
                await page.goto(server.url + "/settings")
                row = page.locator(f"tr:has(#reconnect-{connected['google']['id']})")
                assert "Nouvelle autorisation nécessaire" in await row.inner_text()

                # "Reconnecter": the same account comes back, and the review posted meanwhile arrives once.
                async with pool.acquire() as conn:
                    before = await conn.fetchval("select count(*) from items where account_id = $1", connected["google"]["id"])
                await page.click(f"#reconnect-{connected['google']['id']}")
                await page.wait_for_selector("#allow")
                await page.click("#allow")
                await page.wait_for_selector("#settings-notice")
                back = (await _accounts(pool))["google"]
                assert back["id"] == connected["google"]["id"] and back["health"] == "ok"
                outcome = await poll_account(pool, poller(pool, session, keeper(pool, session, platforms, ahead=google_clock)), back["id"])
                assert outcome.error is None
                async with pool.acquire() as conn:
                    after = await conn.fetchval("select count(*) from items where account_id = $1", back["id"])
                    duplicated = await conn.fetchval(
                        "select count(*) from (select external_id from items group by platform, external_id having count(*) > 1) d")
                assert await _has(pool, back["id"], "Avis pendant la coupure") == 1
                assert after >= before + 1 and duplicated == 0  # (+ our reply to a review, read back as its thread)
            await context.close()
            stop.set()
            await alerts
