"""Presence latency: from one member's websocket saying "view"/"typing"/"left" to a colleague's
websocket receiving it, and from a newcomer's websocket connecting to its snapshot of who is already on
which item, on a real uvicorn server and PostgreSQL. Prints one JSON object (milliseconds).

    python bench/presence.py [--runs 200]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "integration"))

import httpx
import websockets
from _db import bench_database
from web_app import LiveServer, ingest, login, seed

from inbox import db


async def _cookie(server: LiveServer, email: str) -> str:
    async with httpx.AsyncClient(base_url=server.url) as client:
        await login(client, email)
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def _socket(server: LiveServer, cookie: str) -> Any:
    return await websockets.connect(server.url.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie}, origin=server.url)


async def _until(ws: Any, predicate: Any) -> None:
    async with asyncio.timeout(10):
        while True:
            if any(predicate(m) for m in json.loads(await ws.recv())):
                return


def _figures(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {"runs": len(values), "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[int(len(ordered) * 0.95) - 1], 2), "max": round(ordered[-1], 2)}


async def main(runs: int) -> None:
    async with bench_database() as dsn:
        pool = await db.create_pool(dsn, min_size=1, max_size=4)
        async with pool.acquire() as conn:
            ids = await seed(conn)
            items = [await ingest(conn, ids["brand_a"], ids["account_a"], f"Commentaire {n}") for n in range(2)]
        with LiveServer(dsn) as server:
            owner_cookie = await _cookie(server, "owner@a.test")
            agent, owner = await _socket(server, await _cookie(server, "agent@a.test")), await _socket(server, owner_cookie)
            for ws in (agent, owner):
                await _until(ws, lambda m: m["t"] == "hello")
            said: dict[str, list[float]] = {"view": [], "typing": [], "left": []}
            for n in range(runs):
                item = items[n % 2]
                for what, heard in (("view", "viewing"), ("typing", "typing"), ("left", "left")):
                    began = time.perf_counter()
                    await agent.send(json.dumps({"t": what, "item": item}))
                    await _until(owner, lambda m, h=heard, i=item: m["t"] == "presence" and m["what"] == h and m["item"] == i)
                    said[what].append((time.perf_counter() - began) * 1000)
            await agent.send(json.dumps({"t": "view", "item": items[0]}))
            await _until(owner, lambda m: m["t"] == "presence" and m["what"] == "viewing")
            snapshots = []
            for _ in range(max(10, runs // 10)):
                began = time.perf_counter()
                newcomer = await _socket(server, owner_cookie)  # a second tab: logged in already
                await _until(newcomer, lambda m: m["t"] == "present" and m["people"])
                snapshots.append((time.perf_counter() - began) * 1000)
                await newcomer.close()
            for ws in (agent, owner):
                await ws.close()
        await pool.close()
    print(json.dumps({**{f"{k}_ms": _figures(v) for k, v in said.items()},
                      "newcomer_connect_to_snapshot_ms": _figures(snapshots)}, indent=1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    asyncio.run(main(parser.parse_args().runs))
