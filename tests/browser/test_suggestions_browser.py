"""Suggested replies by intent, as staff use them (issue 15): praise is offered thanks, a
complaint an apology and a private follow-up, a question the saved answer that matches it,
inserted with the key 1 to edit and never sent by itself; in Settings a saved reply shows its
French and English texts side by side, and editing the English keeps the French."""

from __future__ import annotations

from browser_steps import comment, log_in
from playwright.async_api import expect
from polling import running_site, wordpress_account
from web_app import SECRET, LiveServer, seed

from inbox import saved_replies
from inbox.credentials import Vault


async def _world(pool, site):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        ids["wp"] = await wordpress_account(conn, Vault(SECRET), ids["brand_a"], site)
        pairs = [
            {"fr": ("Merci", "Merci {first_name}, au plaisir!"), "en": ("Thanks", "Thanks {first_name}!")},
            {"fr": ("Désolé", "Bonjour {first_name}, nous sommes vraiment désolés."), "en": ("Sorry", "We are truly sorry.")},
            {"fr": ("Suivi en privé", "Écrivez-nous un message privé avec votre numéro de commande."),
             "en": ("Private follow-up", "Please send us a private message with your order number.")},
            {"fr": ("Heures d'ouverture", "Nous sommes ouverts du lundi au vendredi de 7 h à 18 h."),
             "en": ("Opening hours", "We are open Monday to Friday, 7 a.m. to 6 p.m.")},
        ]
        ids["pairs"] = [await saved_replies.save_pair(conn, ids["brand_a"], None, saved_replies.checked_pair(p)) for p in pairs]
    return ids


async def test_suggestions_by_intent_key_one_inserts_and_settings_keeps_pairs(pool, db_dsn, browser) -> None:
    async with running_site() as site:
        ids = await _world(pool, site)
        async with pool.acquire() as conn:
            praise = await comment(conn, site, ids["brand_a"], ids["wp"], "Meilleur café à Montréal!",
                                   author="Léa Côté", sentiment="positive", priority=20, reasons=("positive",))
            complaint = await comment(conn, site, ids["brand_a"], ids["wp"], "Ma commande est arrivée froide",
                                      author="Julie Gagnon", priority=80)
            question = await comment(conn, site, ids["brand_a"], ids["wp"], "Êtes-vous ouverts lundi?",
                                     author="Paul Roy", sentiment="neutral", priority=50, reasons=("question",))
        with LiveServer(db_dsn) as server:
            page = await (await browser.new_context()).new_page()
            await log_in(page, server.url, "agent@a.test")
            reply_box = page.locator("#reply")
            offered = page.locator("#suggestions .suggestion span")
            await page.locator(f'#stream li.item[data-id="{praise}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Meilleur café à Montréal!")
            await expect(offered).to_have_text(["Suggestion : Merci"])
            await expect(reply_box).to_have_value("")
            await page.locator(f'#stream li.item[data-id="{complaint}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Ma commande est arrivée froide")
            await expect(offered).to_have_text(["Suggestion : Désolé", "Suggestion : Suivi en privé"])
            await expect(reply_box).to_have_value("")
            # The question: its matching answer is offered; the key 1 (not typed in a field) inserts it.
            await page.locator(f'#stream li.item[data-id="{question}"]').click()
            await expect(page.locator("#item-body")).to_have_text("Êtes-vous ouverts lundi?")
            await expect(offered).to_have_text(["Suggestion : Heures d'ouverture"])
            await expect(reply_box).to_have_value("")
            await page.locator("#pane-title").focus()
            await page.keyboard.press("1")
            await expect(reply_box).to_be_focused()
            await expect(reply_box).to_have_value("Nous sommes ouverts du lundi au vendredi de 7 h à 18 h.")
            await page.keyboard.type(" Bonne journée!")  # editable, and the key itself was not typed
            await expect(reply_box).to_have_value("Nous sommes ouverts du lundi au vendredi de 7 h à 18 h. Bonne journée!")
            await expect(page.locator("#replies li")).to_have_count(0)
            # Typing "1" in the box is just a 1: it inserts nothing.
            await page.keyboard.type(" 1")
            await expect(reply_box).to_have_value("Nous sommes ouverts du lundi au vendredi de 7 h à 18 h. Bonne journée! 1")
            async with pool.acquire() as conn:
                assert await conn.fetchval("select count(*) from replies") == 0  # nothing sent by itself
            # The key is listed in the shortcuts dialog.
            await page.locator("#pane-title").focus()
            await page.keyboard.press("?")
            await expect(page.locator("#shortcuts")).to_contain_text("Insérer la suggestion 1, 2 ou 3")
            await page.locator("#shortcuts button").click()

            # Settings: one entry, French and English side by side; editing the English keeps the French.
            hours = ids["pairs"][3]
            await page.goto(server.url + "/settings")
            entry = page.locator(f"#saved-{hours}")
            await expect(entry.locator('.saved-lang[data-lang="fr"]')).to_contain_text("Nous sommes ouverts du lundi")
            await expect(entry.locator('.saved-lang[data-lang="en"]')).to_contain_text("We are open Monday to Friday")
            fr_box = await entry.locator('.saved-lang[data-lang="fr"]').bounding_box()
            en_box = await entry.locator('.saved-lang[data-lang="en"]').bounding_box()
            assert fr_box and en_box and en_box["x"] > fr_box["x"] and abs(en_box["y"] - fr_box["y"]) < 5, (fr_box, en_box)
            await entry.locator("summary").click()
            await entry.locator('textarea[name="body_en"]').fill("We are open Monday to Friday, 7 a.m. to 7 p.m.")
            await entry.locator("form.stack button").click()
            await expect(entry.locator('.saved-lang[data-lang="en"]')).to_contain_text("7 p.m.")
            await expect(entry.locator('.saved-lang[data-lang="fr"]')).to_contain_text("Nous sommes ouverts du lundi au vendredi de 7 h à 18 h.")
    rows = await pool.fetch("select lang, title, body from saved_replies where pair_id = $1 order by lang", hours)
    assert [tuple(r) for r in rows] == [("en", "Opening hours", "We are open Monday to Friday, 7 a.m. to 7 p.m."),
                                        ("fr", "Heures d'ouverture", "Nous sommes ouverts du lundi au vendredi de 7 h à 18 h.")]
