"""Forgotten password by e-mail (aiosmtpd) and two-step log-in (TOTP enrolment, a code, a
recovery code) in Chromium, against a real server."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.async_api import Page, expect
from receivers import SmtpServer
from web_app import PASSWORD, LiveServer, seed

from inbox.smtp import SmtpConfig


async def _log_in(page: Page, url: str, password: str = PASSWORD) -> None:
    await page.goto(url + "/login")
    await page.fill("input[name=email]", "agent@a.test")
    await page.fill("input[name=password]", password)
    await page.click("button[type=submit]")


def _watch(page: Page, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)


async def test_forgotten_password_by_email(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with SmtpServer() as smtp, LiveServer(db_dsn, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False)) as server:
        errors: list[str] = []
        page = await (await browser.new_context()).new_page()
        _watch(page, errors)
        await page.goto(server.url + "/login")
        await page.click("#forgot-link")
        await page.fill("input[name=email]", "agent@a.test")
        await page.click("button[type=submit]")
        await expect(page.locator("#forgot-sent")).to_contain_text("Si un compte existe pour agent@a.test")
        for _ in range(50):
            if smtp.messages:
                break
            await page.wait_for_timeout(100)
        link = re.search(r"http://\S+/reset/\S+", smtp.messages[0].get_body(("plain",)).get_content()).group(0)
        await page.goto(link)
        await page.fill("input[name=new]", "la tempête des neiges de 98")
        await page.fill("input[name=confirm]", "la tempête des neiges de 98")
        await page.click("#reset-form button")
        await expect(page.locator("p.done")).to_contain_text("Votre mot de passe est changé")
        await _log_in(page, server.url, "la tempête des neiges de 98")
        await page.wait_for_url(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        assert errors == []


async def test_two_step_enrolment_then_code_then_recovery_code(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with LiveServer(db_dsn) as server:
        errors: list[str] = []
        page = await (await browser.new_context()).new_page()
        _watch(page, errors)
        await _log_in(page, server.url)
        await page.wait_for_url(server.url + "/")
        await page.click("header .account-menu summary")  # the account menu: « Mon compte »
        await page.click("header a:has-text('Mon compte')")
        await page.click("#two-step-on button")
        await expect(page.locator(".qr-code svg")).to_be_visible()
        key = (await page.locator("#totp-key").inner_text()).replace(" ", "")
        await page.fill("input[name=code]", pyotp.TOTP(key).now())
        await page.click("#two-step-confirm button")
        await expect(page.locator("#recovery-codes li")).to_have_count(10)
        codes = [c.strip() for c in await page.locator("#recovery-codes code").all_inner_texts()]
        await page.click("text=Terminé : retour à mon compte")
        await expect(page.locator("#two-step")).to_contain_text("Codes de récupération restants : 10.")
        await page.click("header .account-menu summary")  # « Se déconnecter » is in the account menu
        await page.click("header button:has-text('Se déconnecter')")

        await _log_in(page, server.url)
        await page.wait_for_url(server.url + "/login/code")
        await page.fill("input[name=code]", pyotp.TOTP(key).at(time.time() + 30))
        await page.click("button[type=submit]")
        await page.wait_for_url(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        await page.click("header .account-menu summary")  # « Se déconnecter » is in the account menu
        await page.click("header button:has-text('Se déconnecter')")

        await _log_in(page, server.url)
        await page.wait_for_url(server.url + "/login/code")
        await page.fill("input[name=code]", codes[0])
        await page.click("button[type=submit]")
        await page.wait_for_url(server.url + "/")
        await page.goto(server.url + "/settings/account")
        await expect(page.locator("#two-step")).to_contain_text("Codes de récupération restants : 9.")
        assert errors == []
