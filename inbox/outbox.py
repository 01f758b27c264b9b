"""The reply outbox: staff queue replies and moderation actions; workers send them.

A row's idempotency key is unique: asking twice for the same reply queues it once.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from inbox.notify import REPLIES_CHANNEL, notify


async def enqueue(
    conn: asyncpg.Connection,
    *,
    brand_id: int,
    item_id: int,
    user_id: int | None,
    body: str,
    idempotency_key: str,
    action: str = "reply",
) -> dict[str, Any]:
    """Queue a reply (or hide/unhide) for an item of the brand; return the outbox row."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            insert into replies (brand_id, item_id, account_id, user_id, action, body, idempotency_key)
            select i.brand_id, i.id, i.account_id, $3, $4, $5, $6 from items i
            where i.id = $2 and i.brand_id = $1
            on conflict (idempotency_key) do nothing
            returning *
            """,
            brand_id, item_id, user_id, action, body, idempotency_key,
        )
        if row is None:
            existing = await conn.fetchrow(
                "select * from replies where idempotency_key = $1 and brand_id = $2", idempotency_key, brand_id
            )
            if existing is None:
                raise LookupError(f"item {item_id} does not exist in this brand")
            return dict(existing)
        await notify(conn, REPLIES_CHANNEL, {"brand": brand_id, "reply": row["id"], "item": item_id, "state": "queued"})
        return dict(row)
