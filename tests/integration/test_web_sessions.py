"""Sessions that end: log-out, a new password and removal from a brand end them server-side,
for copied cookies and for open websockets alike."""

from __future__ import annotations

import asyncio
import json

import httpx
import websockets
from web_app import PASSWORD, LiveServer, client_for, csrf_of, ingest, login, make_app, seed

from inbox import sessions, users


def _cookie_header(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def _hello(ws) -> None:
    async with asyncio.timeout(5):
        while not any(m["t"] == "hello" for m in json.loads(await ws.recv())):
            pass


async def _closed_code(ws) -> int:
    """Read until the server closes the socket; its close code."""
    async with asyncio.timeout(5):
        try:
            while True:
                await ws.recv()
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None
            return closed.rcvd.code


async def test_a_cookie_saved_before_logout_is_refused_after_it(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        saved = dict(client.cookies)
        assert (await client.post("/logout", data={"csrf": token})).status_code == 303
    async with client_for(app) as thief:
        thief.cookies.update(saved)
        assert (await thief.get("/api/items")).status_code == 401
        assert (await thief.get("/")).headers["location"] == "/login"
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from sessions") == 0


async def test_logging_out_ends_only_that_session(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as phone, client_for(app) as desk:
        phone_token = await login(phone, "agent@a.test")
        await login(desk, "agent@a.test")
        await phone.post("/logout", data={"csrf": phone_token})
        assert (await phone.get("/api/items")).status_code == 401
        assert (await desk.get("/api/items")).status_code == 200


async def test_a_new_password_closes_other_sessions_open_websockets(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        async with httpx.AsyncClient(base_url=server.url) as other, httpx.AsyncClient(base_url=server.url) as owner, \
                httpx.AsyncClient(base_url=server.url) as desk:
            await login(other, "agent@a.test")
            await login(owner, "owner@a.test")
            desk_token = await login(desk, "agent@a.test")
            url = server.url.replace("http", "ws") + "/ws"
            async with websockets.connect(url, additional_headers={"Cookie": _cookie_header(other)}, origin=server.url) as ws, \
                    websockets.connect(url, additional_headers={"Cookie": _cookie_header(owner)}, origin=server.url) as bystander:
                await _hello(ws)
                await _hello(bystander)
                # The agent changes their password from another browser, through Settings.
                new = "a brand new passphrase"
                changed = await desk.post("/settings/account/password",
                                          data={"current": PASSWORD, "new": new, "confirm": new, "csrf": desk_token})
                assert changed.status_code == 303
                assert await _closed_code(ws) == 4401
                assert (await other.get("/api/items")).status_code == 401
                # Someone else's stream goes on.
                assert bystander.state is websockets.protocol.State.OPEN
                assert (await owner.get("/api/items")).status_code == 200
                assert (await desk.get("/api/items")).status_code == 200
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from sessions where user_id = $1", ids["agent_a"]) == 1


async def test_removal_from_a_brand_closes_that_brands_websocket(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        async with httpx.AsyncClient(base_url=server.url) as agent:
            await login(agent, "agent@a.test")
            url = server.url.replace("http", "ws") + "/ws"
            async with websockets.connect(url, additional_headers={"Cookie": _cookie_header(agent)}, origin=server.url) as ws:
                await _hello(ws)
                async with pool.acquire() as conn:
                    assert await users.remove_membership(conn, ids["agent_a"], ids["brand_a"])
                assert await _closed_code(ws) == 4401
                assert (await agent.get("/api/items")).status_code == 401


async def test_a_forged_session_token_opens_nothing(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        async with pool.acquire() as conn:
            # Only the token's digest is stored: the stored key is not itself a valid token.
            stored = await conn.fetchval("select id from sessions")
            row = await conn.fetchrow("select id, user_id from sessions")
            assert row is not None
            assert await sessions.session_member(conn, stored, row["user_id"], 1) is None
        assert csrf_of((await client.get("/")).text)


async def test_a_new_name_shows_in_presence_without_reconnecting(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Allô")
    with LiveServer(db_dsn) as server:
        async with httpx.AsyncClient(base_url=server.url) as agent, httpx.AsyncClient(base_url=server.url) as owner:
            token = await login(agent, "agent@a.test")
            await login(owner, "owner@a.test")
            url = server.url.replace("http", "ws") + "/ws"
            async with websockets.connect(url, additional_headers={"Cookie": _cookie_header(agent)}, origin=server.url) as ws, \
                    websockets.connect(url, additional_headers={"Cookie": _cookie_header(owner)}, origin=server.url) as watcher:
                await _hello(ws)
                await _hello(watcher)
                assert (await agent.post("/settings/account/name", data={"name": "Alain Gagnon", "csrf": token})).status_code == 303
                # The hub hears of the rename through a NOTIFY: view the item until the new name shows.
                names = set()
                async with asyncio.timeout(5):
                    while "Alain Gagnon" not in names:
                        await ws.send(json.dumps({"t": "view", "item": item}))
                        for message in json.loads(await watcher.recv()):
                            if message["t"] == "presence":
                                names.add(message["name"])
