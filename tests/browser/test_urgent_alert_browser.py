"""An urgent comment, end to end in Chromium: a customer writes that her daughter reacted to
nuts in a "nut-free" muffin; the comment goes through the real NLP stage and ingest, the
workers as `jasette run` starts them raise the alert, the owner sees it live in French on the
inbox, and one e-mail (a real SMTP server, aiosmtpd) says why in words, never in codes."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime

from browser_steps import log_in
from playwright.async_api import expect
from receivers import SmtpServer
from web_app import SECRET, LiveServer, seed

from collector.pipeline import analyze
from inbox.credentials import Vault
from inbox.ingest import ingest_batch
from inbox.smtp import SmtpConfig
from inbox.types import Author, NewItem
from jasette.runtime import serve_workers
from nlp.pool import Analyzer
from web.settings import Settings

ALLERGY = "Il y avait des noix dans le muffin « sans noix », ma fille est allergique et a fait une réaction. Inacceptable."
CODES = re.compile(r"urgent:[a-z]|very_negative|negative_mention")


def allergy_comment(external_id: str) -> NewItem:
    return NewItem(platform="wordpress", external_id=external_id, kind="comment", body=ALLERGY,
                   created_at=datetime.now(UTC), author=Author(external_id="wp-julie", name="Julie Tremblay", followers=80),
                   parent_external_id="post-1", thread_external_id="post-1")


async def wait_until(predicate, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_urgent_comment_alerts_the_owner_live_in_french_and_by_one_mail(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)  # owner@a.test reads Jasette in French
        await conn.execute("update alert_rules set enabled = (kind = 'negative_mention')")
    with SmtpServer() as smtp, LiveServer(db_dsn) as server:
        settings = Settings(base_url=server.url, nlp_workers=0, nlp_full=False,
                            smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False, sender="alertes@cafe.test"))
        stop = asyncio.Event()
        workers = asyncio.create_task(serve_workers(settings, pool, Vault(SECRET), db_dsn, stop, worker_id="browser-test"))
        try:
            page = await (await browser.new_context(locale="fr-CA")).new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await log_in(page, server.url, "owner@a.test")
            await asyncio.sleep(1.0)  # the alerts worker's LISTEN is up
            # Collected as the poller does: the real NLP stage reads it before it is stored.
            items = [allergy_comment("wp-allergy")]
            async with Analyzer(0) as analyzer:
                assert await analyze(analyzer, items, expected_langs=["fr", "en"], now=datetime.now(UTC))
            assert "urgent:allergy" in items[0].analysis.reasons
            started = time.monotonic()
            async with pool.acquire() as conn:
                await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=items)
            banner = page.locator("#alert-banners .alert-banner").first
            await expect(banner).to_be_visible(timeout=20000)
            print(f"urgent alert on the owner's screen {time.monotonic() - started:.2f} s after ingest")
            title = await banner.locator(".alert-banner-title").inner_text()
            assert "URGENT" in title and "Allergie mentionnée" in title and "Commentaire négatif" in title
            assert not CODES.search(title), title
            await expect(page.locator("li.item", has_text="ma fille est allergique")).to_be_visible()
            # The e-mail: once, in French, reasons in words.
            # (The workers also send last week's summary to each brand's owners: not alerts.)
            alerts = lambda: [m for m in smtp.messages if m["Subject"].startswith("[Café A]")]
            await wait_until(lambda: len(alerts()) >= 1)
            print(f"alert e-mail received {time.monotonic() - started:.2f} s after ingest")
            # Polled again and a few sweeps later: no second alert, no second mail.
            async with pool.acquire() as conn:
                await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=items)
            await asyncio.sleep(3.0)
            [mail] = alerts()
            assert mail["To"] == "owner@a.test"
            text, html = mail.get_body(("plain",)).get_content(), mail.get_body(("html",)).get_content()
            for shown in (mail["Subject"], text, html):
                assert "Allergie mentionnée" in shown and not CODES.search(shown), shown
            assert "Pourquoi" in text and f"{server.url}/items/" in text and "- WordPress · Julie Tremblay" in text
            assert await page.locator("#alert-banners .alert-banner").count() == 1
            for other in smtp.messages:  # the summaries say reasons in words too
                assert not CODES.search(other.get_body(("plain",)).get_content())
            assert errors == []
        finally:
            stop.set()
            await asyncio.wait_for(workers, 30)
