"""Reviews filtered by their stars (« ★ 1–2 »): in the inbox's filters and chips, in the API
(/api/items?stars=1-2) and in /items.csv; a bad value is a 400 that says what is accepted."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from web_app import client_for, ingest, login, make_app, seed

from collector.google import map_review
from inbox.ingest import ingest_batch


def review(review_id: str, stars: str) -> dict:
    at = (datetime.now(UTC) - timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    return {"reviewId": review_id, "starRating": stars, "createTime": at, "updateTime": at,
            "comment": f"Avis {review_id}", "reviewer": {"displayName": f"Client {review_id}"}}


async def seed_reviews(conn, ids) -> None:
    account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                  " values ($1, 'google', 'loc-1', 'http://127.0.0.1:9') returning id", ids["brand_a"])
    items = [i for r in (review("one", "ONE"), review("two", "TWO"), review("four", "FOUR"), review("five", "FIVE"))
             for i in map_review(r)]
    await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=items)
    await ingest(conn, ids["brand_a"], ids["account_a"], "Un commentaire sans étoiles")


async def test_stars_filter_the_api_the_page_and_the_csv(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await seed_reviews(conn, ids)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")

        async def bodies(query: str) -> list[str]:
            response = await client.get(f"/api/items?{query}")
            assert response.status_code == 200, response.text
            return sorted(it["body"] for it in response.json()["items"])

        assert await bodies("stars=1-2") == ["Avis one", "Avis two"]
        assert await bodies("stars=1%E2%80%932") == ["Avis one", "Avis two"]  # « 1–2 » with an en dash
        assert await bodies("stars=5") == ["Avis five"]
        assert await bodies("stars=4-5&sentiment=") == ["Avis five", "Avis four"]
        assert len(await bodies("")) == 5  # no filter: the comment without stars too
        for bad in ("0", "6", "2-1", "abc", "1-2-3", "1.5", "-", " "):
            response = await client.get("/api/items", params={"stars": bad})
            assert response.status_code == 400, bad
            assert response.json()["error"] == ("stars est un nombre d'étoiles de 1 à 5, ou un intervalle comme 1-2"
                                                " (le plus petit d'abord).")

        page = await client.get("/?stars=1-2")
        assert page.status_code == 200
        assert '<option value="1-2" selected>★ 1–2</option>' in page.text
        assert "Avis one" in page.text and "Avis five" not in page.text and "Un commentaire sans étoiles" not in page.text
        assert 'class="chip"' in page.text and "★ 1–2 <span" in page.text
        assert (await client.get("/?stars=9")).status_code == 400

        export = await client.get("/items.csv?stars=1-2")
        rows = list(csv.reader(io.StringIO(export.text[1:]), delimiter=";"))
        assert sorted(dict(zip(rows[0], r))["Texte"] for r in rows[1:]) == ["Avis one", "Avis two"]
        assert (await client.get("/items.csv?stars=0")).status_code == 400
