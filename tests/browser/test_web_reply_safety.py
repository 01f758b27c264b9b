"""No wrong reply one keystroke away (issue 15, item 1): the reply box starts empty, suggestions
fit the item's intent and language and are inserted only on a click, none on an answered item,
and Ctrl+Enter on an item that already has a reply asks first."""

from __future__ import annotations

import asyncio

from browser_steps import Sender, comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, ingest, seed

from inbox import saved_replies
from inbox.credentials import Vault


async def _world(pool, site):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        ids["wp"] = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
        await saved_replies.create(conn, ids["brand_a"], "fr", "Désolé", "Bonjour {first_name}, nous sommes vraiment désolés.")
        await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci {first_name}, au plaisir!")
        await saved_replies.create(conn, ids["brand_a"], "fr", "Heures", "Nous sommes ouverts de 7 h à 18 h.")
        await saved_replies.create(conn, ids["brand_a"], "en", "Thanks", "Thanks {first_name}!")
    return ids


async def test_reply_box_empty_suggestion_by_tone_and_confirm_second_reply(pool, db_dsn, browser) -> None:
    async with running_site() as site, Sender(pool) as sender:
        ids = await _world(pool, site)
        async with pool.acquire() as conn:
            praise = await comment(conn, site, ids["brand_a"], ids["wp"], "Meilleur café à Montréal, merci!",
                                   author="Léa Côté", sentiment="positive", priority=20)
            complaint = await comment(conn, site, ids["brand_a"], ids["wp"], "Ma commande est arrivée froide",
                                      author="Julie Gagnon", priority=80)
            question = await comment(conn, site, ids["brand_a"], ids["wp"], "Êtes-vous ouverts lundi?",
                                     author="Paul Roy", sentiment="neutral", priority=50, reasons=("question",))
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            dialogs: list[str] = []

            async def on_dialog(dialog) -> None:
                dialogs.append(dialog.message)
                await dialog.dismiss()

            page.on("dialog", on_dialog)
            await log_in(page, server.url, "agent@a.test")
            reply_box = page.locator("#reply")
            # Praise: nothing typed in for the agent, and what is offered is thanks, never an apology.
            await page.locator(f'#stream li.item[data-id="{praise}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Meilleur café à Montréal, merci!")
            await expect(reply_box).to_have_value("")
            await expect(page.locator(".suggestion span")).to_have_text(["Suggestion : Merci"])
            # A neutral question: no apology, no thanks pushed forward; the answer that matches it.
            await page.locator(f'#stream li.item[data-id="{question}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Êtes-vous ouverts lundi?")
            await expect(reply_box).to_have_value("")
            await expect(page.locator(".suggestion span")).to_have_text(["Suggestion : Heures"])
            # A complaint: the apology is offered, and inserted on one click, to edit before sending.
            await page.locator(f'#stream li.item[data-id="{complaint}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Ma commande est arrivée froide")
            await expect(reply_box).to_have_value("")
            await page.locator(".suggestion").first.click()
            await expect(reply_box).to_have_value("Bonjour Julie, nous sommes vraiment désolés.")
            await reply_box.press("Control+Enter")
            await expect(page.locator("#replies .reply-state").first).to_have_text("en file d’attente")
            await sender.drain()
            await expect(page.locator("#replies .reply-state").first).to_have_text("envoyée")
            assert not dialogs, dialogs
            # Answered: reopened, it offers nothing, and Ctrl+Enter asks before a second reply.
            await page.locator(f'#stream li.item[data-id="{praise}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Meilleur café à Montréal, merci!")
            await page.locator(f'#stream li.item[data-id="{complaint}"]').click()
            await expect(page.locator("#replies .reply-state").first).to_have_text("envoyée")
            await expect(reply_box).to_have_value("")
            await expect(page.locator(".suggestion")).to_have_count(0)
            await reply_box.fill("Encore désolés!")
            await reply_box.press("Control+Enter")
            for _ in range(100):  # the dialog event reaches Python a moment after the key
                if dialogs:
                    break
                await asyncio.sleep(0.05)
            await page.wait_for_function("document.querySelectorAll('#replies li').length === 1")
            await expect(reply_box).to_have_value("Encore désolés!")  # refused: kept, not sent
            assert dialogs == ["Ce commentaire a déjà une réponse. En envoyer une autre?"], dialogs
            async with pool.acquire() as conn:
                assert await conn.fetchval("select count(*) from replies where item_id = $1", complaint) == 1


async def test_rss_mention_shows_no_reply_box_and_no_retry(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        mention = await ingest(conn, ids["brand_a"], ids["account_a"], "Le café du coin cité dans La Presse",
                               platform="rss", url="https://example.test/article")
        await conn.execute(
            """insert into replies (brand_id, item_id, action, body, state, error, idempotency_key)
               values ($1, $2, 'reply', 'Merci!', 'failed', 'no replies', 'k-rss-browser')""", ids["brand_a"], mention)
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        await log_in(page, server.url, "agent@a.test")
        await page.locator(f'#stream li.item[data-id="{mention}"]').click()
        await expect(page.locator("#item-body")).to_have_text("Le café du coin cité dans La Presse")
        await expect(page.locator("#read-only")).to_have_text("On ne peut pas répondre à ce commentaire depuis Jasette.")
        await expect(page.locator(".reply-box a", has_text="Répondre sur le site")).to_have_attribute("href", "https://example.test/article")
        await expect(page.locator("#reply")).to_have_count(0)
        await expect(page.locator("#send")).to_have_count(0)
        await expect(page.locator("#replies li")).to_have_count(1)
        await expect(page.locator("#replies button.retry")).to_have_count(0)
        await page.keyboard.press("r")  # the reply shortcut has nowhere to go, and breaks nothing
        await expect(page.locator("#item-body")).to_be_visible()
