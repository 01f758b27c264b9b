"""Memory exhaustion by an anonymous request: bodies are bounded while they stream in, on every
route, behind a real uvicorn. A huge unsigned POST to Meta's webhook is refused with 413 after the
server read at most the limit, whether it declares its length or streams it chunked."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from receivers import free_port

from inbox.credentials import Vault
from web.app import create_app
from web.body_limit import MAX_BODY
from web.settings import Settings
from web.webhooks import meta_routes

HUGE = 600 * 2**20  # what the attacker claims or means to send
CHUNK = 64 * 2**10
# The client gives up sending past this: enough to show the server stopped reading long before.
CLIENT_CAP = 32 * 2**20


class ReadMeter:
    """Outermost ASGI layer: counts the body bytes the application actually pulled, per request."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.read: list[int] = []
        self.last: list[int] = []  # the size of the last message pulled (the one that crossed the limit)

    def stopped_at_limit(self) -> bool:
        """True when every request's body was pulled no further than the message crossing the limit."""
        return bool(self.read) and all(total - last <= MAX_BODY for total, last in zip(self.read, self.last))

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        index = len(self.read)
        self.read.append(0)
        self.last.append(0)

        async def metered() -> Any:
            message = await receive()
            self.read[index] += len(message.get("body", b""))
            self.last[index] = len(message.get("body", b""))
            return message

        await self.app(scope, metered, send)


@pytest.fixture
async def server(pool, db_dsn) -> AsyncIterator[tuple[int, ReadMeter]]:
    vault = Vault("k")
    app = create_app(Settings(secret_key="k", meta_app_secret="s"), pool, vault, dsn=db_dsn,
                     extra_routes=meta_routes(pool, app_secret="s", verify_token="t", vault=vault))
    meter = ReadMeter(app)
    port = free_port()
    uv = uvicorn.Server(uvicorn.Config(meter, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    task = asyncio.create_task(uv.serve())
    while not uv.started:
        await asyncio.sleep(0.01)
    yield port, meter
    uv.should_exit = True
    await task


async def send_huge(port: int, path: str, *, chunked: bool, content_type: str = "application/json") -> tuple[int, int]:
    """POST a (claimed) 600 MiB body; the HTTP status the server answered and the bytes we sent."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {HUGE}"
    writer.write(f"POST {path} HTTP/1.1\r\nHost: test\r\nContent-Type: {content_type}\r\n{framing}\r\n\r\n".encode())
    sent = 0

    async def pour() -> None:
        nonlocal sent
        block = b"x" * CHUNK
        with contextlib.suppress(ConnectionError):
            while sent < CLIENT_CAP:
                writer.write(f"{CHUNK:x}\r\n".encode() + block + b"\r\n" if chunked else block)
                await writer.drain()
                sent += CHUNK

    pouring = asyncio.create_task(pour())
    try:
        status_line = await asyncio.wait_for(reader.readline(), timeout=60)
    finally:
        pouring.cancel()
        await asyncio.gather(pouring, return_exceptions=True)
        writer.close()
    return int(status_line.split()[1]) if status_line else 0, sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_huge_unsigned_webhook_post_is_refused_after_at_most_the_limit(server, chunked) -> None:
    port, meter = server
    status, _ = await send_huge(port, "/webhooks/meta", chunked=chunked)
    assert status == 413
    assert meter.stopped_at_limit()


@pytest.mark.parametrize(("path", "content_type"), [
    ("/login", "application/x-www-form-urlencoded"),
    ("/api/items/1/replies", "application/json"),
    ("/settings/accounts", "multipart/form-data; boundary=x"),
])
async def test_every_route_bounds_its_body(server, path, content_type) -> None:
    port, meter = server
    status, _ = await send_huge(port, path, chunked=True, content_type=content_type)
    # 413, or refused before the body mattered (anonymous, no CSRF token): never read whole.
    assert status in (413, 403)
    assert meter.stopped_at_limit()
