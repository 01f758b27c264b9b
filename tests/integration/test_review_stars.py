"""Google reviews keep their star rating: it is read by the NLP stage where the review has no
text (a one-star review alone is negative and needs an answer), and the inbox shows it as stars
with words for screen readers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web_app import client_for, login, make_app, seed

from collector.google import map_review
from collector.pipeline import analyze
from collector.reanalyze import reanalyze_once
from inbox.ingest import ingest_batch
from nlp.pool import Analyzer


def review(review_id: str, stars: str, comment: str | None = None) -> dict:
    at = (datetime.now(UTC) - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    raw = {"reviewId": review_id, "starRating": stars, "createTime": at, "updateTime": at,
           "reviewer": {"displayName": f"Client {review_id}"}}
    return raw | ({"comment": comment} if comment else {})


async def google_account(conn, brand_id: int) -> int:
    return await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                               " values ($1, 'google', 'loc-1', 'http://127.0.0.1:9') returning id", brand_id)


async def test_star_only_reviews_are_read_and_shown(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await google_account(conn, ids["brand_a"])
        items = [*map_review(review("r1", "ONE")), *map_review(review("r5", "FIVE")),
                 *map_review(review("r2", "TWO", "Correct, sans plus."))]
        async with Analyzer(0) as analyzer:
            assert await analyze(analyzer, items, expected_langs=["fr", "en"], now=datetime.now(UTC))
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=items)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        listed = {it["author"]["name"]: it for it in (await client.get("/api/items")).json()["items"]}
        page = await client.get("/")
    one, five, two = listed["Client r1"], listed["Client r5"], listed["Client r2"]
    assert (one["rating"], five["rating"], two["rating"]) == (1, 5, 2)
    assert one["sentiment"] == "negative" and five["sentiment"] == "positive"
    assert {"code": "low_rating", "text": "Note d'une ou deux étoiles"} in one["reasons"]
    assert one["priority"] > five["priority"]
    assert "low_rating" in [r["code"] for r in two["reasons"]]  # text kept, the stars still count
    assert 'aria-label="Note : 1 sur 5">★☆☆☆☆<' in page.text and "★★★★★" in page.text


async def test_stars_survive_a_later_analysis(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await google_account(conn, ids["brand_a"])
        # Stored while the NLP stage was off: the catch-up job reads the stars too.
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=map_review(review("late", "ONE")))
    async with Analyzer(0) as analyzer:
        assert await reanalyze_once(pool, analyzer) == 1
    row = await pool.fetchrow("select sentiment, reasons from items where external_id = 'late'")
    assert row["sentiment"] == "negative" and "low_rating" in row["reasons"]
