"""Spam: the Spam view, "mark as spam / not spam" through the API (single and bulk), the mark in
the item's history, the brand's own spammer rule for the author's next comments, and spam
never raising an alert nor counting in the summary's response times."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from alerting import ingest as ingest_items
from alerting import negative
from web_app import client_for, ingest, login, make_app, seed

from inbox import workflow
from inbox.alerts.evaluate import evaluate_brands
from inbox.summary import query as summary_query


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.text
    return [i["id"] for i in response.json()["items"]]


async def test_spam_view_marks_history_and_the_brands_spammer_rule(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        brand, account = ids["brand_a"], ids["account_a"]
        pitch = await ingest(conn, brand, account, "Achetez des abonnés pas chers sur mon site", author="Promo Max")
        real = await ingest(conn, brand, account, "Le latté était froid", author="Julie Gagnon")
        other_brand = await ingest(conn, ids["brand_b"], ids["account_b"], "Buy followers", author="Promo Max")
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        csrf = await login(client, "agent@a.test")
        headers = {"x-csrf-token": csrf}
        assert _ids(await client.get("/api/items?view=spam")) == []
        marked = await client.post(f"/api/items/{pitch}/spam", json={"spam": True}, headers=headers)
        assert marked.status_code == 200 and marked.json()["changed"] == [pitch]
        # Out of the inbox, into the Spam view (API and page).
        assert _ids(await client.get("/api/items")) == [real]
        assert _ids(await client.get("/api/items?view=spam")) == [pitch]
        page = (await client.get("/?view=spam")).text
        assert "Achetez des abonnés" in page and "Le latté était froid" not in page
        home = (await client.get("/")).text
        assert "Le latté était froid" in home
        assert '<span class="count">1</span>' in home  # the Spam tab says something is there
        # The item says it is spam and who marked it; the audit log holds the history.
        detail = (await client.get(f"/api/items/{pitch}")).json()
        assert detail["spam"] is True and detail["spam_mark"]["spam"] is True
        assert detail["spam_mark"]["user"] == "Alain Agent"
        history = await pool.fetch("select action, user_id, details from audit_log where target_id = $1 and action = 'spam'", pitch)
        assert [(h["user_id"], h["details"]) for h in history] == [(ids["agent_a"], {"spam": True})]
        # The brand learned: the same author's next comment lands in Spam (not another brand's).
        async with pool.acquire() as conn:
            again = await ingest(conn, brand, account, "Encore des abonnés, promo du jour", author="Promo Max")
        assert _ids(await client.get("/api/items?view=spam")) == [again, pitch]
        assert again not in _ids(await client.get("/api/items"))
        assert not await pool.fetchval("select spam from items where id = $1", other_brand)
        # A re-analysis saying "not spam" does not undo a person's mark.
        await pool.execute("update items set spam = false where id = $1", pitch)
        assert await pool.fetchval("select spam from items where id = $1", pitch)
        # "Not spam": back in the inbox, recorded, and the author forgiven for their next comments.
        back = await client.post(f"/api/items/{again}/spam", json={"spam": False}, headers=headers)
        assert back.json()["changed"] == [again]
        assert again in _ids(await client.get("/api/items"))
        assert (await client.get(f"/api/items/{again}")).json()["spam_mark"]["spam"] is False
        async with pool.acquire() as conn:
            later = await ingest(conn, brand, account, "Je voulais juste dire merci", author="Promo Max")
        assert later in _ids(await client.get("/api/items"))
        # Bulk, bad input and another brand's item.
        bulk = await client.post("/api/bulk", json={"ids": [real, later], "action": "spam", "spam": True}, headers=headers)
        assert sorted(bulk.json()["changed"]) == sorted([real, later])
        assert _ids(await client.get("/api/items")) == [again]
        bad = await client.post(f"/api/items/{real}/spam", json={"spam": "oui"}, headers=headers)
        assert bad.status_code == 400 and "spam" in bad.json()["error"]
        assert (await client.post(f"/api/items/{other_brand}/spam", json={"spam": True}, headers=headers)).status_code == 404


async def test_spam_never_alerts_nor_counts_in_response_times(pool, brand) -> None:
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention')")
    now = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)
    # A spammer's earlier comment was marked: the brand now knows them.
    [first] = await ingest_items(pool, brand, [negative("s-1", created_at=now - timedelta(days=1), thread="post-1")], now)
    async with pool.acquire() as conn:
        await workflow.mark_spam(conn, brand["brand_id"], [first], True, None)
    author = await pool.fetchval("select author_id from items where id = $1", first)
    # Their next one reads as an urgent legal threat: it lands in Spam and raises nothing.
    item = negative("s-2", created_at=now, thread="post-2", reasons=["negative", "urgent:legal"],
                    body="Mise en demeure: achetez mes abonnés")
    item = replace(item, author=replace(item.author, external_id="au-s-1"))  # the same person
    [threat] = await ingest_items(pool, brand, [item], now)
    assert await pool.fetchval("select author_id from items where id = $1", threat) == author
    assert await pool.fetchval("select spam from items where id = $1", threat)
    assert await evaluate_brands(pool, None, now + timedelta(seconds=5)) == []
    # The same threat from a customer alerts at once (the rule is on; spam was what held it back).
    [customer] = await ingest_items(pool, brand, [negative("c-1", created_at=now, thread="post-3", reasons=["negative", "urgent:legal"])], now)
    raised = await evaluate_brands(pool, None, now + timedelta(seconds=10))
    assert raised and await pool.fetchval("select item_ids from alerts where id = $1", raised[0]) == [customer]
    # Response times: a spam item answered in 1 minute does not pull the median down.
    await pool.execute("update items set first_response_at = created_at + interval '1 minute', first_response_seconds = 60 where id = $1", threat)
    await pool.execute("update items set first_response_at = created_at + interval '1 hour', first_response_seconds = 3600 where id = $1", customer)
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from brands where id = $1", brand["brand_id"])
        summary = await summary_query.compute(conn, row, "2026-W47", now + timedelta(hours=2))
    assert summary["response"]["answered"] == 1 and summary["response"]["median_seconds"] == 3600
    assert summary["volume"]["spam"] >= 1
