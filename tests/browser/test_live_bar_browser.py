"""The live stream in Chromium: a new comment arriving while the reader is scrolled down waits
under the "1 nouveau message — afficher" bar (the list does not move), and a click shows it;
then marking it as spam moves it to the Spam view, and "Pas indésirable" brings it back."""

from __future__ import annotations

from browser_steps import comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, seed

from inbox.credentials import Vault


async def test_new_item_waits_under_the_bar_then_spam_and_back(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        async with pool.acquire() as conn:
            ids = await seed(conn)
            wp = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
            for n in range(30):  # enough rows for the list to scroll
                await comment(conn, site, ids["brand_a"], wp, f"Commentaire ordinaire numéro {n}",
                              author=f"Client {n}", priority=10 + n, sentiment="neutral")
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context(viewport={"width": 1280, "height": 720})).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, server.url, "agent@a.test")
            await expect(page.locator("#stream li.item")).to_have_count(30)
            # The reader scrolls down the list and reads a row.
            await page.eval_on_selector("#stream", "s => { s.scrollTop = 900; }")
            read = page.locator("#stream li.item").nth(12)
            before = await read.bounding_box()
            scrolled = await page.eval_on_selector("#stream", "s => s.scrollTop")
            assert scrolled > 0

            async with pool.acquire() as conn:  # an urgent-ish comment: it would sort first
                new = await comment(conn, site, ids["brand_a"], wp, "Remboursez-moi, la commande n'est jamais arrivée",
                                    author="Julie Gagnon", priority=95)
            bar = page.locator("#new-bar")
            await expect(bar).to_have_text("1 nouveau message — afficher", timeout=5000)
            await expect(bar).to_be_in_viewport()
            # Nothing moved under the reader: the new row is held, the row being read is where it was.
            new_row = page.locator(f'#stream li.item[data-id="{new}"]')
            await expect(new_row).to_have_count(0)
            assert await read.bounding_box() == before
            assert await page.eval_on_selector("#stream", "s => s.scrollTop") >= scrolled
            # Screen readers heard of it.
            await expect(page.locator("#announce")).to_have_text("Commentaire urgent de Julie Gagnon")

            await bar.click()
            await expect(new_row).to_be_in_viewport()
            await expect(page.locator("#stream li.item").first).to_have_attribute("data-id", str(new))
            await expect(page.locator("#new-bar-row")).to_be_hidden()

            # Marked as spam from the pane: it leaves the list, the Spam view shows it with who marked it.
            await new_row.click()
            await expect(page.locator("#item-body")).to_have_text("Remboursez-moi, la commande n'est jamais arrivée")
            await page.click("#spam")
            await expect(new_row).to_have_count(0)
            await page.click("#view-spam")
            await expect(page.locator("#view-spam")).to_have_attribute("aria-current", "page")
            spam_row = page.locator(f'#stream li.item[data-id="{new}"]')
            await expect(spam_row).to_be_visible()
            await expect(page.locator("#stream li.item")).to_have_count(1)
            await spam_row.click()
            await expect(page.locator("#spam-mark")).to_contain_text("Marqué comme indésirable par Alain Agent")
            await expect(page.locator("#spam")).to_have_text("Pas indésirable")
            await page.click("#spam")
            await expect(spam_row).to_have_count(0)
            await page.click("#view-inbox")
            await expect(page.locator(f'#stream li.item[data-id="{new}"]')).to_be_visible()
            assert errors == []

            # On a phone the page itself scrolls: the bar stays on screen, the list does not move.
            phone = await (await browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)).new_page()
            await log_in(phone, server.url, "owner@a.test")
            await phone.evaluate("window.scrollTo(0, 1500)")
            read = phone.locator("#stream li.item").nth(10)
            before = await read.bounding_box()
            async with pool.acquire() as conn:
                late = await comment(conn, site, ids["brand_a"], wp, "Le four est brisé? Pas de croissants ce matin",
                                     author="Paul Roy", priority=90)
            await expect(phone.locator("#new-bar")).to_have_text("1 nouveau message — afficher", timeout=5000)
            await expect(phone.locator("#new-bar")).to_be_in_viewport()
            assert await read.bounding_box() == before
            await phone.locator("#new-bar").tap()
            await expect(phone.locator(f'#stream li.item[data-id="{late}"]')).to_be_in_viewport()
