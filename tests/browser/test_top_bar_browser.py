"""The top bar: one row from 1024 px in French with « Se déconnecter » in an account menu that
works with a keyboard; on a phone the five sections are a tab bar at the bottom of the screen,
each label whole and each tab big enough for a thumb."""

from __future__ import annotations

from itertools import pairwise

from browser_steps import log_in
from look_steps import NARROWEST, VIEWPORTS, shop, top_bar_rows
from playwright.async_api import expect
from web_app import LiveServer

PAGES = ["/", "/alerts", "/summaries", "/reports", "/settings", "/settings/account"]


async def test_one_row_from_1024_px_and_the_account_menu_opens_and_closes_by_keyboard(pool, db_dsn, browser) -> None:
    await shop(pool)
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context(viewport={"width": 1024, "height": 768})).new_page()
        await log_in(page, server.url, "owner@a.test")
        for width in (1024, 1366):
            await page.set_viewport_size({"width": width, "height": 768})
            for path in PAGES:
                await page.goto(server.url + path)
                assert await top_bar_rows(page) == [], (width, path)
        # An agency's person, with the brand switch in the bar: one row too.
        agency = await (await browser.new_context(viewport={"width": 1024, "height": 768})).new_page()
        await log_in(agency, server.url, "agency@x.test")
        await expect(agency.locator("header .brand-switch select")).to_be_visible()
        for width in (1024, 1366):
            await agency.set_viewport_size({"width": width, "height": 768})
            await agency.goto(server.url + "/reports")
            assert await top_bar_rows(agency) == [], ("agency", width)
        # The account menu: named for screen readers, opened with Enter, closed with Escape.
        await page.goto(server.url + "/reports")
        summary = page.locator("header .account-menu > summary")
        await expect(summary).to_contain_text("Menu du compte")
        logout = page.get_by_role("button", name="Se déconnecter")
        await expect(logout).to_be_hidden()
        await summary.focus()
        await page.keyboard.press("Enter")
        await expect(logout).to_be_visible()
        await expect(page.get_by_role("link", name="Mon compte")).to_be_visible()
        box = await logout.bounding_box()
        assert box is not None and box["height"] >= 44, box
        await page.keyboard.press("Escape")
        await expect(logout).to_be_hidden()
        await expect(summary).to_be_focused()
        # A click elsewhere closes it too; opened again, « Se déconnecter » ends the session.
        await summary.click()
        await expect(logout).to_be_visible()
        await page.locator("h1").click()
        await expect(logout).to_be_hidden()
        await summary.click()
        await logout.click()
        await page.wait_for_url(server.url + "/login")
        await page.goto(server.url + "/reports")
        await page.wait_for_url(server.url + "/login*")


async def test_on_a_phone_the_sections_are_a_tab_bar_at_the_bottom(pool, db_dsn, browser) -> None:
    await shop(pool)
    with LiveServer(db_dsn) as server:
        for width, height in (VIEWPORTS["phone"], NARROWEST):
            page = await (await browser.new_context(viewport={"width": width, "height": height}, has_touch=True)).new_page()
            await log_in(page, server.url, "owner@a.test")
            await page.goto(server.url + "/reports")
            tabs = page.locator("nav.main-nav a")
            await expect(tabs).to_have_count(5)
            names = [n.strip() for n in await tabs.all_inner_texts()]
            assert names == ["Réception", "Alertes", "Bilans", "Rapports", "Paramètres"], names
            await expect(page.get_by_role("link", name="Rapports", exact=True)).to_have_attribute("aria-current", "page")
            boxes = [await tabs.nth(i).bounding_box() for i in range(5)]
            for box in boxes:  # on one row at the bottom edge, side by side, big enough for a thumb
                assert box is not None and box["height"] >= 44 and box["width"] >= 44, box
                assert abs(box["y"] + box["height"] - height) <= 1, (box, height)
            assert all(a["x"] + a["width"] <= b["x"] + 0.5 for a, b in pairwise(boxes)), boxes
            cut = await page.evaluate("""() => [...document.querySelectorAll('nav.main-nav a span')]
                .filter(s => s.getClientRects().length && s.scrollWidth > s.clientWidth + 1).map(s => s.textContent)""")
            assert cut == [], f"labels cut at {width} px: {cut}"
            # The page's last words are not hidden under the bar.
            await page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
            last = await page.locator("#report-csv").bounding_box()
            assert last is not None and last["y"] + last["height"] <= height - boxes[0]["height"], last
            assert await page.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 0
            # A comment's own screen hides the bar: the reply box has the bottom of the screen.
            await page.goto(server.url + "/")
            await page.wait_for_selector("#live-state[data-state=live]")
            await page.locator("#stream li.item").first.tap()
            await expect(page.locator("#reply")).to_be_visible()
            await expect(tabs.first).to_be_hidden()
            await page.context.close()
        # An agency's person has the brand switch up there too: still nothing wider than the screen.
        page = await (await browser.new_context(viewport={"width": NARROWEST[0], "height": NARROWEST[1]}, has_touch=True)).new_page()
        await log_in(page, server.url, "agency@x.test")
        await expect(page.locator("header .brand-switch select")).to_be_visible()
        assert await page.evaluate("() => document.documentElement.scrollWidth - innerWidth") <= 0
        assert await page.evaluate("() => document.querySelector('header.top').scrollWidth - document.querySelector('header.top').clientWidth") <= 0
