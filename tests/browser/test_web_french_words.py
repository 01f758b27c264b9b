"""The French interface in words (issue 15, item 3): Alerts and Summaries show reasons as words,
never codes like `very_negative, urgent:legal`, and numbers with a decimal comma ("0,7 ± 1,0")."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from browser_steps import log_in
from playwright.async_api import expect
from seeded_week import seed_week
from web_app import LiveServer, ingest, seed

from inbox.alerts.evaluate import evaluate_brands

# Reason codes (nlp/reasons.py) as they would leak: a code with an underscore or a colon.
_CODE = re.compile(r"\b(?:very_negative|urgent:[a-z_]+|due_soon|negative_mention|volume_spike|sentiment_dip)\b")


async def test_alerts_and_summaries_in_french_words_with_decimal_commas(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await ingest(conn, ids["brand_a"], ids["account_a"], "Je vais vous poursuivre en justice",
                     sentiment="negative", priority=95, reasons=["very_negative", "urgent:legal"])
        spike = {"count": 12, "window_minutes": 15, "mean": 0.7, "std": 1.0, "threshold": 3.7, "min_count": 10}
        await conn.execute("insert into alerts (brand_id, kind, dedupe_key, title, details) values ($1, 'volume_spike', 'spike-1',"
                           " 'Pic de volume', $2::jsonb)", ids["brand_a"], spike)
    await evaluate_brands(pool, None, datetime.now(UTC))
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        await log_in(page, server.url, "owner@a.test")
        await page.goto(server.url + "/alerts")
        await expect(page.locator(".alert-card")).to_have_count(2)
        text = await page.locator("main").inner_text()
        assert "0,7 ± 1,0" in text and "seuil 3,7" in text, text
        assert "Menace de poursuite" in text and "Très négatif" in text, text
        assert not _CODE.findall(text), _CODE.findall(text)
        await seed_week(pool, ids["brand_a"])
        # The seeded alerts' placeholder titles name their kind; real titles are written in words.
        await pool.execute("update alerts set title = 'Alerte' where dedupe_key like 'seed:%'")
        await page.goto(server.url + "/summaries?week=2026-W47")
        await expect(page.locator("main")).to_contain_text("Remboursement refusé")
        text = await page.locator("main").inner_text()
        assert "Demande de remboursement" in text and "Problème de sécurité" in text, text
        assert not _CODE.findall(text), _CODE.findall(text)
