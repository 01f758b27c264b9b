"""Replies where none can go (issue 15, item 4): a platform whose collector cannot reply (RSS
mentions) is refused a reply, a hide and a retry with a clear 4xx in the user's language."""

from __future__ import annotations

import uuid

from web_app import client_for, ingest, login, make_app, seed


async def test_read_only_platform_refuses_reply_hide_and_retry_in_french(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        mention = await ingest(conn, ids["brand_a"], ids["account_a"], "Vu dans le journal", platform="rss")
        reply_id = await conn.fetchval(
            """insert into replies (brand_id, item_id, user_id, action, body, state, error, idempotency_key)
               values ($1, $2, null, 'reply', 'Merci!', 'failed', 'no replies', 'k-rss-1') returning id""",
            ids["brand_a"], mention)
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        headers = {"X-CSRF-Token": token}
        detail = (await client.get(f"/api/items/{mention}")).json()
        assert detail["can_reply"] is False and detail["can_hide"] is False
        sent = await client.post(f"/api/items/{mention}/replies", json={"body": "Merci!", "idempotency_key": uuid.uuid4().hex},
                                 headers=headers)
        assert sent.status_code == 422
        assert "ne prend pas de réponses de Jasette" in sent.json()["error"], sent.json()
        hidden = await client.post(f"/api/items/{mention}/hide", json={"idempotency_key": uuid.uuid4().hex}, headers=headers)
        assert hidden.status_code == 422 and "modérez directement" in hidden.json()["error"]
        retried = await client.post(f"/api/replies/{reply_id}/retry", json={}, headers=headers)
        assert retried.status_code == 422 and "répondez directement sur" in retried.json()["error"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from replies where item_id = $1", mention) == 1
        assert await conn.fetchval("select state from replies where id = $1", reply_id) == "failed"
