"""Meta webhooks on a bare Starlette app (httpx ASGI transport) and a real database: handshake,
signature check over the raw body, and changes stored at once for the matching account
(web/webhooks.py over collector/meta_webhook.py and inbox/pushed.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from polling import new_brand
from starlette.applications import Starlette

from inbox.credentials import Vault
from web.webhooks import meta_routes

SECRET = "app-secret-123"
TOKEN = "verify-me"
PAGE = "111222333"
IG_USER = "17841400000000000"


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
async def accounts(pool: asyncpg.Pool) -> dict:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        page = await conn.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url, verified_at)"
            " values ($1, 'facebook', $2, 'http://127.0.0.1:9', now()) returning id",
            brand_id, PAGE,
        )
        ig = await conn.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url, verified_at)"
            " values ($1, 'instagram', $2, 'http://127.0.0.1:9', now()) returning id",
            brand_id, IG_USER,
        )
    return {"brand_id": brand_id, "page": page, "ig": ig}


@pytest.fixture
async def client(pool: asyncpg.Pool) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=meta_routes(pool, app_secret=SECRET, verify_token=TOKEN, vault=Vault("k")))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        yield c


async def post(client: httpx.AsyncClient, payload: object, *, secret: str = SECRET, raw: bytes | None = None) -> httpx.Response:
    body = raw if raw is not None else json.dumps(payload).encode()
    return await client.post("/webhooks/meta", content=body,
                             headers={"X-Hub-Signature-256": sign(body, secret), "Content-Type": "application/json"})


def feed(value: dict, page: str = PAGE) -> dict:
    return {"object": "page", "entry": [{"id": page, "time": 1772445600, "changes": [{"field": "feed", "value": value}]}]}


COMMENT = {"item": "comment", "verb": "add", "comment_id": "444555666_900000004", "post_id": "111222333_444555666",
           "parent_id": "111222333_444555666", "from": {"id": "5550002", "name": "Sam Lee"}, "message": "Price?",
           "created_time": 1772445598}


async def test_the_handshake_echoes_the_challenge_only_for_our_token(client) -> None:
    ok = await client.get("/webhooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await client.get("/webhooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": "nope", "hub.challenge": "1"})
    assert wrong.status_code == 403
    missing = await client.get("/webhooks/meta", params={"hub.challenge": "1"})
    assert missing.status_code == 403


async def test_an_unconfigured_endpoint_refuses_everything(pool) -> None:
    app = Starlette(routes=meta_routes(pool, app_secret=None, verify_token=None, vault=None))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as c:
        assert (await c.get("/webhooks/meta", params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})).status_code == 403
        body = json.dumps(feed(COMMENT)).encode()
        assert (await c.post("/webhooks/meta", content=body, headers={"X-Hub-Signature-256": sign(body, "")})).status_code == 403


async def test_a_missing_or_wrong_signature_is_refused_and_stores_nothing(client, pool, accounts) -> None:
    body = json.dumps(feed(COMMENT)).encode()
    assert (await client.post("/webhooks/meta", content=body)).status_code == 403
    assert (await post(client, feed(COMMENT), secret="another")).status_code == 403
    # Signed over other bytes (the same JSON re-serialised): refused, the check is on the raw body.
    respaced = json.dumps(feed(COMMENT), indent=1).encode()
    bad = await client.post("/webhooks/meta", content=respaced, headers={"X-Hub-Signature-256": sign(body)})
    assert bad.status_code == 403
    garbage = await client.post("/webhooks/meta", content=body, headers={"X-Hub-Signature-256": "sha256=é".encode("latin-1")})
    assert garbage.status_code == 403
    assert await pool.fetchval("select count(*) from items") == 0


async def test_a_page_comment_is_stored_at_once_for_the_matching_account(client, pool, accounts) -> None:
    resp = await post(client, feed(COMMENT))
    assert resp.status_code == 200 and resp.json() == {"stored": 1}
    item = await pool.fetchrow("select * from items")
    assert (item["platform"], item["external_id"], item["kind"], item["body"]) == ("facebook", "444555666_900000004", "comment", "Price?")
    assert item["account_id"] == accounts["page"] and item["brand_id"] == accounts["brand_id"]
    assert item["thread_external_id"] == "111222333_444555666" and item["created_at"].timestamp() == 1772445598
    assert item["url"] == "https://www.facebook.com/444555666_900000004"
    assert item["analyzed_at"] is None  # the worker's re-analysis loop takes it from here
    author = await pool.fetchrow("select name, external_id from authors where id = $1", item["author_id"])
    assert tuple(author) == ("Sam Lee", "5550002")
    # Meta retries deliveries: the same one again changes nothing.
    assert (await post(client, feed(COMMENT))).json() == {"stored": 0}


async def test_edits_removals_hides_replies_and_our_own_comments(client, pool, accounts) -> None:
    await post(client, feed(COMMENT))
    reply = {**COMMENT, "comment_id": "444555666_900000005", "parent_id": "444555666_900000004", "message": "Same question"}
    ours = {**COMMENT, "comment_id": "444555666_900000006", "from": {"id": PAGE, "name": "Café"}, "message": "12 $"}
    two = {"object": "page", "entry": [{"id": PAGE, "changes": [{"field": "feed", "value": reply}, {"field": "feed", "value": ours}]}]}
    assert (await post(client, two)).json() == {"stored": 2}
    kinds = {r["external_id"]: (r["kind"], r["parent_external_id"], r["from_business"]) for r in await pool.fetch("select * from items")}
    assert kinds["444555666_900000005"] == ("reply", "444555666_900000004", False)
    assert kinds["444555666_900000006"][2] is True
    await post(client, feed({**COMMENT, "verb": "edited", "message": "Price? (in CAD)"}))
    assert await pool.fetchval("select body from items where external_id = '444555666_900000004'") == "Price? (in CAD)"
    assert await pool.fetchval("select count(*) from item_revisions") == 1
    await post(client, feed({**COMMENT, "verb": "hide"}))
    assert await pool.fetchval("select hidden from items where external_id = '444555666_900000004'") is True
    await post(client, feed({**COMMENT, "verb": "remove"}))
    assert await pool.fetchval("select deleted_at is not null from items where external_id = '444555666_900000004'") is True
    # Removing what was never stored creates nothing.
    await post(client, feed({**COMMENT, "verb": "remove", "comment_id": "444555666_1"}))
    assert await pool.fetchval("select count(*) from items") == 3


async def test_instagram_comments_and_mentions(client, pool, accounts) -> None:
    payload = {"object": "instagram", "entry": [{"id": IG_USER, "time": 1772445600, "changes": [
        {"field": "comments", "value": {"id": "17890000000000001", "text": "Trop beau 😍", "from": {"id": "99", "username": "marie.qc"},
                                        "media": {"id": "17900000000000001", "media_product_type": "FEED"}}},
        {"field": "comments", "value": {"id": "17890000000000002", "text": "Merci!", "from": {"id": IG_USER, "username": "cafe"},
                                        "media": {"id": "17900000000000001"}, "parent_id": "17890000000000001"}},
        {"field": "mentions", "value": {"media_id": "17900000000000009", "comment_id": "17890000000000077"}},
    ]}]}
    assert (await post(client, payload)).json() == {"stored": 3}
    rows = {r["external_id"]: r for r in await pool.fetch("select * from items where platform = 'instagram'")}
    assert rows["17890000000000001"]["body"] == "Trop beau 😍" and rows["17890000000000001"]["kind"] == "comment"
    assert rows["17890000000000001"]["account_id"] == accounts["ig"]
    assert rows["17890000000000002"]["kind"] == "reply" and rows["17890000000000002"]["from_business"] is True
    assert rows["17890000000000077"]["kind"] == "mention"


async def test_hostile_and_unknown_deliveries_are_answered_without_harm(client, pool, accounts) -> None:
    assert (await post(client, None, raw=b'{"object": "page", "entry": [')).status_code == 400
    assert (await post(client, {"object": "whatsapp_business_account", "entry": []})).json()["stored"] == 0
    assert (await post(client, feed(COMMENT, page="999"))).json() == {"stored": 0}  # no brand has that Page
    junk = {"object": "page", "entry": [
        "x", {"id": None}, {"id": PAGE, "changes": ["y", {"field": "feed", "value": "z"},
                                                    {"field": "feed", "value": {"item": "comment", "comment_id": True}},
                                                    {"field": "feed", "value": {"item": "reaction", "verb": "add"}},
                                                    {"field": "feed", "value": {**COMMENT, "message": "<script>alert(1)</script>\x00",
                                                                                "created_time": "not a time"}}]}]}
    assert (await post(client, junk)).json() == {"stored": 1}
    body = await pool.fetchval("select body from items")
    assert body == "<script>alert(1)</script>"  # stored as text (escaped at display), NUL removed
    assert (await post(client, None, raw=b"[1, 2]")).status_code == 200
    big = b" " * 1_000_001
    assert (await client.post("/webhooks/meta", content=big, headers={"X-Hub-Signature-256": sign(big)})).status_code == 413


async def test_a_comment_first_seen_by_webhook_is_not_duplicated_by_the_polling_backfill(pool, client) -> None:
    import random

    import aiohttp
    from polling import Clock

    from collector.poller import Poller
    from emulators.base import serve
    from emulators.facebook import DEMO_ACCOUNT, FacebookEmulator
    from inbox.accounts import add_account

    emulator = FacebookEmulator(page_id=PAGE)
    post_id = next(iter(emulator.posts))
    runner, base = await serve(emulator.create_app())
    vault = Vault("k")
    try:
        async with pool.acquire() as conn:
            brand_id = await new_brand(conn)
            await add_account(conn, vault, brand_id=brand_id, platform="facebook", name="Page", external_id=PAGE,
                              base_url=base, credentials=DEMO_ACCOUNT["credentials"], settings=DEMO_ACCOUNT["settings"])
        async with aiohttp.ClientSession() as session:
            poller = Poller(pool, vault, session, worker_id="w", clock=Clock(), rng=random.Random(1))
            # The first poll proves the token opens this Page: only then do Meta's pushes reach it.
            assert (await poller.poll_due())[0].error is None
            first = emulator.inject({"kind": "comment", "text": "Livrez-vous à Laval?", "author_name": "Julie", "parent": post_id})["external_id"]
            emulator.inject({"kind": "comment", "text": "Et à Longueuil?", "author_name": "Marc", "parent": post_id})
            comment = emulator.comments[first]
            # Meta tells about the first comment before the next poll.
            value = {"item": "comment", "verb": "add", "comment_id": first, "post_id": post_id, "parent_id": post_id,
                     "from": comment["from"], "message": comment["message"], "created_time": int(comment["created"].timestamp())}
            assert (await post(client, feed(value))).json() == {"stored": 1}
            await pool.execute("update accounts set next_poll_at = now() - interval '1 second'")
            outcome = (await poller.poll_due())[0]
    finally:
        await runner.cleanup()
    assert outcome.error is None
    rows = await pool.fetch("select external_id, kind, body from items where kind <> 'post' order by id")
    assert [(r["external_id"], r["body"]) for r in rows] == [(first, "Livrez-vous à Laval?"), (rows[1]["external_id"], "Et à Longueuil?")]
    assert len(rows) == 2  # the poll found both comments and stored only the one Meta had not told about


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": 5}, {"object": "page", "entry": "abc"}, {"object": "page", "entry": {"id": PAGE}},
    {"object": "page", "entry": [{"id": PAGE, "changes": 7}]}, {"object": "page", "entry": [{"id": PAGE, "changes": {"field": "feed"}}]},
    {"object": "instagram", "entry": True},
])
async def test_signed_delivery_of_the_wrong_shape_stores_nothing_and_never_fails(client, accounts, pool, payload) -> None:
    response = await post(client, payload)
    assert response.status_code == 200 and response.json()["stored"] == 0
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from items") == 0


async def test_signed_delivery_nested_too_deeply_is_refused(client, accounts) -> None:
    response = await post(client, None, raw=b"[" * 100_000 + b"]" * 100_000)
    assert response.status_code == 400


async def test_a_post_tagging_the_page_is_stored_at_once_and_the_page_s_own_is_not(client, pool, accounts) -> None:
    # Meta's `mention` field (a post that tags the Page) carries ids only: the item is stored at
    # once, and the next poll of tagged posts brings its text.
    tagged = {"object": "page", "entry": [{"id": PAGE, "changes": [
        {"field": "mention", "value": {"post_id": "777_888", "sender_id": "5550009", "sender_name": "Zoé", "item": "post", "verb": "add"}},
        {"field": "mention", "value": {"post_id": "777_999", "sender_id": PAGE, "sender_name": "Café", "item": "post", "verb": "add"}},
    ]}]}
    assert (await post(client, tagged)).json() == {"stored": 1}
    row = await pool.fetchrow("select kind, account_id from items where external_id = '777_888'")
    assert row["kind"] == "mention" and row["account_id"] == accounts["page"]
