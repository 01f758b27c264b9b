"""A fresh install in Chromium: the log-in page leads to the setup page (French, English one
click away), which creates the first owner and brand and opens the live inbox."""

from __future__ import annotations

from playwright.async_api import expect
from web_app import LiveServer


async def test_fresh_install_setup_page_to_logged_in_inbox(pool, db_dsn, browser) -> None:
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(server.url + "/")
        await page.wait_for_url(server.url + "/setup")
        await expect(page.locator("h1")).to_have_text("Configurer Jasette")
        await page.click("#lang-switch")
        await expect(page.locator("h1")).to_have_text("Set up Jasette")
        await page.fill("input[name=name]", "Marie Tremblay")
        await page.fill("input[name=email]", "marie@cafe.test")
        await page.fill("input[name=password]", "1234567890")
        await page.fill("input[name=brand_name]", "Café du Plateau")
        await page.select_option("select[name=brand_lang]", "fr")
        await page.click("button[type=submit]")
        await expect(page.locator("p.error")).to_contain_text("most common")
        await page.fill("input[name=password]", "les bagels de la rue Fairmount")
        await page.click("button[type=submit]")
        await page.wait_for_url(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        await expect(page.locator(".brand-name")).to_have_text("Café du Plateau")
        await expect(page.locator(".who")).to_have_text("Marie Tremblay")
        # The setup page is gone for good.
        response = await page.goto(server.url + "/setup")
        assert response is not None and response.status == 404
        assert errors == []
