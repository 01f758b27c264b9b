"""The team in Chromium: an owner invites a colleague from Settings → Team, the e-mail (aiosmtpd)
carries the link, the colleague sets a name and password and lands in the brand's live inbox."""

from __future__ import annotations

import re

from playwright.async_api import expect
from receivers import SmtpServer
from web_app import PASSWORD, LiveServer, seed

from inbox.smtp import SmtpConfig


async def test_invite_accept_and_land_in_the_inbox(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with SmtpServer() as smtp, LiveServer(db_dsn, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False)) as server:
        errors: list[str] = []
        owner = await (await browser.new_context()).new_page()
        owner.on("pageerror", lambda e: errors.append(str(e)))
        owner.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await owner.goto(server.url + "/login")
        await owner.fill("input[name=email]", "owner@a.test")
        await owner.fill("input[name=password]", PASSWORD)
        await owner.click("button[type=submit]")
        await owner.wait_for_url(server.url + "/")
        await owner.click("header nav a[href='/settings']")
        await owner.click("#team-link")
        await expect(owner.locator("h1")).to_have_text("Équipe de Café A")
        await owner.fill("#invite-form input[name=email]", "julie@cafe.test")
        await owner.click("#invite-form button")
        await expect(owner.locator("#invite-sent")).to_contain_text("Invitation envoyée par courriel à julie@cafe.test")
        shown = await owner.locator("#invite-link").input_value()
        await expect(owner.locator("tr[data-invitation='julie@cafe.test']")).to_be_visible()

        assert len(smtp.messages) == 1
        link = re.search(r"http://\S+/invite/\S+", smtp.messages[0].get_body(("plain",)).get_content()).group(0)
        assert link == shown
        julie = await (await browser.new_context()).new_page()
        julie.on("pageerror", lambda e: errors.append(str(e)))
        julie.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        await julie.goto(link)
        await expect(julie.locator(".invite p").first).to_contain_text("Odile Owner vous invite à répondre pour Café A")
        await julie.fill("input[name=name]", "Julie Roy")
        await julie.fill("input[name=password]", "une cabane au bord du lac")
        await julie.fill("input[name=confirm]", "une cabane au bord du lac")
        await julie.click("#accept-form button")
        await julie.wait_for_url(server.url + "/")
        await julie.wait_for_selector("#live-state[data-state=live]")
        await expect(julie.locator(".brand-name")).to_have_text("Café A")
        await expect(julie.locator(".who")).to_have_text("Julie Roy")
        # The owner's team page now lists her, and the invitation is no longer pending.
        await owner.goto(server.url + "/settings/team")
        await expect(owner.locator("tr[data-member='julie@cafe.test']")).to_contain_text("Julie Roy")
        await expect(owner.locator("tr[data-invitation='julie@cafe.test']")).to_have_count(0)
        # The owner makes her an owner, then removes her: her open inbox loses its live stream
        # and goes to the log-in page; the next request is refused.
        row = owner.locator("tr[data-member='julie@cafe.test']")
        await row.locator("select[name=role]").select_option("owner")
        await row.locator("text=Changer le rôle").click()
        await expect(owner.locator("p.done")).to_have_text("Le rôle est changé.")
        await expect(owner.locator("tr[data-member='julie@cafe.test'] select[name=role]")).to_have_value("owner")
        await owner.locator("tr[data-member='julie@cafe.test'] button", has_text="Retirer").click()
        await expect(owner.locator("tr[data-member='julie@cafe.test']")).to_have_count(0)
        await julie.wait_for_url(server.url + "/login", timeout=10_000)
        response = await julie.goto(server.url + "/settings")
        assert response is not None and julie.url == server.url + "/login"
        assert errors == []
        # The link is spent.
        response = await julie.goto(link)
        assert response is not None and response.status == 410


async def test_fresh_install_to_an_invited_agent_who_sees_only_that_brand(pool, db_dsn, browser) -> None:
    # Issue 12's whole path on an empty database: setup page → first owner and brand → invite an
    # agent → the e-mail's link → the agent sets a password, logs in, and sees only that brand.
    async with pool.acquire() as conn:
        other = await conn.fetchval("select count(*) from users")
    assert other == 0
    with SmtpServer() as smtp, LiveServer(db_dsn, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False)) as server:
        owner = await (await browser.new_context()).new_page()
        await owner.goto(server.url + "/")
        await owner.wait_for_url(server.url + "/setup")
        await owner.fill("input[name=name]", "Marie Tremblay")
        await owner.fill("input[name=email]", "marie@cafe.test")
        await owner.fill("input[name=password]", "les bagels de la rue Fairmount")
        await owner.fill("input[name=brand_name]", "Café du Plateau")
        await owner.click("button[type=submit]")
        await owner.wait_for_url(server.url + "/")
        await owner.goto(server.url + "/settings/team")
        await owner.fill("#invite-form input[name=email]", "alex@cafe.test")
        await owner.click("#invite-form button")
        await expect(owner.locator("#invite-sent")).to_contain_text("alex@cafe.test")
        async with pool.acquire() as conn:
            # A second brand the agent must never see.
            await conn.execute("insert into brands (slug, name) values ('autre', 'Autre Commerce')")
        link = re.search(r"http://\S+/invite/\S+", smtp.messages[0].get_body(("plain",)).get_content()).group(0)
        agent = await (await browser.new_context()).new_page()
        await agent.goto(link)
        await agent.fill("input[name=name]", "Alex Agent")
        await agent.fill("input[name=password]", "une cabane au bord du lac")
        await agent.fill("input[name=confirm]", "une cabane au bord du lac")
        await agent.click("#accept-form button")
        await agent.wait_for_url(server.url + "/")
        await agent.wait_for_selector("#live-state[data-state=live]")
        await expect(agent.locator(".brand-name")).to_have_text("Café du Plateau")
        assert "Autre Commerce" not in await agent.content()
        async with pool.acquire() as conn:
            roles = await conn.fetch(
                "select b.slug, m.role from memberships m join users u on u.id = m.user_id join brands b on b.id = m.brand_id"
                " where u.email = 'alex@cafe.test'")
        assert [(r["slug"], r["role"]) for r in roles] == [(roles[0]["slug"], "agent")] and roles[0]["slug"] != "autre"
