"""The inbox in Chromium against uvicorn + PostgreSQL + the WordPress emulator + the outbox worker:
log in, a comment arriving live, replying with a saved reply until "sent", a failure and its
retry, presence and collision refusal between two people, English, filters, search, shortcuts."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from browser_steps import Sender, comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, seed

from inbox import saved_replies
from inbox.credentials import Vault

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def _world(pool, site):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        ids["wp"] = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
        await saved_replies.create(conn, ids["brand_a"], "en", "Thanks", "Thanks {first_name}!")
        await saved_replies.create(conn, ids["brand_a"], "fr", "Désolé", "Bonjour {first_name}, désolés! L'équipe {business}")
    return ids


async def test_live_comment_reply_sent_failure_retry_and_english(pool, db_dsn, browser, tmp_path) -> None:
    async with running_site() as site, Sender(pool) as sender:
        ids = await _world(pool, site)
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, server.url, "agent@a.test")
            # A comment collected now appears without reload.
            started = time.monotonic()
            async with pool.acquire() as conn:
                item = await comment(conn, site, ids["brand_a"], ids["wp"], "Ma commande est arrivée froide", author="Julie Gagnon")
            row = page.locator(f'#stream li.item[data-id="{item}"]')
            await expect(row).to_be_visible(timeout=5000)
            print(f"live comment on screen after {time.monotonic() - started:.3f} s")
            await expect(row.locator(".reasons li")).to_have_count(1)
            # Open it: the French apology is suggested (not typed in), with the first name and business filled in.
            await row.click()
            reply_box = page.locator("#reply")
            await page.click("#suggestion")
            await expect(reply_box).to_have_value("Bonjour Julie, désolés! L'équipe Café A")
            await reply_box.press("Control+Enter")
            state = page.locator("#replies .reply-state").first
            await expect(state).to_have_text("en file d’attente")
            await sender.drain()
            await expect(state).to_have_text("envoyée")
            assert "Bonjour Julie, désolés!" in str(site.emulator.replies)  # it reached the platform
            # A failing platform: the reason shows; retry sends it.
            async with pool.acquire() as conn:
                second = await comment(conn, site, ids["brand_a"], ids["wp"], "Personne ne répond au téléphone", author="Paul Roy")
            # An item is open: the new one waits under the bar instead of moving the list.
            await page.click("#new-bar")
            await page.locator(f'#stream li.item[data-id="{second}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Personne ne répond au téléphone")
            await page.click("#suggestion")
            await expect(page.locator("#reply")).to_have_value("Bonjour Paul, désolés! L'équipe Café A")
            site.emulator.fault = __import__("emulators.base", fromlist=["Fault"]).Fault("expired_token", count=5)
            await page.click("#send")
            await sender.drain()
            failed = page.locator("#replies .reply-state").first
            await expect(failed).to_contain_text("échec — ")
            reason = await failed.text_content()
            assert len(reason) > len("échec — ") + 5, reason
            site.emulator.fault = None
            async with pool.acquire() as conn:  # the owner re-authorised the connection meanwhile
                await conn.execute("update accounts set health = 'ok', consecutive_failures = 0 where id = $1", ids["wp"])
            await page.click("#replies button.retry")
            # Queued again; until the new attempt ends it says why the last one did not go through.
            await expect(failed).to_contain_text("nouvel essai prévu — ")
            await sender.drain()
            await expect(page.locator("#replies .reply-state").first).to_have_text("envoyée")
            await page.screenshot(path=str(tmp_path / "inbox-fr.png"), full_page=True)
            # English, one click away, remembered for the user.
            await page.click("#lang-switch")
            await expect(page.locator("header nav a").first).to_have_text("Inbox")
            await page.wait_for_selector("#live-state[data-state=live]")
            await page.locator(f'#stream li.item[data-id="{item}"]').click()
            await expect(page.locator("#replies .reply-state").first).to_have_text("sent")
            await page.screenshot(path=str(tmp_path / "inbox-en.png"), full_page=True)
            assert not errors, errors
    if os.environ.get("JASETTE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for name in ("inbox-fr.png", "inbox-en.png"):
            shutil.copy(tmp_path / name, SCREENSHOTS / name)


async def test_presence_and_collision_refusal(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        ids = await _world(pool, site)
        async with pool.acquire() as conn:
            item = await comment(conn, site, ids["brand_a"], ids["wp"], "Avez-vous des options sans gluten?", author="Léa Côté", sentiment="neutral")
        with LiveServer(db_dsn) as server:
            agent = await (await browser.new_context()).new_page()
            owner = await (await browser.new_context()).new_page()
            await log_in(agent, server.url, "agent@a.test")
            await log_in(owner, server.url, "owner@a.test")
            await agent.locator(f'#stream li.item[data-id="{item}"]').click()
            await owner.locator(f'#stream li.item[data-id="{item}"]').click()
            await expect(owner.locator("#presence")).to_contain_text("Alain Agent consulte ce commentaire")
            await expect(agent.locator("#presence")).to_contain_text("Odile Owner consulte ce commentaire")
            await agent.locator("#reply").fill("")
            await agent.locator("#reply").type("Oui, ")
            await expect(owner.locator("#presence")).to_contain_text("Alain Agent écrit une réponse")
            await owner.locator("#reply").fill("Oui, plusieurs!")
            await owner.locator("#reply").press("Control+Enter")
            await expect(owner.locator("#replies .reply-state").first).to_have_text("en file d’attente")
            # The agent's pane may already know of Odile's reply and ask first; saying yes, the
            # server still refuses: Odile answered after the agent opened the comment.
            agent.on("dialog", lambda dialog: dialog.accept())
            await agent.locator("#reply").fill("Oui, deux options.")
            await agent.click("#send")
            await expect(agent.locator("#reply-error")).to_contain_text("Odile Owner a répondu à ce commentaire")


async def test_filters_search_and_keyboard_shortcuts(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        ids = await _world(pool, site)
        async with pool.acquire() as conn:
            refund = await comment(conn, site, ids["brand_a"], ids["wp"], "Je n'ai jamais été remboursé", priority=90)
            english = await comment(conn, site, ids["brand_a"], ids["wp"], "Loved the croissants", lang="en", priority=30, sentiment="positive")
            other = await comment(conn, site, ids["brand_a"], ids["wp"], "Bonne soupe aujourd'hui", priority=20, sentiment="positive")
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            await log_in(page, server.url, "agent@a.test")
            await page.fill("input[name=q]", "remboursement")
            await page.click("#filters button[type=submit]")
            await expect(page.locator("#stream li.item")).to_have_count(1)
            await expect(page.locator(f'#stream li.item[data-id="{refund}"]')).to_be_visible()
            await page.goto(server.url + "/?lang=en")
            await expect(page.locator("#stream li.item")).to_have_count(1)
            await expect(page.locator(f'#stream li.item[data-id="{english}"]')).to_be_visible()
            await page.goto(server.url + "/")
            await page.wait_for_selector("#live-state[data-state=live]")
            await page.keyboard.press("j")
            await expect(page.locator(f'#stream li.item.current[data-id="{refund}"]')).to_be_visible()
            await expect(page.locator("#item-body")).to_have_text("Je n'ai jamais été remboursé")
            await page.keyboard.press("j")
            await expect(page.locator(f'#stream li.item.current[data-id="{english}"]')).to_be_visible()
            await page.keyboard.press("k")
            await expect(page.locator(f'#stream li.item.current[data-id="{refund}"]')).to_be_visible()
            await page.keyboard.press("a")
            await expect(page.locator(f'#stream li.item[data-id="{refund}"] .assignee')).to_contain_text("Alain Agent")
            await page.keyboard.press("e")  # done: it leaves the to-do view, live
            await expect(page.locator(f'#stream li.item[data-id="{refund}"]')).to_have_count(0)
            await page.keyboard.press("j")
            await page.keyboard.press("r")
            await expect(page.locator("#reply")).to_be_focused()
            await page.locator("#reply").press("Escape")
            await page.locator("body").click(position={"x": 5, "y": 5})
            await page.keyboard.press("?")
            await expect(page.locator("#shortcuts")).to_be_visible()
            assert other


async def test_bulk_tags_and_notes(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        ids = await _world(pool, site)
        async with pool.acquire() as conn:
            first = await comment(conn, site, ids["brand_a"], ids["wp"], "Livraison en retard", priority=80)
            second = await comment(conn, site, ids["brand_a"], ids["wp"], "Livraison oubliée", priority=70)
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            await log_in(page, server.url, "agent@a.test")
            await page.locator(f'#stream li.item[data-id="{first}"] .pick').check()
            await page.locator(f'#stream li.item[data-id="{second}"] .pick').check()
            await page.fill("#bulk-tag", "livraison")
            await page.click("button[data-bulk=tag]")
            for item in (first, second):
                await expect(page.locator(f'#stream li.item[data-id="{item}"] .tag')).to_have_text("#livraison")
            page.on("dialog", lambda dialog: dialog.accept())  # « Marquer 2 commentaires comme traités? »
            await page.click("button[data-bulk=done]")
            await expect(page.locator("#stream li.item")).to_have_count(0)
            await page.goto(server.url + "/?status=done&tag=livraison")
            await expect(page.locator("#stream li.item")).to_have_count(2)
            await page.locator(f'#stream li.item[data-id="{first}"]').click()
            await page.fill("#new-note", "Rappeler demain")
            await page.click("#add-note")
            await expect(page.locator("#notes li")).to_contain_text("Rappeler demain")
            await page.click("#tags button[data-untag=livraison]")
            await expect(page.locator("#tags button")).to_have_count(0)
