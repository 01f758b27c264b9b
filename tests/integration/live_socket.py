"""A logged-in member's live websocket on a real server, and waiting for one of its messages
(the tests of the banner, the connection alerts and the live stream share them)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import websockets
from web_app import LiveServer, login


async def live_socket(server: LiveServer, email: str, query: str = "") -> Any:
    """The member's websocket, past its hello."""
    client = httpx.AsyncClient(base_url=server.url)
    await login(client, email)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    await client.aclose()
    ws = await websockets.connect(server.url.replace("http", "ws") + "/ws" + query,
                                  additional_headers={"Cookie": cookie}, origin=server.url)
    await next_message(ws, lambda m: m["t"] == "hello")
    return ws


async def next_message(ws: Any, predicate: Any, timeout: float = 5.0) -> Any:
    """The next message the predicate accepts (frames carry lists of messages)."""
    async with asyncio.timeout(timeout):
        while True:
            for message in json.loads(await ws.recv()):
                if predicate(message):
                    return message
