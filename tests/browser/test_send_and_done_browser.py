"""« Envoyer et terminer » and « e »: a finished item leaves the screen and the next one opens
(issue 15); on a phone the list comes back."""

from __future__ import annotations

from browser_steps import Sender, comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, seed

from inbox.credentials import Vault


async def _three(pool, site):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        ids["wp"] = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
        first = await comment(conn, site, ids["brand_a"], ids["wp"], "Ma commande est arrivée froide", priority=90)
        second = await comment(conn, site, ids["brand_a"], ids["wp"], "Êtes-vous ouverts lundi?", priority=60,
                               sentiment="neutral")
        third = await comment(conn, site, ids["brand_a"], ids["wp"], "Super accueil samedi", priority=20,
                              sentiment="positive")
    return ids, first, second, third


async def test_send_and_done_opens_the_next_item_and_e_does_too(pool, db_dsn, browser) -> None:
    async with running_site() as site, Sender(pool) as sender:
        _, first, second, third = await _three(pool, site)
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context(viewport={"width": 1366, "height": 768})).new_page()
            await log_in(page, server.url, "agent@a.test")
            await page.locator(f'#stream li.item[data-id="{first}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Ma commande est arrivée froide")
            await page.fill("#reply", "Désolés! On vous écrit en privé.")
            await expect(page.locator("#send-done")).to_have_text("Envoyer et terminer")
            await page.click("#send-done")
            # The next comment opens by itself; the finished one leaves the list.
            await expect(page.locator("#item-body")).to_have_text("Êtes-vous ouverts lundi?")
            await expect(page.locator(f'#stream li.item[data-id="{first}"]')).to_have_count(0)
            await sender.drain()
            # « e » on the last but one: the last opens; on the last, the pane says to choose.
            await page.keyboard.press("e")
            await expect(page.locator("#item-body")).to_have_text("Super accueil samedi")
            await page.keyboard.press("e")
            await expect(page.locator("#pane .pane-hint")).to_be_visible()
            await expect(page.locator("#item-body")).to_have_count(0)
            async with pool.acquire() as conn:
                statuses = dict(await conn.fetch("select id, status from items where id = any($1::bigint[])",
                                                 [first, second, third]))
                sent = await conn.fetchval("select state from replies where item_id = $1", first)
            assert statuses == {first: "done", second: "done", third: "done"} and sent == "sent"


async def test_on_a_phone_ctrl_shift_enter_sends_marks_done_and_returns_to_the_list(pool, db_dsn, browser) -> None:
    async with running_site() as site, Sender(pool):
        _, first, second, _ = await _three(pool, site)
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)).new_page()
            await log_in(page, server.url, "agent@a.test")
            await page.locator(f'#stream li.item[data-id="{first}"]').click()
            await expect(page.locator("body")).to_have_attribute("data-view", "item")
            await page.fill("#reply", "Désolés!")
            await page.locator("#reply").press("Control+Shift+Enter")
            await expect(page.locator("body")).not_to_have_attribute("data-view", "item")
            await expect(page.locator(f'#stream li.item[data-id="{second}"]')).to_be_visible()
            async with pool.acquire() as conn:
                assert await conn.fetchval("select status from items where id = $1", first) == "done"
