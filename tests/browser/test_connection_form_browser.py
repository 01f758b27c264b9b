"""The connection form in Chromium: only the chosen platform's settings show (and are sent), a
mistake comes back in the form with what was typed, the corrected form adds the connection."""

from __future__ import annotations

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, seed


async def test_add_a_youtube_channel_through_the_form(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await page.goto(server.url + "/settings")
        await page.click("#add-connection summary")
        youtube = page.locator('fieldset.platform-settings[data-platform="youtube"]')
        x = page.locator('fieldset.platform-settings[data-platform="x"]')
        await expect(youtube).to_be_hidden()
        await page.select_option("#connection-platform", "youtube")
        await expect(youtube).to_be_visible()
        await expect(x).to_be_hidden()
        await expect(youtube.locator("legend")).to_have_text("Réglages pour YouTube")
        await page.fill('#add-connection-form input[name="name"]', "Chaîne du café")
        await page.fill('#add-connection-form input[name="external_id"]', "UC-cafe")
        await youtube.locator("details.advanced summary").click()
        await page.fill('input[name="youtube.quota_limit"]', "beaucoup")
        await page.fill('#add-connection-form input[name="token"]', "yt-token")
        await page.click("#add-connection-form button")
        await expect(page.locator("#settings-error")).to_contain_text("doit être un nombre entier de 100 à")
        await expect(page.locator("#connection-platform")).to_have_value("youtube")
        await expect(page.locator('input[name="youtube.quota_limit"]')).to_have_value("beaucoup")
        await expect(page.locator('input[name="youtube.quota_limit"]')).to_be_visible()  # its "Avancé" opened
        await expect(page.locator('#add-connection-form input[name="external_id"]')).to_have_value("UC-cafe")
        await page.fill('input[name="youtube.quota_limit"]', "20000")
        await page.fill('#add-connection-form input[name="token"]', "yt-token")
        await page.click("#add-connection-form button")
        await page.wait_for_url(server.url + "/settings")
        await expect(page.locator("table.accounts")).to_contain_text("Chaîne du café")
        assert errors == []
    row = await pool.fetchrow("select base_url, settings from accounts where external_id = 'UC-cafe'")
    assert row["base_url"] == "" and row["settings"] == {"quota_limit": 20000}  # no other platform's fields sent
