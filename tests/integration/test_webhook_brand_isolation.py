"""Cross-brand webhook leak: brand B naming brand A's (public) Page id never receives A's pushed
comments. An account receives Meta's deliveries only after proving, with its own token against the
Graph API (the emulator here), that it opens that Page; and never while it needs re-authorisation."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from collections.abc import AsyncIterator

import httpx
import pytest
from polling import Clock, new_brand

from collector.poller import Poller
from emulators.base import serve
from emulators.facebook import DEMO_ACCOUNT, FacebookEmulator
from inbox import accounts, netguard
from inbox.credentials import Vault
from web.app import create_app
from web.settings import Settings
from web.webhooks import meta_routes

APP_SECRET = "meta-app-secret"
PAGE = "111222333"


def delivery(comment_id: str) -> bytes:
    value = {"item": "comment", "verb": "add", "comment_id": comment_id, "post_id": f"{PAGE}_1", "parent_id": f"{PAGE}_1",
             "from": {"id": "5550002", "name": "Cliente"}, "message": "Ma commande est en retard", "created_time": 1772445598}
    return json.dumps({"object": "page", "entry": [{"id": PAGE, "time": 1772445600,
                                                     "changes": [{"field": "feed", "value": value}]}]}).encode()


@pytest.fixture
async def graph() -> AsyncIterator[str]:
    runner, base = await serve(FacebookEmulator(page_id=PAGE).create_app())
    yield base
    await runner.cleanup()


@pytest.fixture
async def server(pool, db_dsn) -> AsyncIterator[httpx.AsyncClient]:
    """The web app as `jasette web` mounts it, Meta's webhook included."""
    vault = Vault("k")
    app = create_app(Settings(secret_key="k", meta_app_secret=APP_SECRET), pool, vault, dsn=db_dsn,
                     extra_routes=meta_routes(pool, app_secret=APP_SECRET, verify_token="t", vault=vault))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        yield client


async def push(client: httpx.AsyncClient, comment_id: str) -> dict:
    body = delivery(comment_id)
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    resp = await client.post("/webhooks/meta", content=body, headers={"X-Hub-Signature-256": signature})
    assert resp.status_code == 200
    return resp.json()


async def poll_all(pool, policy: netguard.Policy) -> dict[int, str | None]:
    await pool.execute("update accounts set next_poll_at = now() - interval '1 second'")
    async with netguard.client_session(policy) as session:
        outcomes = await Poller(pool, Vault("k"), session, worker_id="w", clock=Clock(), rng=random.Random(1)).poll_due()
    return {o.account_id: o.error for o in outcomes}


async def items_of(pool, brand_id: int) -> list[str]:
    return [r["external_id"] for r in await pool.fetch("select external_id from items where brand_id = $1 and kind = 'comment'", brand_id)]


async def test_a_brand_naming_another_brands_page_receives_none_of_its_pushes(pool, graph, server) -> None:
    vault = Vault("k")
    async with pool.acquire() as conn:
        brand_a, brand_b = await new_brand(conn, "cafe-a"), await new_brand(conn, "boutique-b")
        a = await accounts.add_account(conn, vault, brand_id=brand_a, platform="facebook", name="Café A", external_id=PAGE,
                                       base_url=graph, credentials=DEMO_ACCOUNT["credentials"])
        b = await accounts.add_account(conn, vault, brand_id=brand_b, platform="facebook", name="Pas à moi", external_id=PAGE,
                                       base_url=graph, credentials={"access_token": "any-token"})
    # Before any proof, nobody receives anything: naming a Page is not enough.
    assert await push(server, "c-0") == {"stored": 0}
    errors = await poll_all(pool, netguard.Policy.from_env())
    assert errors[a] is None
    assert "reconnect" in (errors[b] or "")
    health = {r["id"]: r["health"] for r in await pool.fetch("select id, health from accounts")}
    assert health[b] == "reauth"
    assert await push(server, "c-1") == {"stored": 1}
    assert "c-1" in await items_of(pool, brand_a) and await items_of(pool, brand_b) == []
    # Even with re-entered credentials B receives nothing until they prove access, and a token
    # for another Page never does (the Page's /me answers another id).
    async with pool.acquire() as conn:
        await accounts.update_credentials(conn, vault, brand_id=brand_b, account_id=b, credentials={"access_token": "other"})
    assert await push(server, "c-2") == {"stored": 1}
    assert await items_of(pool, brand_b) == []


async def test_a_look_alike_graph_server_proves_nothing(pool, graph, server) -> None:
    """B points its account at its own server answering "I am Page A": only Graph itself (or a host
    the administrator allowed) can prove access."""
    fake_runner, fake = await serve(FacebookEmulator(page_id=PAGE, token="b-token").create_app())
    try:
        vault = Vault("k")
        async with pool.acquire() as conn:
            brand_a, brand_b = await new_brand(conn, "cafe-a"), await new_brand(conn, "boutique-b")
            await accounts.add_account(conn, vault, brand_id=brand_a, platform="facebook", name="A", external_id=PAGE,
                                       base_url=graph, credentials=DEMO_ACCOUNT["credentials"])
            b = await accounts.add_account(conn, vault, brand_id=brand_b, platform="facebook", name="B", external_id=PAGE,
                                           base_url=fake, credentials={"access_token": "b-token"})
        # The administrator allowed the real Graph stand-in (the emulator) only.
        errors = await poll_all(pool, netguard.Policy.parse(f"127.0.0.1:{graph.rsplit(':', 1)[1]}"))
    finally:
        await fake_runner.cleanup()
    assert errors[b] is not None
    assert await push(server, "c-3") == {"stored": 1}
    assert "c-3" in await items_of(pool, brand_a) and await items_of(pool, brand_b) == []


async def test_an_account_needing_reauthorisation_or_moved_stops_receiving(pool, graph, server) -> None:
    vault = Vault("k")
    async with pool.acquire() as conn:
        brand = await new_brand(conn)
        a = await accounts.add_account(conn, vault, brand_id=brand, platform="facebook", name="A", external_id=PAGE,
                                       base_url=graph, credentials=DEMO_ACCOUNT["credentials"])
    await poll_all(pool, netguard.Policy.from_env())
    assert await push(server, "c-4") == {"stored": 1}
    async with pool.acquire() as conn:
        await accounts.flag_reauth(conn, a, error="token revoked", now=Clock()())
    assert await push(server, "c-5") == {"stored": 0}
    async with pool.acquire() as conn:
        await conn.execute("update accounts set health = 'ok' where id = $1", a)
        assert await push(server, "c-6") == {"stored": 1}
        await accounts.update_details(conn, brand_id=brand, account_id=a, name="A", base_url=graph + "/v25.0", settings={})
    assert await push(server, "c-7") == {"stored": 0}  # a new address proves access again first
