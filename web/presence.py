"""A web process's side of presence: what its websockets say they look at, the heartbeat that
keeps their rows alive, the sweep of rows whose process stopped beating, and the snapshots of
who is where that every browser gets on connecting and then on each beat.

Changes travel at once (the presence NOTIFY channel); the snapshots are what lets a newcomer
see colleagues already on an item, and what heals a browser that missed a change.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

import asyncpg

from inbox import presence

log = logging.getLogger(__name__)
BEAT_SECONDS = 3.0
# A row not refreshed for this long belongs to a process that died or lost the database.
STALE_SECONDS = 10.0
KINDS = {"view": "viewing", "typing": "typing"}


class Present(Protocol):
    """What presence needs of a websocket client (web.live.Client)."""

    id: str
    brand_id: int
    user_id: int
    name: str
    only: str | None
    viewing: int | None

    def offer(self, message: bytes) -> None: ...


def _encode(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


def snapshot_message(at: float, rows: Iterable[Any]) -> bytes:
    """{"t": "present", "at", "people"}: everyone on the brand's items at `at` (ms)."""
    return _encode({"t": "present", "at": at, "people": [presence.as_json(r) for r in rows]})


class Keeper:
    """Presence for the hub's clients (grouped by brand, the hub's own dict)."""

    def __init__(self, pool: asyncpg.Pool, clients: Mapping[int, Iterable[Present]], *,
                 beat: float = BEAT_SECONDS, stale: float = STALE_SECONDS) -> None:
        self.pool, self.clients, self.beat, self.stale = pool, clients, beat, stale
        self._shown: set[int] = set()  # brands whose last snapshot had someone in it
        self._failing = False

    async def said(self, client: Present, what: str, item_id: int) -> None:
        """The browser's {"t": "view"|"typing"|"left", "item"}: record it and tell the brand."""
        async with self.pool.acquire() as conn, conn.transaction():
            if what == "left":
                if client.viewing == item_id:
                    await presence.gone(conn, client.id)
                    client.viewing = None
                return
            if client.viewing is not None and client.viewing != item_id:
                await presence.gone(conn, client.id)  # opening another item leaves the last one
            found = await presence.here(conn, client.id, client.brand_id, item_id, client.user_id, client.name, KINDS[what])
            client.viewing = item_id if found else None  # another brand's item: nothing recorded, nothing said

    async def left(self, client: Present) -> None:
        """The socket closed: whatever it was on, it left."""
        if client.viewing is not None:
            async with self.pool.acquire() as conn:
                await presence.gone(conn, client.id)
            client.viewing = None

    async def snapshot(self, brand_id: int) -> bytes:
        """The brand's presence now, for a browser that just connected."""
        async with self.pool.acquire() as conn:
            at, rows = await presence.of_brands(conn, [brand_id])
        return snapshot_message(at, rows)

    async def run(self) -> None:
        """Beat until cancelled; a failing database is logged once, and once when it is back."""
        while True:
            await asyncio.sleep(self.beat)
            try:
                await self.beat_once()
            except Exception:
                if not self._failing:
                    log.exception("presence: heartbeat failed")
                self._failing = True
            else:
                if self._failing:
                    log.info("presence: heartbeat works again")
                self._failing = False

    async def beat_once(self) -> None:
        """Refresh this process's rows, sweep dead ones, send each brand's snapshot."""
        groups = {brand: list(group) for brand, group in self.clients.items()}
        mine = [c for group in groups.values() for c in group if c.viewing is not None]
        async with self.pool.acquire() as conn:
            if mine:
                alive = await presence.refresh(conn, [c.id for c in mine])
                for client in mine:
                    if client.id not in alive and client.viewing is not None:  # swept while this process stalled
                        await presence.here(conn, client.id, client.brand_id, client.viewing, client.user_id, client.name, "viewing")
            await presence.sweep(conn, self.stale)
            at, rows = await presence.of_brands(conn, sorted(groups))
        per_brand: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            per_brand[row["brand_id"]].append(row)
        # Brands where nobody is on anything (and nobody was) get nothing: no frame every beat.
        for brand, group in groups.items():
            if not per_brand.get(brand) and brand not in self._shown:
                continue
            message = snapshot_message(at, per_brand.get(brand, []))
            for client in group:
                if client.only is None:
                    client.offer(message)
        self._shown = {brand for brand in per_brand if brand in groups}
