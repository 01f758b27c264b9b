"""Snooze and bulk actions in Chromium: a snoozed comment says until when (list and pane) and
« Annuler le report » brings it back at once; ticking comments shows how many, « Marquer comme
traité » asks first with the count, and « Annuler » in the toast puts them back as they were."""

from __future__ import annotations

import asyncio
from typing import Any

from browser_steps import comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, seed

from inbox.credentials import Vault


async def _until(check: Any) -> None:
    """Wait (at most 5 s) for something the browser does on its own, like answering a dialog."""
    for _ in range(100):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the browser never did it")


WHEN = "mardi 8 décembre 2099, 9 h 00"


async def _world(pool: Any, site: Any, *texts: str) -> tuple[dict[str, Any], list[int]]:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        wp = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
        items = [await comment(conn, site, ids["brand_a"], wp, text, author=f"Client {n}", priority=50 - n)
                 for n, text in enumerate(texts)]
    return ids, items


async def test_snoozed_comment_says_until_when_and_cancel_brings_it_back(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        _, (item,) = await _world(pool, site, "Rappelez-moi mardi pour le traiteur")
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, server.url, "agent@a.test")
            row = page.locator(f'#stream li.item[data-id="{item}"]')
            await row.click()
            await page.fill("#snooze", "2099-12-08T09:00")
            # Snoozed: out of the list to answer, and the pane says until when, in French words.
            await expect(row).to_have_count(0)
            await expect(page.locator("#snoozed")).to_contain_text(f"Reporté jusqu’au {WHEN}")

            await page.goto(server.url + "/?status=snoozed")
            await expect(row.locator(".badge.snoozed")).to_have_text(f"Reporté jusqu’au {WHEN}")
            await row.click()
            await expect(page.locator("#unsnooze")).to_have_text("Annuler le report")
            await page.click("#unsnooze")
            # Back at once: the note goes, the status is open, it leaves the snoozed view, and the
            # history says who cancelled it.
            await expect(page.locator("#snoozed")).to_have_count(0)
            await expect(page.locator("#status")).to_have_text("ouvert")
            await expect(row).to_have_count(0)
            await expect(page.locator('#activity li[data-action="unsnooze"]')).to_contain_text("Alain Agent report annulé")
            await page.goto(server.url + "/")
            await expect(row.locator(".badge.status")).to_have_text("ouvert")
            await expect(row.locator(".badge.snoozed")).to_have_count(0)
            assert errors == []


async def test_bulk_count_confirmation_and_undo(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        ids, items = await _world(pool, site, "Le latté était froid", "Service lent ce matin", "Toilettes sales", "Belle terrasse")
        ticked = items[:3]
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, server.url, "agent@a.test")
            count = page.locator("#bulk-count")
            await expect(count).to_have_text("")
            await page.check(f'#stream li.item[data-id="{ticked[0]}"] .pick')
            await expect(count).to_have_text("1 sélectionné")
            for item in ticked[1:]:
                await page.check(f'#stream li.item[data-id="{item}"] .pick')
            await expect(count).to_have_text("3 sélectionnés")

            # A destructive action asks first, with the count; saying no changes nothing.
            asked: list[str] = []
            answer = {"accept": False}

            async def on_dialog(dialog: Any) -> None:
                asked.append(dialog.message)
                await (dialog.accept() if answer["accept"] else dialog.dismiss())

            page.on("dialog", on_dialog)
            await page.click('#bulk button[data-bulk="done"]')
            await _until(lambda: bool(asked))
            assert asked == ["Marquer 3 commentaires comme traités?"]
            await expect(count).to_have_text("3 sélectionnés")
            assert await pool.fetchval("select count(*) from items where status = 'done'") == 0

            answer["accept"] = True
            await page.click('#bulk button[data-bulk="done"]')
            rows = page.locator("#stream li.item")
            await expect(rows).to_have_count(1)  # the three done ones left the list to answer
            await expect(count).to_have_text("")
            toast = page.locator("#undo-toast")
            await expect(toast).to_be_visible()
            await expect(page.locator("#undo-text")).to_have_text("3 commentaires modifiés.")
            await expect(page.locator("#undo")).to_have_text("Annuler")

            await page.click("#undo")
            await expect(page.locator("#undo-text")).to_have_text("Annulé.")
            await expect(rows).to_have_count(4)  # back in the list, as new as they were
            for item in ticked:
                await expect(page.locator(f'#stream li.item[data-id="{item}"] .badge.status')).to_have_text("nouveau")
            statuses = await pool.fetch("select status from items where brand_id = $1", ids["brand_a"])
            assert {r["status"] for r in statuses} == {"new"}
            # The offer goes away by itself.
            await expect(toast).to_be_hidden(timeout=10000)
            assert errors == []
