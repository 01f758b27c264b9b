"""What the poller, outbox and worker tests share: a settable clock, a real WordPress emulator on
loopback that records overlapping requests, and an account pointing at it. The `vault` and `site`
fixtures built on them are in conftest.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from aiohttp import web

from emulators.base import serve
from emulators.wordpress import DEMO_ACCOUNT, WordPressEmulator
from inbox.accounts import add_account
from inbox.credentials import Vault

PLATFORM = "wordpress"
SECRET = "test-secret-key"


class Clock:
    """A clock the test moves by hand (house rule 5): starts a little after the real time (so rows
    the database stamped with now() are already due), never ticks alone."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC) + timedelta(seconds=5)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def to(self, when: datetime) -> datetime:
        self.now = max(self.now, when)
        return self.now


@dataclass
class Site:
    """One emulated site on loopback, with the overlap bookkeeping of its API requests."""

    emulator: WordPressEmulator
    base: str
    in_flight: int = 0
    max_in_flight: int = 0
    api_requests: int = 0
    delay: float = 0.0
    slow_methods: tuple[str, ...] = ("GET", "POST")
    log: list[str] = field(default_factory=list)
    failing: set[int] = field(default_factory=set)  # numbers of the API requests answered 500 (1 = the first)

    def comments(self, count: int, *, start: datetime | None = None, prefix: str = "commentaire") -> list[str]:
        """Inject `count` comments one second apart (oldest first); return their ids."""
        start = start or datetime.now(UTC) - timedelta(minutes=5)
        return [
            self.emulator.inject(
                {"kind": "comment", "text": f"{prefix} {i}", "author_name": f"Client {i}",
                 "created_at": (start + timedelta(seconds=i)).isoformat()}
            )["external_id"]
            for i in range(count)
        ]


@asynccontextmanager
async def running_site(delay: float = 0.0) -> AsyncIterator[Site]:
    """A WordPress emulator served on loopback; `delay` widens each API request (overlap tests)."""
    emulator = WordPressEmulator()
    app = emulator.create_app()
    site = Site(emulator=emulator, base="", delay=delay)

    @web.middleware
    async def overlap(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith("/_control"):
            return await handler(request)
        site.in_flight += 1
        site.api_requests += 1
        site.max_in_flight = max(site.max_in_flight, site.in_flight)
        site.log.append(f"{request.method} {request.path_qs}")
        try:
            if site.api_requests in site.failing:
                return web.json_response({"code": "internal_server_error", "message": "boom"}, status=500)
            response = await handler(request)
            # The platform did the work; its answer is late (a timeout after the request left).
            if site.delay and request.method in site.slow_methods:
                await asyncio.sleep(site.delay)
            return response
        finally:
            site.in_flight -= 1

    app.middlewares.insert(0, overlap)
    runner, base = await serve(app)
    site.base = base
    try:
        yield site
    finally:
        await runner.cleanup()


async def wordpress_account(
    conn: asyncpg.Connection, vault: Vault, brand_id: int, site: Site, *, external_id: str | None = None,
    poll_interval_seconds: int = 60, password: str | None = None,
) -> int:
    """Connect the brand to the emulated site; return the account id."""
    credentials = dict(DEMO_ACCOUNT["credentials"])
    if password is not None:
        credentials["application_password"] = password
    return await add_account(
        conn, vault, brand_id=brand_id, platform=PLATFORM, name="Blogue",
        external_id=external_id or DEMO_ACCOUNT["external_id"], base_url=site.base,
        credentials=credentials, settings=dict(DEMO_ACCOUNT["settings"]),
        poll_interval_seconds=poll_interval_seconds,
    )


async def new_brand(conn: asyncpg.Connection, slug: str = "boulangerie") -> int:
    """A brand of its own (the conftest `brand` fixture brings an account these tests do not use)."""
    return await conn.fetchval("insert into brands (slug, name) values ($1, $1) returning id", slug)
