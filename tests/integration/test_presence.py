"""Presence over real websockets (issue 15, item 7): a newcomer is told at once who is already
on which item, changes reach colleagues of the brand and nobody else, leaving (another item, a
closed socket, a dead process) is said, and the heartbeat keeps and sweeps the rows."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from web_app import LiveServer, ingest, login, seed

from inbox import presence
from web.presence import Keeper


class Socket:
    """A member's websocket that keeps every message (frames carry several)."""

    def __init__(self, ws: Any) -> None:
        self.ws, self.seen, self._pending = ws, [], []

    async def next(self, predicate: Any, timeout: float = 5.0) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                while self._pending:
                    message = self._pending.pop(0)
                    if predicate(message):
                        return message
                batch = json.loads(await self.ws.recv())
                self.seen.extend(batch)
                self._pending.extend(batch)

    async def drain(self, seconds: float = 0.5) -> None:
        """Read whatever arrives for a moment (for checking what never came)."""
        try:
            await self.next(lambda m: False, timeout=seconds)
        except TimeoutError:
            pass

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))


async def _socket(server: LiveServer, email: str) -> Socket:
    import httpx

    async with httpx.AsyncClient(base_url=server.url) as client:
        await login(client, email)
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    ws = await websockets.connect(server.url.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie}, origin=server.url)
    sock = Socket(ws)
    await sock.next(lambda m: m["t"] == "hello")
    return sock


def _presence(what: str, item: int, by: str):
    return lambda m: m["t"] == "presence" and (m["what"], m["item"], m["name"]) == (what, item, by)


async def test_presence_both_ways_left_and_never_to_another_brand(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        first = await ingest(conn, ids["brand_a"], ids["account_a"], "Avez-vous du pain sans gluten?")
        second = await ingest(conn, ids["brand_a"], ids["account_a"], "Ouvert dimanche?")
    with LiveServer(db_dsn) as server:
        agent = await _socket(server, "agent@a.test")
        other_brand = await _socket(server, "owner@b.test")
        await agent.send({"t": "view", "item": first})
        # The owner arrives afterwards: the snapshot right after hello names the agent.
        owner = await _socket(server, "owner@a.test")
        snapshot = await owner.next(lambda m: m["t"] == "present")
        assert [(p["item"], p["name"], p["what"]) for p in snapshot["people"]] == [(first, "Alain Agent", "viewing")]
        assert isinstance(snapshot["at"], float)
        # The owner opens it too: the agent is told (the other way).
        await owner.send({"t": "view", "item": first})
        seen = await agent.next(_presence("viewing", first, "Odile Owner"))
        assert seen["user"] == ids["owner_a"]
        assert seen["at"] >= snapshot["at"]
        await agent.send({"t": "typing", "item": first})
        await owner.next(_presence("typing", first, "Alain Agent"))
        # Opening another item leaves the first.
        await agent.send({"t": "view", "item": second})
        await owner.next(_presence("left", first, "Alain Agent"))
        await owner.next(_presence("viewing", second, "Alain Agent"))
        # Saying "left" of the item it is on; then a closed socket leaves too.
        await owner.send({"t": "left", "item": first})
        await agent.next(_presence("left", first, "Odile Owner"))
        await agent.ws.close()
        await owner.next(_presence("left", second, "Alain Agent"))
        # Another brand's member naming brand A's item: nothing recorded, nothing said.
        await other_brand.send({"t": "view", "item": first})
        await owner.drain()
        assert not [m for m in owner.seen if m["t"] == "presence" and m["user"] == ids["owner_b"]]
        async with pool.acquire() as conn:
            assert await conn.fetchval("select count(*) from presence where user_id = $1", ids["owner_b"]) == 0
        # A process that died leaves rows nobody refreshes: the sweep says they left, to brand A only.
        async with pool.acquire() as conn:
            await conn.execute("insert into presence (conn, brand_id, item_id, user_id, name, what, seen_at)"
                               " values ('dead', $1, $2, $3, 'Agnès Agence', 'viewing', now() - interval '1 minute')",
                               ids["brand_a"], first, ids["agency"])
            assert await presence.sweep(conn, 10) == 1
        gone = await owner.next(_presence("left", first, "Agnès Agence"))
        assert gone["conn"] == "dead"
        # Brand B heard nothing of brand A's presence, ever.
        await other_brand.drain()
        leaked = [m for m in other_brand.seen if m["t"] in ("presence", "present") and (m.get("people") or m["t"] == "presence")]
        assert leaked == [], leaked
        for sock in (owner, other_brand):
            await sock.ws.close()


class FakeClient:
    def __init__(self, conn_id: str, brand_id: int, user_id: int, viewing: int | None) -> None:
        self.id, self.brand_id, self.user_id, self.name, self.only, self.viewing = conn_id, brand_id, user_id, "Alain Agent", None, viewing
        self.sent: list[dict[str, Any]] = []

    def offer(self, message: bytes) -> None:
        self.sent.append(json.loads(message))


async def test_heartbeat_keeps_live_rows_sweeps_dead_ones_and_sends_each_brand_its_own(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour")
        b_item = await ingest(conn, ids["brand_b"], ids["account_b"], "Hello", lang="en")
        # This process's socket, its row gone stale (a stalled loop), and a dead process's row.
        assert await presence.here(conn, "live", ids["brand_a"], item, ids["agent_a"], "Alain Agent", "typing")
        assert await presence.here(conn, "dead", ids["brand_b"], b_item, ids["owner_b"], "Bob Owner", "viewing")
        assert not await presence.here(conn, "spy", ids["brand_b"], item, ids["owner_b"], "Bob Owner", "viewing")
        await conn.execute("update presence set seen_at = now() - interval '1 minute', changed_at = now() - interval '1 minute'")
    mine = FakeClient("live", ids["brand_a"], ids["agent_a"], item)
    watcher_b = FakeClient("b", ids["brand_b"], ids["owner_b"], None)
    keeper = Keeper(pool, {ids["brand_a"]: [mine], ids["brand_b"]: [watcher_b]}, stale=10)
    await keeper.beat_once()
    async with pool.acquire() as conn:
        rows = {r["conn"]: r for r in await conn.fetch("select * from presence")}
    assert set(rows) == {"live"}  # the dead row swept; ours kept (said again when swept)
    # Each brand's snapshot holds its own people only; the stale typing reads as viewing.
    assert [(p["conn"], p["what"]) for p in mine.sent[-1]["people"]] == [("live", "viewing")]
    assert watcher_b.sent == []  # nobody on B's items (the sweep's "left" goes out through NOTIFY): no frame
    async with pool.acquire() as conn:
        assert await presence.here(conn, "bob", ids["brand_b"], b_item, ids["owner_b"], "Bob Owner", "viewing")
    await keeper.beat_once()
    assert [p["conn"] for p in watcher_b.sent[-1]["people"]] == ["bob"]
    assert "bob" not in [p["conn"] for p in mine.sent[-1]["people"]]
    async with pool.acquire() as conn:
        assert await presence.gone(conn, "bob")
    await keeper.beat_once()
    assert watcher_b.sent[-1]["people"] == []  # someone was there at the last beat: told it is empty now
    await keeper.beat_once()
    assert len(watcher_b.sent) == 2  # and then nothing more while nobody is there
