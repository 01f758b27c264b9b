"""Live fan-out benchmark: items/s delivered to N websocket sessions and injection-to-receipt
latency at a steady rate, for the hub (JSON encoded once, coalesced frames, a queue per client)
beside a naive broadcaster (one send per client per item), measured in the same run.

Needs PostgreSQL: DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test); a scratch
database is created and dropped. Prints one JSON object.

    python bench/live.py [--sessions 100 500] [--items 2000] [--rate 2000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sys
import time
import types
import uuid
from datetime import UTC, datetime
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))

import asyncpg
import httpx
import websockets
from receivers import free_port
from web_app import login, make_app, seed

from inbox import db, migrate, queries
from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem
from web import api_json

_MARK = re.compile(rb"M(\d+)Z")


async def _naive_fan_out(self: Any, batch: list[tuple[str, dict[str, Any]]]) -> None:
    """The baseline: per item, per client, encode and await one send."""
    for _channel, data in batch:
        group = self.clients.get(data["brand"])
        ids = data.get("new", []) + data.get("changed", [])
        if not group or not ids:
            continue
        async with self.pool.acquire() as conn:
            rows = await queries.items_by_ids(conn, data["brand"], ids)
        for row in rows:
            for client in list(group):
                try:
                    await client.ws.send_json([{"t": "items", "items": [api_json.item(row, client.lang, client.tz)]}])
                except Exception:  # the client left mid-run (the bench closing it)
                    group.discard(client)


def _items(start: int, count: int) -> list[NewItem]:
    now = datetime.now(UTC)
    return [NewItem(platform="wordpress", external_id=f"b{uuid.uuid4().hex}", kind="comment",
                    body=f"Commentaire M{start + n}Z sur le service", created_at=now,
                    author=Author(external_id="bench", name="Client Banc"),
                    analysis=Analysis(lang="fr", sentiment="neutral", priority=40, reasons=["question"]))
            for n in range(count)]


class Session:
    """One websocket client; finds item markers with a regex (C speed), never parses JSON."""

    def __init__(self, ws: Any, track: bool) -> None:
        self.ws, self.track = ws, track
        self.seen: dict[int, float] = {}
        self.last = -1
        self.done = asyncio.Event()
        self.want = -1

    async def run(self) -> None:
        try:
            while True:
                frame = await self.ws.recv(decode=False)  # bytes: no UTF-8 decoding on the client side
                now = time.perf_counter()
                marks = [int(m) for m in _MARK.findall(frame)]
                if marks:
                    if self.track:
                        for n in marks:
                            self.seen.setdefault(n, now)
                    self.last = max(self.last, max(marks))
                if self.want >= 0 and self.last >= self.want:
                    self.done.set()
        except websockets.ConnectionClosed:
            pass


async def _connect(url: str, cookie: str, n: int, tracked: int) -> list[Session]:
    sessions = []
    for i in range(n):
        ws = await websockets.connect(url, additional_headers={"Cookie": cookie}, origin=url.replace("ws", "http").rsplit("/ws", 1)[0],
                                      max_size=None, compression=None)
        s = Session(ws, track=i < tracked)
        s.task = asyncio.create_task(s.run())  # type: ignore[attr-defined]
        sessions.append(s)
    await asyncio.sleep(0.5)
    return sessions


async def _close(sessions: list[Session]) -> None:
    for s in sessions:
        await s.ws.close()
        s.task.cancel()  # type: ignore[attr-defined]


async def _throughput(pool: asyncpg.Pool, brand: int, account: int, sessions: list[Session], start: int, count: int) -> float:
    for s in sessions:
        s.want = start + count - 1
        s.done.clear()
    began = time.perf_counter()
    async with pool.acquire() as conn:
        for at in range(start, start + count, 100):
            await ingest_batch(conn, brand_id=brand, account_id=account, items=_items(at, min(100, start + count - at)))
    await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in sessions)), timeout=600)
    return count / (time.perf_counter() - began)


async def _latency(pool: asyncpg.Pool, brand: int, account: int, sessions: list[Session], start: int, rate: int, seconds: float) -> dict[str, float]:
    per_tick = max(1, rate // 100)
    sent: dict[int, float] = {}
    n = start
    async with pool.acquire() as conn:
        began = time.perf_counter()
        while time.perf_counter() - began < seconds:
            await ingest_batch(conn, brand_id=brand, account_id=account, items=_items(n, per_tick))
            committed = time.perf_counter()
            for k in range(n, n + per_tick):
                sent[k] = committed
            n += per_tick
            delay = began + (n - start) / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
    tracked = [s for s in sessions if s.track]
    for s in tracked:
        s.want = n - 1
    await asyncio.wait_for(asyncio.gather(*(s.done.wait() for s in tracked)), timeout=600)
    lat = sorted(s.seen[k] - sent[k] for s in tracked for k in sent if k in s.seen)
    achieved = (n - start) / seconds
    return {"p50_ms": round(lat[len(lat) // 2] * 1000, 1), "p99_ms": round(lat[int(len(lat) * 0.99)] * 1000, 1),
            "injected_items_per_s": round(achieved)}


async def _serve(dsn: str, port: int, naive: bool) -> None:
    """The server side, in its own process (as `jasette web` runs): no GIL shared with the clients."""
    import uvicorn

    pool = await db.create_pool(dsn, min_size=1, max_size=10)
    app = make_app(pool, dsn)
    if naive:
        app.state.hub._fan_out = types.MethodType(_naive_fan_out, app.state.hub)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", ws_per_message_deflate=False)
    await uvicorn.Server(config).serve()


class _Server:
    """`python bench/live.py --serve` in a child process, until the block ends."""

    def __init__(self, dsn: str, naive: bool) -> None:
        self.dsn, self.naive, self.port = dsn, naive, free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> _Server:
        cmd = [sys.executable, __file__, "--serve", self.dsn, str(self.port)] + (["--naive"] if self.naive else [])
        self.proc = await asyncio.create_subprocess_exec(*cmd)
        async with httpx.AsyncClient() as client:
            for _ in range(200):
                try:
                    if (await client.get(self.url + "/healthz")).status_code == 200:
                        await asyncio.sleep(0.5)  # the LISTEN connection comes up beside the HTTP server
                        return self
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
        raise RuntimeError("bench server did not start")

    async def __aexit__(self, *exc: Any) -> None:
        self.proc.terminate()
        await self.proc.wait()


async def _measure(dsn: str, ids: dict[str, int], pool: asyncpg.Pool, args: argparse.Namespace, naive: bool, counter: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with _Server(dsn, naive) as server:
        client = httpx.AsyncClient(base_url=server.url)
        await login(client, "agent@a.test")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        url = server.url.replace("http", "ws") + "/ws"
        for n in args.sessions:
            sessions = await _connect(url, cookie, n, tracked=min(10, n))
            count = args.naive_items if naive else args.items
            rate = await _throughput(pool, ids["brand_a"], ids["account_a"], sessions, counter[0], count)
            counter[0] += count
            out[f"items_per_s_{n}_sessions"] = round(rate)
            if n == args.sessions[0]:
                seconds = args.naive_seconds if naive else args.seconds
                out[f"latency_{n}_sessions_at_{args.rate}_per_s"] = await _latency(
                    pool, ids["brand_a"], ids["account_a"], sessions, counter[0], args.rate, seconds)
                counter[0] += args.rate * 10
            await _close(sessions)
        await client.aclose()
    return out


async def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        await _serve(sys.argv[2], int(sys.argv[3]), "--naive" in sys.argv)
        return
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--naive-items", type=int, default=300)
    parser.add_argument("--rate", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--naive-seconds", type=float, default=1.0)
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"jasette_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'create database "{name}"')
    dsn = db.with_database(server, name)
    try:
        conn = await db.connect(dsn)
        await migrate.migrate(conn)
        ids = await seed(conn)
        await conn.close()
        pool = await db.create_pool(dsn, min_size=1, max_size=4)
        counter = [0]
        optimised = await _measure(dsn, ids, pool, args, False, counter)
        naive = await _measure(dsn, ids, pool, args, True, counter)
        await pool.close()
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()
    result: dict[str, Any] = {"hub": optimised, "naive": naive}
    for n in args.sessions:
        key = f"items_per_s_{n}_sessions"
        result[f"speedup_{n}_sessions"] = round(optimised[key] / max(naive[key], 1), 1)
    result["note"] = ("server in a child process, clients in this one, PostgreSQL beside them: all on the same "
                      "2 shared cores; clients match item markers, never parse JSON")
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
