"""Web Push: the install's VAPID key made once, browsers subscribing through the API, and an
alert reaching a subscribed browser through a push service on loopback — encrypted for that
browser only, signed with the install's key — with dead subscriptions forgotten."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import http_ece
import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from receivers import free_port
from web_app import SECRET, client_for, ingest, login, make_app, seed

from inbox import netguard, push
from inbox.alerts.delivery import deliver_due
from inbox.alerts.evaluate import evaluate_brands
from inbox.credentials import Vault
from inbox.smtp import SmtpConfig


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Browser:
    """What a browser keeps for one subscription: its P-256 key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"
        self.p256dh = _b64(self.key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))

    def json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": _b64(self.auth)}}

    def read(self, body: bytes) -> dict[str, Any]:
        """Decrypt a push message as the browser does (RFC 8291, aes128gcm)."""
        data: dict[str, Any] = json.loads(http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"))
        return data


class PushService:
    """A push service on loopback: records what it receives; answers 201, or 410 once a browser is gone."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.gone: set[str] = set()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((request.path, {k.lower(): v for k, v in request.headers.items()}, await request.read()))
        return web.Response(status=410 if request.path in self.gone else 201)

    async def __aenter__(self) -> PushService:
        app = web.Application()
        app.router.add_post("/{name}", self._handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port).start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.runner.cleanup()


async def test_key_is_made_once_and_browsers_subscribe_through_the_api(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        assert (await client.get("/api/push/key")).status_code == 401
        token = await login(client, "agent@a.test")
        key = (await client.get("/api/push/key")).json()["public_key"]
        assert key == (await client.get("/api/push/key")).json()["public_key"]
        assert len(base64.urlsafe_b64decode(key + "=")) == 65  # an uncompressed P-256 point
        browser = Browser("https://push.example.net/send/abc")
        headers = {"X-CSRF-Token": token}
        assert (await client.post("/api/push/subscriptions", json=browser.json())).status_code == 403  # no CSRF token
        assert (await client.post("/api/push/subscriptions", json=browser.json(), headers=headers)).status_code == 201
        assert (await client.post("/api/push/subscriptions", json=browser.json(), headers=headers)).status_code == 201
        for bad in ({**browser.json(), "endpoint": "http://push.example.net/x"}, {**browser.json(), "endpoint": "javascript:alert(1)"},
                    {**browser.json(), "keys": {"p256dh": "short", "auth": _b64(browser.auth)}},
                    {**browser.json(), "keys": {"p256dh": browser.p256dh, "auth": "!!!"}}, {"endpoint": browser.endpoint}):
            response = await client.post("/api/push/subscriptions", json=bad, headers=headers)
            assert response.status_code == 400 and "notifications" in response.json()["error"], (bad, response.text)
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from web_push_keys") == 1
        rows = await conn.fetch("select user_id, endpoint from push_subscriptions")
        assert [(r["user_id"], r["endpoint"]) for r in rows] == [(ids["agent_a"], browser.endpoint)]
    async with client_for(app) as client:  # someone else cannot drop it; its owner can
        other = await login(client, "owner@b.test")
        answer = await client.post("/api/push/unsubscribe", json={"endpoint": browser.endpoint}, headers={"X-CSRF-Token": other})
        assert answer.json() == {"unsubscribed": False}
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        answer = await client.post("/api/push/unsubscribe", json={"endpoint": browser.endpoint}, headers={"X-CSRF-Token": token})
        assert answer.json() == {"unsubscribed": True}
    assert await pool.fetchval("select count(*) from push_subscriptions") == 0


async def test_alert_reaches_the_brands_browsers_encrypted_and_dead_ones_are_forgotten(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    async with PushService() as service:
        phone, laptop, other_brand = Browser(service.url("phone")), Browser(service.url("laptop")), Browser(service.url("b"))
        async with pool.acquire() as conn:
            for user, browser in ((ids["agent_a"], phone), (ids["owner_a"], laptop), (ids["owner_b"], other_brand)):
                await push.subscribe(conn, user, browser.endpoint, browser.p256dh, _b64(browser.auth))
            item = await ingest(conn, ids["brand_a"], ids["account_a"], "Il y avait du verre dans ma soupe", author="Nadia Roy",
                                sentiment="negative", priority=90, reasons=["very_negative", "urgent:safety"])
            public_key = (await push.keys(conn, Vault(SECRET))).public_key
        await evaluate_brands(pool, None, datetime.now(UTC))
        service.gone.add("/laptop")  # the owner's laptop dropped its subscription meanwhile
        policy = netguard.Policy.parse(f"127.0.0.1:{service.port}")
        async with netguard.client_session(policy) as session:
            outcomes = await deliver_due(pool, smtp=SmtpConfig(), base_url="https://jasette.cafe-a.test", now=datetime.now(UTC), session=session,
                                        vault=Vault(SECRET))
        pushed = {o.target: o for o in outcomes if o.channel == "push"}
        assert len(pushed) == 2  # brand A's two browsers; never brand B's
        assert sorted(path for path, _, _ in service.received) == ["/laptop", "/phone"]
        _, headers, body = next(r for r in service.received if r[0] == "/phone")
        assert headers["content-encoding"] == "aes128gcm" and int(headers["ttl"]) > 0
        assert headers["authorization"].startswith("vapid t=") and f"k={public_key}" in headers["authorization"]
        message = phone.read(body)
        assert "URGENT" in message["title"].upper() and message["url"] == f"/items/{item}" and message["tag"] == f"item-{item}"
        token = headers["authorization"].split("t=", 1)[1].split(",", 1)[0]
        claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
        assert claims["aud"] == f"http://127.0.0.1:{service.port}" and claims["sub"] == "https://jasette.cafe-a.test"
        with pytest.raises(Exception):  # noqa: B017 - only that browser can read it, whatever the error
            laptop.read(body)
        assert [o.ok for o in pushed.values()].count(True) == 1
        failed = next(o for o in pushed.values() if not o.ok)
        assert "410" in (failed.error or "")
        async with pool.acquire() as conn:
            assert await conn.fetchval("select state from alert_deliveries where id = $1", failed.delivery_id) == "failed"
            endpoints = {r["endpoint"] for r in await conn.fetch("select endpoint from push_subscriptions")}
        assert endpoints == {phone.endpoint, other_brand.endpoint}  # the dead one is gone, nothing retries it


async def test_the_signing_key_is_sealed_and_a_clear_one_is_sealed_when_read(pool) -> None:
    vault = Vault(SECRET)
    async with pool.acquire() as conn:
        made = await push.keys(conn, vault)
        row = await conn.fetchrow("select private_key, private_sealed from web_push_keys")
        assert row["private_key"] is None and b"PRIVATE KEY" not in bytes(row["private_sealed"])
        assert (await push.keys(conn, vault)).private_pem == made.private_pem
        # A key an earlier version stored in clear is sealed the first time it is read.
        await conn.execute("update web_push_keys set private_key = $1, private_sealed = null", made.private_pem)
        assert (await push.keys(conn, vault)).private_pem == made.private_pem
        row = await conn.fetchrow("select private_key, private_sealed from web_push_keys")
        assert row["private_key"] is None and row["private_sealed"] is not None
