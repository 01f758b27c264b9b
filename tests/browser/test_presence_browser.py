"""Presence and the urgent-item sound in Chromium (issue 15, item 7).

Two members of one brand in two browser contexts: each sees the other on an item within two
seconds whichever opened it first (also in the list), typing shows, and leaving (another item,
a closed tab) clears it. The sound: saved in My account, played for an urgent comment only once
the page had a click, never for spam, never when turned off."""

from __future__ import annotations

import time

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, ingest, seed

SOON = 2000  # ms: the behaviour asked for (issue 15, item 7), not a speed measurement
HOSTILE = "Alain <b>Agent</b>"


async def test_presence_both_ways_typing_and_leaving(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Avez-vous des options sans gluten?", author="Léa Côté")
        other = await ingest(conn, ids["brand_a"], ids["account_a"], "Ouvert le dimanche?", author="Paul Roy")
        await conn.execute("update users set name = $2 where id = $1", ids["agent_a"], HOSTILE)  # shown as text
    with LiveServer(db_dsn) as server:
        owner = await (await browser.new_context()).new_page()
        errors: list[str] = []
        owner.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(owner, server.url, "owner@a.test")
        await owner.locator(f'#stream li.item[data-id="{item}"]').click()
        await expect(owner.locator("#item-body")).to_have_text("Avez-vous des options sans gluten?")
        # The agent comes in afterwards (the case that used to wait for a re-announcement):
        # the list already says Odile is on it, and so does the pane once opened.
        agent_context = await browser.new_context()
        agent = await agent_context.new_page()
        agent.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(agent, server.url, "agent@a.test")
        row = agent.locator(f'#stream li.item[data-id="{item}"]')
        await expect(row.locator(".row-presence")).to_have_text("Odile Owner consulte ce commentaire", timeout=SOON)
        started = time.monotonic()
        await row.click()
        await expect(agent.locator("#presence")).to_have_text("Odile Owner consulte ce commentaire", timeout=SOON)
        await expect(owner.locator("#presence")).to_have_text(f"{HOSTILE} consulte ce commentaire", timeout=SOON)
        print(f"presence shown to the other member {time.monotonic() - started:.3f} s after the click")
        assert await owner.locator("#presence b").count() == 0  # the name is text, never markup
        # Typing.
        await agent.locator("#reply").press_sequentially("Oui, ")
        await expect(owner.locator("#presence")).to_have_text(f"{HOSTILE} écrit une réponse…", timeout=SOON)
        # Odile's list shows it too, on the row.
        await expect(owner.locator(f'#stream li.item[data-id="{item}"] .row-presence')).to_contain_text(HOSTILE, timeout=SOON)
        # The agent opens another item: gone from this one, shown on the other row.
        await agent.locator(f'#stream li.item[data-id="{other}"]').click()
        await expect(owner.locator("#presence")).to_be_empty(timeout=SOON)
        await expect(owner.locator(f'#stream li.item[data-id="{other}"] .row-presence')).to_have_text(
            f"{HOSTILE} consulte ce commentaire", timeout=SOON)
        await expect(owner.locator(f'#stream li.item[data-id="{item}"] .row-presence')).to_have_count(0)
        # Back on the first one, then the tab closes: gone within seconds.
        await agent.locator(f'#stream li.item[data-id="{item}"]').click()
        await expect(owner.locator("#presence")).to_have_text(f"{HOSTILE} consulte ce commentaire", timeout=SOON)
        await agent_context.close()
        await expect(owner.locator("#presence")).to_be_empty(timeout=SOON)
        await expect(owner.locator(".row-presence")).to_have_count(0)
        assert not errors, errors


async def _urgent(pool, ids, body: str, *, spam: bool = False) -> int:
    async with pool.acquire() as conn, conn.transaction():
        made = await ingest(conn, ids["brand_a"], ids["account_a"], body, sentiment="negative", priority=95,
                            reasons=["very_negative"])
        if spam:  # spam from its first sight: the NOTIFY goes out at commit
            await conn.execute("update items set spam_override = true where id = $1", made)
    return made


async def _chimes(page) -> int:
    return int(await page.evaluate("Number(document.body.dataset.chimes || 0)"))


async def _set_sound(page, base: str, on: bool) -> None:
    await page.goto(base + "/settings/account")
    box = page.locator("#sound-form input[name=urgent_sound]")
    await box.set_checked(on)
    await page.click("#sound-form button")
    await expect(page.locator("p.done")).to_have_text(
        "Un son jouera quand un commentaire urgent arrivera." if on else "Aucun son pour les commentaires urgents.")
    await page.reload()
    if on:
        await expect(page.locator("#sound-form input[name=urgent_sound]")).to_be_checked()
    else:
        await expect(page.locator("#sound-form input[name=urgent_sound]")).not_to_be_checked()


async def test_urgent_sound_is_a_saved_choice_after_a_click_never_for_spam(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await _set_sound(page, server.url, True)
        await page.goto(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        # No click on this page yet: the browser would refuse sound, so none is tried.
        first = await _urgent(pool, ids, "Remboursez-moi immédiatement, c'est inacceptable")
        await expect(page.locator(f'#stream li.item[data-id="{first}"]')).to_be_visible()
        assert await _chimes(page) == 0
        await page.click("#live-state")  # the person's first click on the page
        # Spam, however urgent, is silent (it arrives before the next comment, on the same socket).
        await _urgent(pool, ids, "GAGNEZ UN IPHONE cliquez ici urgent", spam=True)
        async with pool.acquire() as conn:
            after = await ingest(conn, ids["brand_a"], ids["account_a"], "Merci pour le café", priority=20)
        await expect(page.locator(f'#stream li.item[data-id="{after}"]')).to_be_visible()
        assert await _chimes(page) == 0
        second = await _urgent(pool, ids, "Votre muffin m'a rendu malade, je veux parler au gérant")
        await expect(page.locator("body")).to_have_attribute("data-chimes", "1")
        assert second
        # Turned off: an urgent comment after a click plays nothing.
        await _set_sound(page, server.url, False)
        await page.goto(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        await page.click("#live-state")
        third = await _urgent(pool, ids, "Personne ne répond, c'est inacceptable, je vais porter plainte")
        await expect(page.locator(f'#stream li.item[data-id="{third}"]')).to_be_visible()
        assert await _chimes(page) == 0
        assert not errors, errors
