"""Real receivers for alert tests: an aiosmtpd SMTP server and an aiohttp webhook on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller

from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem


def free_port() -> int:
    """A loopback port nobody listens on (for 'unreachable' cases too)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Collect:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 collecting every message it accepts."""

    def __init__(self) -> None:
        self.handler = _Collect()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.controller.stop()


class WebhookReceiver:
    """An HTTP endpoint recording raw bodies and headers; `mode` is 'ok', 'fail' (500) or 'hang'."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.mode = "ok"
        self.release = asyncio.Event()
        self.port = free_port()
        self.runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append((dict(request.headers), body))
        if self.mode == "fail":
            return web.Response(status=500, text="boom")
        if self.mode == "hang":
            await self.release.wait()
        return web.Response(text="ok")

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]

    async def __aenter__(self) -> WebhookReceiver:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self.release.set()
        assert self.runner is not None
        await self.runner.cleanup()


class Clock:
    """Real time plus an offset the test moves forward (leases, cooldowns, backoff)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.base = start or datetime.now(timezone.utc)
        self.started = datetime.now(timezone.utc)
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self.base + (datetime.now(timezone.utc) - self.started) + self.offset

    def advance(self, **kwargs: float) -> None:
        self.offset += timedelta(**kwargs)


def negative(external_id: str, *, created_at: datetime, thread: str = "post-1", priority: int = 80,
             reasons: list[str] | None = None, followers: int = 10, body: str = "Service horrible, attente interminable",
             analyzed: bool = True, sentiment: str = "negative") -> NewItem:
    """A comment as the NLP stage would hand it over (analysis None: not analysed yet)."""
    return NewItem(
        platform="facebook", external_id=external_id, kind="comment", body=body, created_at=created_at,
        author=Author(external_id=f"au-{external_id}", name=f"Client {external_id}", followers=followers),
        parent_external_id=thread, thread_external_id=thread,
        analysis=Analysis(lang="fr", lang_confidence=0.99, sentiment=sentiment, polarity=-0.6 if sentiment == "negative" else 0.0,
                          priority=priority, reasons=reasons if reasons is not None else ["negative"]) if analyzed else None,
    )


async def ingest(pool: Any, brand: dict, items: list[NewItem], now: datetime) -> list[int]:
    """Store items through the real ingest path (NOTIFY included); their new ids."""
    async with pool.acquire() as conn:
        result = await ingest_batch(conn, brand_id=brand["brand_id"], account_id=brand["account_id"], items=items, now=now)
    return result.new_ids


async def configure(pool: Any, brand_id: int, **settings: Any) -> None:
    """Set alert channels on the brand (alert_emails, webhook_url, webhook_secret)."""
    await pool.execute("update brands set settings = settings || $2::jsonb where id = $1", brand_id, settings)


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    """Poll a condition on the real clock (receivers live on other tasks/threads)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)
