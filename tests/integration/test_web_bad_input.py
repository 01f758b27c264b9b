"""Hand-made malformed requests on every JSON API route and the forms: each gets a 4xx with a
clear message (JSON {"error": ...} on /api/), never a 500, and nothing is stored half-way."""

from __future__ import annotations

import json
import re

import pytest
from web_app import client_for, csrf_of, ingest, login, make_app, seed

from web.openapi import PATHS

HUGE = "99999999999999999999"  # past 64 bits
BIG = str(2**63)  # one past PostgreSQL's bigint
KEY = "key-12345678"
DEEP = "[" * 100_000 + "]" * 100_000

# (method, path with {item} for a real item, JSON body or raw bytes or None)
CASES: list[tuple[str, str, object]] = [
    ("GET", f"/api/items/{HUGE}", None),
    ("GET", f"/api/items/{BIG}", None),
    ("GET", "/api/items/١٢", None),
    ("GET", "/api/items/%C2%B2", None),
    ("GET", "/api/items/-1", None),
    ("GET", f"/api/items/{HUGE}/saved-replies", None),
    ("GET", "/api/items?assignee=%C2%B2", None),
    ("GET", f"/api/items?assignee={HUGE}", None),
    ("GET", "/api/items?limit=%C2%B2", None),
    ("GET", "/api/items?tag=a%00b", None),
    ("GET", "/api/items?q=%00", None),
    ("GET", "/api/items?platform=%00", None),
    ("GET", "/api/items?from=2026-13-45", None),
    ("GET", "/api/items?to=9999-12-31", None),
    ("GET", "/api/items?from=%00", None),
    ("GET", "/api/items?after=garbage", None),
    ("GET", "/api/items?after=1_1e400_1", None),
    ("GET", f"/api/items?after=50_1700000000.0_{HUGE}", None),
    ("GET", f"/api/items?after={HUGE}_1700000000.0_1", None),
    ("GET", "/api/items/changes?since=%00", None),
    ("GET", "/api/items/changes?since=0001-01-01T00:00:00%2B14:00", None),
    ("GET", f"/api/items/changes?after=1_{HUGE}", None),
    ("GET", f"/api/items/changes?after={HUGE}{HUGE}_1", None),
    ("POST", "/api/items/{item}/notes", {"body": "a\u0000b"}),
    ("POST", "/api/items/{item}/notes", {"body": "\ud800"}),
    ("POST", "/api/items/{item}/notes", DEEP.encode()),
    ("POST", "/api/items/{item}/notes", b"not json"),
    ("POST", "/api/items/{item}/notes", b'{"body": NaN}'),
    ("POST", "/api/items/{item}/notes", b'{"body": "\xff"}'),
    ("POST", "/api/items/{item}/notes", b'{"body": "' + b"x" * 2_000_000 + b'"}'),
    ("POST", f"/api/items/{HUGE}/notes", {"body": "fine"}),
    ("POST", "/api/items/{item}/tag", {"name": "x\u0000"}),
    ("POST", "/api/items/{item}/tag", {"name": "\udfff"}),
    ("POST", "/api/items/{item}/status", {"status": "\u0000"}),
    ("POST", "/api/items/{item}/snooze", {"until": 12}),
    ("POST", "/api/items/{item}/snooze", {"until": "9999-12-31T23:59:59"}),
    ("POST", "/api/items/{item}/assign", {"user_id": int(HUGE)}),
    ("POST", "/api/items/{item}/assign", {"user_id": True}),
    ("POST", "/api/items/{item}/%00", {}),
    ("POST", "/api/bulk", {"ids": [int(HUGE)], "action": "status", "status": "done"}),
    ("POST", "/api/bulk", {"ids": [True], "action": "status", "status": "done"}),
    ("POST", "/api/bulk", {"ids": ["{item}"], "action": "tag", "name": "\u0000"}),
    ("POST", "/api/bulk", []),
    ("POST", "/api/bulk/undo", {"token": 12}),
    ("POST", "/api/bulk/undo", {"token": "a\u0000" * 20}),
    ("POST", "/api/bulk/undo", {"token": "x" * 43}),
    ("POST", "/api/bulk/undo", []),
    ("POST", "/api/items/{item}/replies", {"body": "merci\u0000", "idempotency_key": KEY}),
    ("POST", "/api/items/{item}/replies", {"body": "\ud800", "idempotency_key": KEY}),
    ("POST", "/api/items/{item}/replies", {"body": "merci", "idempotency_key": "abcdefgh\u0000"}),
    ("POST", "/api/items/{item}/replies", {"body": "merci", "idempotency_key": KEY, "opened_at": "9999-12-31T23:59:59-23:59"}),
    ("POST", "/api/items/{item}/hide", {"idempotency_key": "\ud800abcdefgh"}),
    ("POST", "/api/items/{item}/unhide", {"idempotency_key": 12345678}),
    ("POST", f"/api/replies/{HUGE}/retry", None),
    ("POST", "/api/replies/١٢/retry", None),
    ("POST", "/api/items/{item}/correction", {"lang": ["fr"], "sentiment": {"a": 1}}),
    ("POST", "/api/push/subscriptions", {"endpoint": "https://push.test/\u0000", "keys": {"p256dh": "x", "auth": "y"}}),
    ("POST", "/api/push/subscriptions", {"endpoint": "https://push.test/a", "keys": ["p256dh"]}),
    ("POST", "/api/push/subscriptions", {"endpoint": 12, "keys": {}}),
    ("POST", "/api/push/unsubscribe", {"endpoint": "file:///etc/passwd"}),
]


