"""Presence: who has which item open or is typing a reply, per websocket, shared by every web
process through one unlogged table; each change is also NOTIFYed on the presence channel.

Every NOTIFY payload carries the brand read back from the row, never the one the caller
claims, and `at` (milliseconds, the database's clock) so a browser can tell a change from an
older snapshot of the brand's presence.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from inbox.db import Conn
from inbox.notify import PRESENCE_CHANNEL

# Typing shows for this long after the last keystroke report; then the person is only viewing.
TYPING_SECONDS = 6



def _notify(what: str, channel: str) -> str:
    """SQL telling the presence channel about each row `r` (a constant fragment, no values in it)."""
    return (f"pg_notify({channel}, json_build_object('brand', r.brand_id, 'item', r.item_id, 'user', r.user_id, "
            f"'name', r.name, 'what', {what}, 'conn', r.conn, 'at', round(extract(epoch from clock_timestamp()) * 1000))::text)")


_TELL_CHANGED = _notify("r.what", "$7")
_TELL_LEFT = _notify("'left'", "$2")


async def here(conn: Conn, conn_id: str, brand_id: int, item_id: int, user_id: int, name: str, what: str) -> bool:
    """Record that `conn_id` views (or types on) the brand's item and tell everyone; False, and
    nothing recorded nor said, when the item is not the brand's."""
    if what not in ("viewing", "typing"):
        raise ValueError(what)
    told = await conn.fetchval(
        f"""
        with r as (
            insert into presence as p (conn, brand_id, item_id, user_id, name, what)
            select $1, i.brand_id, i.id, $4, $5, $6 from items i where i.id = $3 and i.brand_id = $2
            on conflict (conn) do update set brand_id = excluded.brand_id, item_id = excluded.item_id, user_id = excluded.user_id,
                name = excluded.name, what = excluded.what, changed_at = clock_timestamp(), seen_at = clock_timestamp()
            returning p.*
        )
        select count({_TELL_CHANGED}) from r
        """,
        conn_id, brand_id, item_id, user_id, name, what, PRESENCE_CHANNEL,
    )
    return bool(told)


async def gone(conn: Conn, conn_id: str) -> bool:
    """Forget what `conn_id` was on and tell everyone it left; False when it was on nothing."""
    told = await conn.fetchval(
        f"with r as (delete from presence where conn = $1 returning *) select count({_TELL_LEFT}) from r",
        conn_id, PRESENCE_CHANNEL,
    )
    return bool(told)


async def refresh(conn: Conn, conn_ids: list[str]) -> set[str]:
    """The heartbeat of one process's open websockets; the ids that still had a row."""
    rows = await conn.fetch("update presence set seen_at = clock_timestamp() where conn = any($1::text[]) returning conn", conn_ids)
    return {r["conn"] for r in rows}


async def sweep(conn: Conn, stale_seconds: float) -> int:
    """Drop rows whose process stopped beating (killed, cut off) and tell everyone they left."""
    told = await conn.fetchval(
        f"""
        with r as (delete from presence where seen_at < clock_timestamp() - make_interval(secs => $1) returning *)
        select count({_TELL_LEFT}) from r
        """,
        stale_seconds, PRESENCE_CHANNEL,
    )
    return int(told or 0)


async def of_brands(conn: Conn, brand_ids: list[int]) -> tuple[float, list[asyncpg.Record]]:
    """Everyone present on the brands' items, and the moment read (ms, the database's clock)."""
    # The moment is read first: a change after it reaches the browser with a later `at` and wins.
    at = await conn.fetchval("select round(extract(epoch from clock_timestamp()) * 1000)::float8")
    rows = await conn.fetch(
        f"""
        select brand_id, conn, item_id as item, user_id as user, name,
               case when what = 'typing' and changed_at > clock_timestamp() - interval '{TYPING_SECONDS} seconds'
                    then 'typing' else 'viewing' end as what
        from presence where brand_id = any($1::bigint[]) order by brand_id, changed_at
        """,
        brand_ids,
    )
    return float(at), rows


def as_json(row: Any) -> dict[str, Any]:
    """One person's presence for the browser."""
    return {"conn": row["conn"], "item": row["item"], "user": row["user"], "name": row["name"], "what": row["what"]}
