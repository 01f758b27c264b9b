"""Issue 15's done-when for automation rules, in Chromium: the owner writes a rule in French in
Settings → Règles (tag, assign and alert a person of the team on « remboursement »), previews it,
saves it; a new comment read by the real NLP stage and stored as the poller does is tagged and
assigned at once, its alert goes to the chosen person, and its history in the item pane names the rule."""

from __future__ import annotations

from datetime import UTC, datetime

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, ingest, seed

from collector.pipeline import analyze
from inbox.ingest import ingest_batch
from inbox.types import Author, NewItem
from nlp.pool import Analyzer

REFUND = "Deux semaines que j'attends mon REMBOURSEMENT pour la commande annulée, c'est long."


async def test_a_rule_tags_and_assigns_a_new_comment_and_shows_in_its_history(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await ingest(conn, ids["brand_a"], ids["account_a"], "Un remboursement, svp")
        await ingest(conn, ids["brand_a"], ids["account_a"], "Merci pour le bon café")
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context(locale="fr-CA")).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await page.goto(server.url + "/settings")
        await page.click("#rules-link")
        await expect(page.locator("h1")).to_have_text("Règles automatiques")
        await page.fill("input[name=name]", "Remboursements")
        await page.fill("input[name=keywords]", "remboursement")
        await page.fill("input[name=tag]", "remboursement")
        await page.select_option("select[name=assign]", label="Alain Agent")
        # « envoyer une alerte à »: the brand's channels, or one person of the team.
        await expect(page.locator("#rule-alert option[value=brand]")).to_have_text(
            "les canaux d'alerte de l'entreprise (dans Jasette, les courriels d'alerte, le webhook)")
        await expect(page.locator(f'#rule-alert option[value="{ids["owner_b"]}"]')).to_have_count(0)
        await page.select_option("#rule-alert", label="Odile Owner")
        await page.click("#rule-preview-button")
        await expect(page.locator("#rule-preview")).to_have_text("Cette règle aurait touché 1 des 2 derniers messages.")
        # The preview keeps what was typed; saving it is one more click.
        await expect(page.locator("input[name=tag]")).to_have_value("remboursement")
        await page.get_by_role("button", name="Enregistrer la règle").click()
        await expect(page.locator("p.done")).to_contain_text("La règle est enregistrée")
        await expect(page.locator('tr[data-rule="Remboursements"] .rule-matched')).to_have_text("1 des 2 derniers messages")
        await expect(page.locator('tr[data-rule="Remboursements"] .rule-summary')).to_contain_text("alerter Odile Owner")

        await page.goto(server.url + "/")
        await page.wait_for_selector("#live-state[data-state=live]")
        items = [NewItem(platform="wordpress", external_id="wp-refund", kind="comment", body=REFUND,
                         created_at=datetime.now(UTC), author=Author(external_id="wp-luc", name="Luc Gagnon", followers=12))]
        async with Analyzer(0) as analyzer:
            assert await analyze(analyzer, items, expected_langs=["fr", "en"], now=datetime.now(UTC))
        async with pool.acquire() as conn:
            result = await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=items)
        item = result.new_ids[0]
        row = page.locator(f'#stream li.item[data-id="{item}"]')
        await expect(row).to_be_visible(timeout=15000)
        await row.click()
        activity = page.locator("#activity")
        await expect(activity).to_contain_text("Règle « Remboursements »")
        await expect(activity).to_contain_text("étiqueté « remboursement »")
        await expect(activity).to_contain_text("attribué à Alain Agent")
        await expect(activity).to_contain_text("alerte envoyée à Odile Owner")
        async with pool.acquire() as conn:
            targets = await conn.fetch("select target from alert_deliveries where channel = 'email'")
        assert [t["target"] for t in targets] == ["owner@a.test"]
        await expect(page.locator("#tags")).to_contain_text("#remboursement")
        assert errors == []
