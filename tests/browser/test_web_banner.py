"""The alert banner in Chromium: an alert raised in the store appears at the top of the page
without reload (on the inbox and on another page), escaped, linked to /alerts, dismissable;
another brand's alert never shows."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, seed

from inbox.alerts.store import load_brand, raise_alert


async def _raise(pool, brand_id: int, key: str) -> int:
    async with pool.acquire() as conn, conn.transaction():
        alert_id = await raise_alert(conn, brand=await load_brand(conn, brand_id), rule_id=None, kind="test",
                                     dedupe_key=key, details={}, item_ids=[], channels=["inapp"],
                                     now=datetime.now(UTC))
    assert alert_id is not None
    return alert_id


async def test_alert_banner_appears_live_on_every_page(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update brands set name = $2 where id = $1", ids["brand_a"], 'Café <img src=x onerror="window.pwned=1">')
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "agent@a.test")
        banners = page.locator("#alert-banners .alert-banner")
        # On the inbox page, through the inbox's own websocket.
        await _raise(pool, ids["brand_b"], "b-1")  # another brand's: never shown
        started = time.monotonic()
        first = await _raise(pool, ids["brand_a"], "a-1")
        banner = page.locator(f'#alert-banners .alert-banner[data-alert="{first}"]')
        await expect(banner).to_be_visible(timeout=10000)
        print(f"alert banner on screen after {time.monotonic() - started:.3f} s")
        await expect(banners).to_have_count(1)
        await expect(banner.locator(".alert-banner-title")).to_have_text(
            '[Café <img src=x onerror="window.pwned=1">] Alerte de test — Ceci est un test : Jasette peut vous joindre par ce canal.')
        assert await page.locator("#alert-banners img").count() == 0
        assert await page.evaluate("window.pwned === undefined")
        await expect(banner.locator("a")).to_have_attribute("href", "/alerts")
        await banner.locator("button.alert-banner-dismiss").click()
        await expect(banners).to_have_count(0)
        # On the settings page, through an alerts-only websocket.
        await page.goto(server.url + "/settings")
        await page.wait_for_selector("#alert-banners[data-live]", state="attached")
        await _raise(pool, ids["brand_b"], "b-2")
        started = time.monotonic()
        second = await _raise(pool, ids["brand_a"], "a-2")
        await expect(page.locator(f'#alert-banners .alert-banner[data-alert="{second}"]')).to_be_visible(timeout=10000)
        print(f"alert banner (settings page) on screen after {time.monotonic() - started:.3f} s")
        await expect(banners).to_have_count(1)
        await page.click("#alert-banners a")
        await page.wait_for_url(server.url + "/alerts")
        assert errors == []


async def test_a_connection_needing_reauthorisation_shows_a_banner_leading_to_reconnect(pool, db_dsn, browser) -> None:
    from inbox.alerts.connections import raise_connection_alerts
    from web.i18n import platform_name

    async with pool.acquire() as conn:
        ids = await seed(conn)
        page_id = await conn.fetchval(
            "insert into accounts (brand_id, platform, name, external_id, base_url) values ($1, 'facebook', 'Page <i>du café</i>', 'p-1', '')"
            " returning id", ids["brand_a"])
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await page.wait_for_selector("#alert-banners", state="attached")
        await page.wait_for_function("document.querySelector('.live-state')?.dataset.state === 'live'")
        await pool.execute("update accounts set health = 'reauth' where id = $1", page_id)
        [alert_id] = await raise_connection_alerts(pool, datetime.now(UTC), platform_name=platform_name)
        banner = page.locator(f'#alert-banners .alert-banner[data-alert="{alert_id}"]')
        await expect(banner).to_be_visible(timeout=10000)
        await expect(banner.locator(".alert-banner-title")).to_contain_text(
            "Reconnexion nécessaire — La connexion Facebook « Page <i>du café</i> » n'est plus autorisée")
        assert await page.locator("#alert-banners i").count() == 0
        link = banner.locator("a.alert-banner-link")
        await expect(link).to_have_text("Reconnecter dans les réglages")
        await expect(link).to_have_attribute("href", f"/settings#account-{page_id}")
        await link.click()
        await page.wait_for_url(f"{server.url}/settings#account-{page_id}")
        reconnect = page.locator(f"#account-{page_id} a.reconnect")
        await expect(reconnect).to_have_text("Reconnecter")
        await expect(reconnect).to_have_attribute("href", f"/settings/connect/facebook?account={page_id}")
        assert errors == []
