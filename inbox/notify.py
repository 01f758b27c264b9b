"""The LISTEN/NOTIFY channels that tell every process what changed."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

# Payload {"brand", "new": [ids], "changed": [ids]}: items stored or changed.
ITEMS_CHANNEL = "jasette_items"
# Payload {"brand", "reply", "item", "state"}: an outbox row changed state.
REPLIES_CHANNEL = "jasette_replies"
# Payload {"brand", "alert"}: an alert was raised (the in-app banner).
ALERTS_CHANNEL = "jasette_alerts"
# Payload {"brand", "item", "user", "name", "what": "viewing"|"typing"|"left"}: who is on an item.
PRESENCE_CHANNEL = "jasette_presence"
# PostgreSQL caps a NOTIFY payload at 8,000 bytes; stay well under it.
MAX_PAYLOAD = 7_500


def chunk_payloads(brand_id: int, new_ids: list[int], changed_ids: list[int]) -> list[str]:
    """JSON payloads {"brand", "new", "changed"} each under the NOTIFY cap."""
    payloads: list[str] = []
    body: dict[str, Any] = {"brand": brand_id, "new": [], "changed": []}
    size = len(json.dumps(body))
    for kind, ids in (("new", new_ids), ("changed", changed_ids)):
        for item_id in ids:
            cost = len(str(item_id)) + 1
            if size + cost > MAX_PAYLOAD:
                payloads.append(json.dumps(body, separators=(",", ":")))
                body = {"brand": brand_id, "new": [], "changed": []}
                size = len(json.dumps(body))
            body[kind].append(item_id)
            size += cost
    if body["new"] or body["changed"]:
        payloads.append(json.dumps(body, separators=(",", ":")))
    return payloads


async def notify_items(conn: asyncpg.Connection, brand_id: int, new_ids: list[int], changed_ids: list[int]) -> None:
    """Queue the notifications; PostgreSQL delivers them when the transaction commits."""
    for payload in chunk_payloads(brand_id, new_ids, changed_ids):
        await conn.execute("select pg_notify($1, $2)", ITEMS_CHANNEL, payload)


async def notify(conn: asyncpg.Connection, channel: str, payload: dict[str, Any]) -> None:
    """Send one small JSON notification (delivered at commit when inside a transaction)."""
    await conn.execute("select pg_notify($1, $2)", channel, json.dumps(payload, separators=(",", ":")))