async def _counts(conn) -> list[int]:
    return [await conn.fetchval(f"select count(*) from {table}") for table in ("notes", "tags", "item_tags", "replies")]


@pytest.mark.parametrize(("method", "path", "body"), CASES, ids=[f"{m} {p[:50]} {str(b)[:30]}" for m, p, b in CASES])
async def test_malformed_api_request_gets_a_4xx_and_stores_nothing(pool, db_dsn, method, path, body) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Le café était froid")
        before = await _counts(conn)
    app = make_app(pool, db_dsn)
    path = path.replace("{item}", str(item))
    if isinstance(body, dict):
        raw = json.dumps(body).replace('"{item}"', str(item)).encode()
    elif isinstance(body, bytes):
        raw = body
    else:
        raw = b"" if method == "POST" else None
    async with client_for(app) as client:
        csrf = await login(client, "owner@a.test")
        response = await client.request(method, path, content=raw,
                                        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    error = response.json()["error"]
    assert isinstance(error, str) and error.strip()
    async with pool.acquire() as conn:
        assert await _counts(conn) == before


def test_every_json_route_has_malformed_cases() -> None:
    paths = [p.split("?")[0] for _m, p, _b in CASES]
    for route in PATHS:
        if route not in ("/api/openapi.json", "/api/members", "/api/push/key"):  # they read no input
            pattern = re.compile(re.sub(r"\\{[a-z]+\\}", "[^/]+", re.escape(route)))
            assert any(pattern.fullmatch(p) for p in paths), route


FORMS: list[tuple[str, dict[str, str]]] = [
    ("/settings/saved-replies", {"lang": "fr", "title": "Merci\u0000", "body": "Merci!"}),
    (f"/settings/saved-replies/{HUGE}/delete", {}),
    ("/settings/saved-replies/١٢/delete", {}),
    ("/brand", {"brand_id": HUGE}),
    ("/brand", {"brand_id": "١"}),
    (f"/alerts/{HUGE}/read", {}),
    (f"/settings/alerts/rules/{HUGE}", {}),
    (f"/settings/accounts/{HUGE}", {"base_url": "https://example.com"}),
    ("/settings/alerts/channels", {"alert_emails": "a\u0000@b.test", "summary_hour": "8"}),
    ("/lang", {"lang": "fr", "next": "/\u0000"}),
]


@pytest.mark.parametrize(("path", "fields"), FORMS, ids=[f"{p} {f}"[:60] for p, f in FORMS])
async def test_malformed_form_gets_a_4xx_in_the_users_language(pool, db_dsn, path, fields) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
        before = await conn.fetchval("select count(*) from saved_replies")
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        csrf = await login(client, "owner@a.test")
        response = await client.post(path, data={**fields, "csrf": csrf})
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from saved_replies") == before
    if any("\x00" in value for value in fields.values()):
        assert "caractère" in response.text, response.text  # owner@a.test reads French


async def test_login_with_a_nul_in_the_email_is_refused_not_a_500(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        page = await client.get("/login")
        response = await client.post("/login", data={"email": "owner@a.test\u0000", "password": "x", "csrf": csrf_of(page.text)})
    assert response.status_code == 400


async def test_item_page_with_unicode_digits_goes_home(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        for raw in ("١٢", "%C2%B2", HUGE):
            response = await client.get(f"/items/{raw}")
            assert response.status_code == 303 and response.headers["location"] == "/"
