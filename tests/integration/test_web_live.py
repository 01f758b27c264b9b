"""Live updates over a real uvicorn server: NOTIFY -> websocket, per brand, resume, presence,
reply states, and the LISTEN connection healing after the database drops it."""

from __future__ import annotations

import asyncio
import json
import uuid
from urllib.parse import quote

import httpx
import websockets
from web_app import LiveServer, ingest, login, seed

from inbox import outbox


async def _session(server: LiveServer, email: str) -> tuple[httpx.AsyncClient, str]:
    client = httpx.AsyncClient(base_url=server.url)
    await login(client, email)
    return client, "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def _socket(server: LiveServer, cookie: str, since: str | None = None, origin: str | None = None):
    url = server.url.replace("http", "ws") + "/ws" + (f"?since={quote(since)}" if since else "")
    return await websockets.connect(url, additional_headers={"Cookie": cookie}, origin=origin or server.url)


async def _until(ws, predicate, timeout: float = 5.0):
    """Messages until one satisfies predicate; that message."""
    async with asyncio.timeout(timeout):
        while True:
            for message in json.loads(await ws.recv()):
                if predicate(message):
                    return message


def _has_item(item_id):
    return lambda m: m["t"] == "items" and any(i["id"] == item_id for i in m["items"])


async def test_live_items_per_brand_resume_presence_and_reply_state(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        a_client, a_cookie = await _session(server, "agent@a.test")
        o_client, o_cookie = await _session(server, "owner@a.test")
        b_client, b_cookie = await _session(server, "owner@b.test")
        ws_a = await _socket(server, a_cookie)
        ws_o = await _socket(server, o_cookie)
        ws_b = await _socket(server, b_cookie)
        hello = await _until(ws_a, lambda m: m["t"] == "hello")
        await _until(ws_o, lambda m: m["t"] == "hello")
        await _until(ws_b, lambda m: m["t"] == "hello")
        async with pool.acquire() as conn:
            item = await ingest(conn, ids["brand_a"], ids["account_a"], "<b>Allô</b>", author="Zoé")
        got = await _until(ws_a, _has_item(item))
        assert got["items"][0]["body"] == "<b>Allô</b>"  # plain JSON text; the page sets textContent
        # Brand B hears nothing about it.
        async with pool.acquire() as conn:
            b_item = await ingest(conn, ids["brand_b"], ids["account_b"], "Hello B", lang="en")
        first_b = await _until(ws_b, lambda m: m["t"] == "items")
        assert [i["id"] for i in first_b["items"]] == [b_item]
        # Presence: the owner sees the agent viewing then typing; B sees nothing of it.
        await ws_a.send(json.dumps({"t": "view", "item": item}))
        seen = await _until(ws_o, lambda m: m["t"] == "presence")
        assert (seen["item"], seen["name"], seen["what"], seen["conn"]) == (item, "Alain Agent", "viewing", hello["conn"])
        await ws_a.send(json.dumps({"t": "typing", "item": item}))
        assert (await _until(ws_o, lambda m: m["t"] == "presence"))["what"] == "typing"
        await ws_b.send(json.dumps({"t": "view", "item": item}))  # another brand's item: ignored
        # Reply states arrive live.
        async with pool.acquire() as conn:
            row = await outbox.enqueue(conn, brand_id=ids["brand_a"], item_id=item, user_id=ids["agent_a"], body="Merci",
                                       idempotency_key=uuid.uuid4().hex)
        state = await _until(ws_o, lambda m: m["t"] == "reply")
        assert (state["reply"]["id"], state["reply"]["state"]) == (row["id"], "queued")
        # Resume: a browser that was away gets what arrived meanwhile.
        since = got["items"][0]["updated_at"]
        await ws_a.close()
        async with pool.acquire() as conn:
            missed = await ingest(conn, ids["brand_a"], ids["account_a"], "Pendant la coupure")
        await _until(ws_o, _has_item(missed))  # delivered live already: only the catch-up can bring it now
        ws_a = await _socket(server, a_cookie, since=since)
        await _until(ws_a, _has_item(missed))
        # A websocket from another site, or without a session, is refused.
        # (closed before the handshake completes, which the server answers with HTTP 403).
        # Same host and port but another scheme is another origin too (issue 13, finding 10).
        https_twin = server.url.replace("http://", "https://")
        for cookie, origin in ((a_cookie, "http://evil.example"), (a_cookie, https_twin), ("", None)):
            try:
                await _socket(server, cookie, origin=origin)
                raise AssertionError("the websocket should have been refused")
            except websockets.InvalidStatus as refused:
                assert refused.response.status_code == 403
        # B never got any brand A message.
        await ws_b.close()
        for ws in (ws_a, ws_o):
            await ws.close()
        for client in (a_client, o_client, b_client):
            await client.aclose()


async def test_listen_reconnects_after_the_database_drops_it(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        server.app.state.hub.retry_delay = 0.05
        client, cookie = await _session(server, "agent@a.test")
        ws = await _socket(server, cookie)
        await _until(ws, lambda m: m["t"] == "hello")
        async with pool.acquire() as conn:
            killed = await conn.fetchval(
                "select count(pg_terminate_backend(pid)) from pg_stat_activity where datname = current_database() and query ilike 'listen%'")
            assert killed >= 1
        await _until(ws, lambda m: m["t"] == "resync")  # the browser is told to catch up
        async with pool.acquire() as conn:
            item = await ingest(conn, ids["brand_a"], ids["account_a"], "Après la coupure")
        await _until(ws, _has_item(item))
        await ws.close()
        await client.aclose()


async def test_resume_pages_through_items_sharing_one_change_time(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        since = (await conn.fetchval("select now()")).isoformat()
        made = [await ingest(conn, ids["brand_a"], ids["account_a"], f"Commentaire {n}") for n in range(7)]
        # One bulk action: every item stamped with the same transaction time.
        await conn.execute("update items set status = 'done', updated_at = now() where id = any($1::bigint[])", made)
    with LiveServer(db_dsn) as server:
        hub = server.app.state.hub
        hub.catch_up_page = 3  # pages cut in the middle of the tie
        client, cookie = await _session(server, "agent@a.test")
        ws = await _socket(server, cookie, since=since)
        seen: set[int] = set()
        async with asyncio.timeout(5):
            while True:
                batch = json.loads(await ws.recv())
                seen |= {i["id"] for m in batch if m["t"] == "items" for i in m["items"]}
                if any(m["t"] == "hello" for m in batch):
                    break
        assert seen == set(made)
        await ws.close()
        # Away so long that the catch-up would not end: the page is told to reload instead.
        hub.catch_up_pages = 2
        ws = await _socket(server, cookie, since=since)
        await _until(ws, lambda m: m["t"] == "reload")
        await ws.close()
        await client.aclose()
