"""Security plumbing: URL validation, headers on every kind of response, signed webhooks
mounted CSRF-exempt, and the websocket's brand boundary across two web processes."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from web_app import SECRET, LiveServer, client_for, ingest, login, seed

from inbox.credentials import Vault
from web.app import create_app
from web.security import safe_url, same_origin
from web.settings import Settings


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "vbscript:msgbox", "//evil.example/x", "/relative",
    "https://user:pw@example.com/", 'https://example.com/"onmouseover="x', "https://exa mple.com", "http://",
    "https://example.com/\u0085x", None, 42, "x" * 3000,
])
def test_unsafe_urls_are_dropped(url) -> None:
    assert safe_url(url) is None


def test_websocket_origin_is_scheme_host_and_port() -> None:
    assert same_origin("http://inbox.test:8000", "inbox.test:8000")
    assert same_origin("https://inbox.test", "inbox.test", scheme="https")
    assert same_origin("https://inbox.test:443", "inbox.test", scheme="https")  # default port spelled out
    assert same_origin("https://inbox.example", "10.0.0.5:8000", also=("https://inbox.example",))  # behind a proxy
    for origin, host, scheme in [("https://inbox.test:8000", "inbox.test:8000", "http"),
                                 ("http://inbox.test", "inbox.test", "https"), ("http://inbox.test:8001", "inbox.test:8000", "http"),
                                 ("http://evil.test", "inbox.test", "http"), ("null", "inbox.test", "http"), (None, "inbox.test", "http"),
                                 ("http://inbox.test:99999", "inbox.test:99999", "http")]:
        assert not same_origin(origin, host, scheme=scheme), (origin, host, scheme)


def test_plain_links_are_kept() -> None:
    assert safe_url("https://www.facebook.com/123_456?comment_id=9") == "https://www.facebook.com/123_456?comment_id=9"
    assert safe_url("http://127.0.0.1:8080/p/1") == "http://127.0.0.1:8080/p/1"


def test_other_schemes_only_when_asked() -> None:
    mail = ("imap", "imaps")
    assert safe_url("imaps://imap.example.com:993", mail) == "imaps://imap.example.com:993"
    assert safe_url("imaps://imap.example.com:993") is None  # http(s) unless told
    for url in ("javascript:alert(1)", "data:,x", "https://imap.example.com", "imaps://", "imaps://u:p@h", "imap://h:0x1"):
        assert safe_url(url, mail) is None, url


async def test_headers_and_signed_webhooks_exempt_from_csrf(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)

    async def webhook(request: Request) -> JSONResponse:
        return JSONResponse({"got": (await request.body()).decode()})

    app = create_app(Settings(secret_key=SECRET), pool, Vault(SECRET), dsn=db_dsn,
                     extra_routes=[Route("/webhooks/meta", webhook, methods=["POST"])])
    async with client_for(app) as client:
        hook = await client.post("/webhooks/meta", content=b'{"entry": []}')
        assert hook.status_code == 200 and hook.json() == {"got": '{"entry": []}'}
        for path in ("/login", "/static/app.js", "/api/items"):
            response = await client.get(path)
            csp = response.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["x-frame-options"] == "DENY"
        assert (await client.post("/api/bulk", json={})).status_code == 403  # everything else still needs CSRF


async def test_two_web_processes_stay_in_step(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as one, LiveServer(db_dsn) as two:
        sockets = []
        for server, email in ((one, "agent@a.test"), (two, "owner@a.test"), (two, "owner@b.test")):
            async with httpx.AsyncClient(base_url=server.url) as client:
                await login(client, email)
                cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
            ws = await websockets.connect(server.url.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie}, origin=server.url)
            sockets.append(ws)
        agent, owner, other_brand = sockets

        async def until(ws, predicate):
            async with asyncio.timeout(5):
                while True:
                    for m in json.loads(await ws.recv()):
                        if predicate(m):
                            return m

        for ws in sockets:
            await until(ws, lambda m: m["t"] == "hello")
        async with pool.acquire() as conn:
            item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour les deux serveurs")
        for ws in (agent, owner):
            await until(ws, lambda m: m["t"] == "items" and m["items"][0]["id"] == item)
        await agent.send(json.dumps({"t": "typing", "item": item}))
        seen = await until(owner, lambda m: m["t"] == "presence")
        assert (seen["name"], seen["what"]) == ("Alain Agent", "typing")
        async with pool.acquire() as conn:
            b_item = await ingest(conn, ids["brand_b"], ids["account_b"], "Only for B", lang="en")
        first = await until(other_brand, lambda m: m["t"] in ("items", "presence"))
        assert first["t"] == "items" and [i["id"] for i in first["items"]] == [b_item]
        for ws in sockets:
            await ws.close()
