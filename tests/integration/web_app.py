"""What the web tests share: two brands with their people, log-in over HTTP, ingesting a
comment, and a real uvicorn server in a thread (its own event loop and pool) for websockets
and the browser."""

from __future__ import annotations

import asyncio
import re
import threading
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import uvicorn
from receivers import free_port

from inbox import db, users
from inbox.credentials import Vault
from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem
from web.app import create_app
from web.auth import hash_password
from web.settings import Settings

SECRET = "web-test-secret"
PASSWORD = "correct horse battery staple"
_HASH = hash_password(PASSWORD)  # argon2 is slow on purpose: hash once per run


async def seed(conn: asyncpg.Connection) -> dict[str, Any]:
    """Brand A (owner, agent), brand B (owner), an agency user on both; an account on each."""
    a = await users.create_brand(conn, "cafe-a", "Café A")
    b = await users.create_brand(conn, "boutique-b", "Boutique B", lang="en")
    ids = {"brand_a": a, "brand_b": b}
    for key, email, name, brand, role, lang in [
        ("owner_a", "owner@a.test", "Odile Owner", a, "owner", "fr"),
        ("agent_a", "agent@a.test", "Alain Agent", a, "agent", "fr"),
        ("owner_b", "owner@b.test", "Bob Owner", b, "owner", "en"),
        ("agency", "agency@x.test", "Agnès Agence", a, "agent", "fr"),
    ]:
        ids[key] = await users.create_user(conn, email, name, _HASH, lang)
        await users.add_membership(conn, ids[key], brand, role)
    await users.add_membership(conn, ids["agency"], b, "agent")
    for key, brand in (("account_a", a), ("account_b", b)):
        ids[key] = await conn.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'wordpress', $2, 'http://127.0.0.1:9') returning id",
            brand, f"site-{brand}")
    return ids


_counter = 0


async def ingest(conn: asyncpg.Connection, brand_id: int, account_id: int, body: str, *, author: str = "Marie Tremblay",
                 lang: str = "fr", sentiment: str = "neutral", priority: int = 50, reasons: list[str] | None = None,
                 url: str | None = None, author_url: str | None = None, platform: str = "wordpress",
                 created_at: datetime | None = None) -> int:
    """Store one analysed comment (NOTIFYing like the collectors do); its id."""
    global _counter
    _counter += 1
    item = NewItem(
        platform=platform, external_id=f"c-{_counter}-{id(body)}", kind="comment", body=body,
        created_at=created_at or datetime.now(UTC), url=url,
        author=Author(external_id=f"a-{author}", name=author, handle=author.split()[0].lower() if author.split() else "x",
                      followers=120, url=author_url),
        analysis=Analysis(lang=lang, lang_confidence=0.99, sentiment=sentiment, priority=priority,
                          reasons=reasons if reasons is not None else ["negative"]),
    )
    result = await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=[item])
    return (result.new_ids or result.changed_ids)[0]


def csrf_of(html: str) -> str:
    """The CSRF token a page carries in its meta tag."""
    match = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


async def login(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; the session's CSRF token for later API calls."""
    page = await client.get("/login")
    response = await client.post("/login", data={"email": email, "password": password, "csrf": csrf_of(page.text)})
    assert response.status_code == 303, response.text
    home = await client.get("/")
    assert home.status_code == 200
    return csrf_of(home.text)


def make_app(pool: asyncpg.Pool, dsn: str, **settings: Any) -> Any:
    """The app as `jasette web` builds it."""
    return create_app(Settings(secret_key=SECRET, **settings), pool, Vault(SECRET), dsn=dsn)


def client_for(app: Any, base_url: str = "http://testserver") -> httpx.AsyncClient:
    """An in-process HTTP client (no lifespan: HTTP routes need no live hub)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url, follow_redirects=False)


class LiveServer:
    """uvicorn serving the app in a thread with its own loop and pool, like `jasette web`."""

    def __init__(self, dsn: str, factory: Any = None, **settings: Any) -> None:
        self.dsn = dsn
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Links in e-mails (invitations, password resets) point at this server.
        self.settings = {"base_url": self.url, **settings}
        # factory(pool) -> app, for a server with an app of its own (the connect tests' applications)
        self.factory = factory or (lambda pool: make_app(pool, dsn, **self.settings))
        self._ready = threading.Event()
        self._server: uvicorn.Server | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.app: Any = None
        self.error: BaseException | None = None

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # surfaced by __enter__
            self.error = exc
            self._ready.set()

    async def _serve(self) -> None:
        pool = await db.create_pool(self.dsn, min_size=1, max_size=10)
        try:
            self.app = self.factory(pool)
            config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", ws_per_message_deflate=False)
            self._server = uvicorn.Server(config)
            serve = asyncio.create_task(self._server.serve())
            while not self._server.started and not serve.done():
                await asyncio.sleep(0.01)
            await self.app.state.hub.listening.wait()
            self._ready.set()
            await serve
        finally:
            self._ready.set()
            await pool.close()

    def __enter__(self) -> LiveServer:
        self._thread.start()
        assert self._ready.wait(20), "server did not start"
        if self.error is not None:
            raise RuntimeError("the web server failed to start") from self.error
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join(10)
