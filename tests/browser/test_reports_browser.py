"""Issue 15, in Chromium: the owner opens « Rapports », picks a custom range with the date fields
and reads each person's first-response times in words; in the inbox, the star filter keeps the
one- and two-star reviews, and a new five-star review arriving live stays out of that view."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from browser_steps import log_in
from playwright.async_api import expect
from seeded_replies import FIRST, LAST, seed_october
from web_app import LiveServer, seed

from collector.google import map_review
from inbox.ingest import ingest_batch


async def test_a_custom_range_shows_response_times_per_person(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await seed_october(conn, ids)
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context(locale="fr-CA")).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await page.get_by_role("link", name="Rapports").click()
        await expect(page.locator("h1")).to_have_text("Rapports")
        # A range typed backwards is explained, and the fields keep the dates to correct.
        await page.fill("#report-from", LAST)
        await page.fill("#report-to", FIRST)
        await page.get_by_role("button", name="Afficher").click()
        await expect(page.locator("#report-error")).to_have_text(
            f"La date de début ({LAST}) vient après la date de fin ({FIRST}).")
        await expect(page.locator("#report-from")).to_have_value(LAST)
        await page.fill("#report-from", FIRST)
        await page.fill("#report-to", LAST)
        await page.get_by_role("button", name="Afficher").click()
        await expect(page.locator("#report-period")).to_have_text("Du 5 au 11 octobre 2026 (7 jours)")
        odile = page.locator('#report-staff tr[data-person="Odile Owner"]')
        await expect(odile.locator(".median")).to_have_text("1 h 2 min")
        await expect(odile.locator(".p90")).to_have_text("1 h 28 min")
        await expect(page.locator('#report-staff tr[data-person="Alain Agent"] .median')).to_have_text("2 h")
        await expect(page.locator('#report-staff tr[data-person="overall"] .median')).to_have_text("1 h 35 min")
        await expect(page.locator("#report-replies")).to_have_text("4")
        # A quick pick is one click.
        await page.get_by_role("link", name="7 derniers jours").click()
        await expect(page.locator("#report-period")).to_contain_text("(7 jours)")
        await expect(page.get_by_role("link", name="7 derniers jours")).to_have_attribute("aria-current", "true")
        assert errors == []


def review(review_id: str, stars: str, text: str) -> dict:
    at = (datetime.now(UTC) - timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    return {"reviewId": review_id, "starRating": stars, "createTime": at, "updateTime": at, "comment": text,
            "reviewer": {"displayName": f"Client {review_id}"}}


async def test_reviews_filtered_by_one_or_two_stars(pool, db_dsn, browser) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                      " values ($1, 'google', 'loc-1', 'http://127.0.0.1:9') returning id", ids["brand_a"])
        reviews = [("r1", "ONE", "Service décevant"), ("r2", "TWO", "Bof, trop cher"), ("r5", "FIVE", "Parfait !")]
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account,
                           items=[i for r in reviews for i in map_review(review(*r))])
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context(locale="fr-CA")).new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await log_in(page, server.url, "owner@a.test")
        await expect(page.locator("#stream li.item")).to_have_count(3)
        await page.locator("details.more-filters summary").click()
        await page.get_by_label("Étoiles (avis)").select_option("1-2")
        await page.get_by_role("button", name="Filtrer").click()
        await page.wait_for_selector("#live-state[data-state=live]")
        stream = page.locator("#stream")
        await expect(stream.locator("li.item")).to_have_count(2)
        await expect(stream).to_contain_text("Service décevant")
        await expect(stream).to_contain_text("Bof, trop cher")
        await expect(page.locator(".filter-chips")).to_contain_text("★ 1–2")
        # Live: a new one-star review joins the view, a five-star one does not.
        async with pool.acquire() as conn:
            await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account,
                               items=[*map_review(review("r1b", "ONE", "Jamais plus")),
                                      *map_review(review("r5b", "FIVE", "Excellent accueil"))])
        await expect(stream).to_contain_text("Jamais plus", timeout=15000)
        await expect(stream.locator("li.item")).to_have_count(3)
        assert "Excellent accueil" not in await stream.inner_text()
        assert errors == []
