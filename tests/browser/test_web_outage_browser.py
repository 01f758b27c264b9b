"""In Chromium: when PostgreSQL goes away, the inbox says 'Reconnexion…' and retries by itself;
when it is back, the action the person took completes and the notice goes."""

from __future__ import annotations

from browser_steps import log_in
from outage import ProxyThread
from playwright.async_api import expect
from web_app import LiveServer, ingest, seed


async def test_the_inbox_waits_out_a_database_restart_instead_of_failing(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await ingest(conn, ids["brand_a"], ids["account_a"], "Ma commande n'est jamais arrivée")
    with ProxyThread(db_dsn) as proxy, LiveServer(proxy.proxy.dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "agent@a.test")
        proxy.cut()
        await page.locator("#stream li.item").first.click()  # opening an item asks the API
        notice = page.locator("#outage")
        await expect(notice).to_have_text("Reconnexion…", timeout=10000)
        proxy.restore()
        await expect(page.locator("#pane")).to_contain_text("Ma commande n'est jamais arrivée", timeout=20000)
        await expect(notice).to_have_count(0)
        assert errors == []
