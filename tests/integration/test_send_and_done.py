"""« Envoyer et terminer »: a reply queued with the item marked done at once; a reply given up on
brings its item back into the inbox, said in its history, so no customer is buried unanswered."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from web_app import client_for, ingest, login, make_app, seed

from inbox import outbox


async def _reply(client, token: str, item: int, **extra) -> object:
    return await client.post(f"/api/items/{item}/replies", headers={"X-CSRF-Token": token},
                             json={"body": "Merci, on vous écrit en privé.", "idempotency_key": uuid.uuid4().hex, **extra})


async def test_send_and_done_closes_the_item_and_a_failed_reply_reopens_it(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Ma commande est arrivée brisée")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        assert (await _reply(client, token, item, done="oui")).status_code == 400
        sent = await _reply(client, token, item, done=True)
        assert sent.status_code == 201
        assert (await client.get(f"/api/items/{item}")).json()["status"] == "done"
        assert item not in [i["id"] for i in (await client.get("/api/items")).json()["items"]]

        async with pool.acquire() as conn:
            [leased] = await outbox.claim_due(conn, worker_id="w", now=datetime.now(UTC), lease_seconds=60, limit=10)
            await outbox.mark_failed(conn, leased.id, worker_id="w", error="refused", code="refused")

        shown = (await client.get(f"/api/items/{item}")).json()
        assert shown["status"] == "open"
        assert item in [i["id"] for i in (await client.get("/api/items")).json()["items"]]
        assert {"who": "Jasette", "what": "rouvert : la réponse n'a pas pu être envoyée"} in [
            {"who": a["who"], "what": a["what"]} for a in shown["activity"]]


async def test_a_reply_failing_after_its_last_attempt_reopens_a_done_item_and_a_plain_reply_leaves_status_alone(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Vous êtes ouverts dimanche?")
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        assert (await _reply(client, token, item)).status_code == 201
        assert (await client.get(f"/api/items/{item}")).json()["status"] == "open"
        await client.post(f"/api/items/{item}/status", headers={"X-CSRF-Token": token}, json={"status": "done"})
        async with pool.acquire() as conn:
            await conn.execute("update replies set attempts = max_attempts")
            [leased] = await outbox.claim_due(conn, worker_id="w", now=datetime.now(UTC), lease_seconds=60, limit=10)
            row = await outbox.mark_retry(conn, leased.id, worker_id="w", error="timeout",
                                          next_attempt_at=datetime.now(UTC) + timedelta(minutes=1))
            assert row is not None and row["state"] == "failed"
        assert (await client.get(f"/api/items/{item}")).json()["status"] == "open"
