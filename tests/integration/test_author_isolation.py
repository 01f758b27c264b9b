"""Authors belong to one brand (issue 13, finding 7): a stranger commenting on brand B's site
under the same platform id cannot change the name, profile link or followers brand A sees, over
HTTP or the websocket; and the migration splits rows two brands shared without losing an author."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

import httpx
import websockets
from test_migrations import drop, fresh_database
from web_app import LiveServer, client_for, ingest, login, make_app, seed

from inbox import db, migrate
from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem


async def _as_b(conn, ids, *, author_id: str, name: str, url: str, followers: int, body: str) -> int:
    """Brand B stores a comment whose author has A's author's platform id but other details."""
    item = NewItem(
        platform="wordpress", external_id=f"b-{uuid.uuid4().hex}", kind="comment", body=body,
        created_at=datetime.now(UTC),
        author=Author(external_id=author_id, name=name, handle="imposteur", followers=followers, url=url,
                      avatar_url="https://evil.example/a.png"),
        analysis=Analysis(lang="fr", lang_confidence=0.9, sentiment="neutral", priority=10, reasons=[]),
    )
    result = await ingest_batch(conn, brand_id=ids["brand_b"], account_id=ids["account_b"], items=[item])
    return (result.new_ids or result.changed_ids)[0]


async def test_another_brands_comment_changes_nothing_of_our_author_over_http(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        mine = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour", author="Marie Tremblay",
                            author_url="https://marie.example/")
        theirs = await _as_b(conn, ids, author_id="a-Marie Tremblay", name="Marie (lien piégé)",
                             url="https://evil.example/phish", followers=9_999_999, body="Coucou")
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        await login(client, "owner@a.test")
        detail = (await client.get(f"/api/items/{mine}")).json()
        assert detail["author"]["name"] == "Marie Tremblay"
        assert detail["author"]["url"] == "https://marie.example/"
        assert detail["author"]["followers"] == 120
        assert detail["author"]["avatar"] is None
        # The author's history is the brand's own: B's comment is not "the same person" here.
        assert theirs not in [h["id"] for h in detail.get("history", [])]
        listed = (await client.get("/api/items?status=all")).json()["items"]
        assert [i["author"]["url"] for i in listed if i["id"] == mine] == ["https://marie.example/"]
        assert "evil.example" not in (await client.get("/?status=all")).text
    async with client_for(app) as client:
        await login(client, "owner@b.test")
        b_view = (await client.get(f"/api/items/{theirs}")).json()
        assert (b_view["author"]["name"], b_view["author"]["url"]) == ("Marie (lien piégé)", "https://evil.example/phish")
    rows = await pool.fetch("select brand_id, url from authors where external_id = 'a-Marie Tremblay' order by brand_id")
    assert [(r["brand_id"], r["url"]) for r in rows] == [
        (ids["brand_a"], "https://marie.example/"), (ids["brand_b"], "https://evil.example/phish")]


async def test_another_brands_comment_reaches_no_socket_of_ours(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        mine = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour", author="Marie Tremblay",
                            author_url="https://marie.example/")
    with LiveServer(db_dsn) as server:
        client = httpx.AsyncClient(base_url=server.url)
        await login(client, "owner@a.test")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        ws = await websockets.connect(server.url.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie},
                                      origin=server.url)
        try:
            async with asyncio.timeout(5):
                while not any(m["t"] == "hello" for m in json.loads(await ws.recv())):
                    pass
            async with pool.acquire() as conn:
                await _as_b(conn, ids, author_id="a-Marie Tremblay", name="Marie (lien piégé)",
                            url="https://evil.example/phish", followers=1, body="Coucou")
                # A's own next comment by the same person: the first item message A's socket gets.
                again = await ingest(conn, ids["brand_a"], ids["account_a"], "Encore moi", author="Marie Tremblay")
            async with asyncio.timeout(5):
                while True:
                    items = [m for m in json.loads(await ws.recv()) if m["t"] == "items"]
                    if items:
                        break
            got = [i for m in items for i in m["items"]]
            assert [i["id"] for i in got] == [again]
            assert got[0]["author"]["name"] == "Marie Tremblay"
            assert got[0]["author"]["url"] == "https://marie.example/"
            assert "evil.example" not in json.dumps(items)
            assert mine != again
        finally:
            await ws.close()
            await client.aclose()


async def test_migration_splits_shared_authors_per_brand_and_keeps_every_items_author(server_dsn) -> None:
    name = await fresh_database(server_dsn)
    try:
        conn = await db.connect(db.with_database(server_dsn, name))
        try:
            await conn.execute("create table schema_migrations (version text primary key, applied_at timestamptz not null default now())")
            for version, sql in migrate.available():
                if version >= "1300":
                    break
                await conn.execute(sql)
                await conn.execute("insert into schema_migrations (version) values ($1)", version)
            a = await conn.fetchval("insert into brands (slug, name) values ('a', 'A') returning id")
            b = await conn.fetchval("insert into brands (slug, name) values ('b', 'B') returning id")
            shared = await conn.fetchval("insert into authors (platform, external_id, name, url) values"
                                         " ('wordpress', 'u1', 'Marie', 'https://m.example/') returning id")
            alone = await conn.fetchval("insert into authors (platform, external_id, name) values ('x', 'u2', 'Luc') returning id")
            await conn.execute("insert into authors (platform, external_id, name) values ('x', 'orphan', 'Nobody')")
            items = {}
            for key, brand, author in (("a1", a, shared), ("a2", a, shared), ("b1", b, shared), ("b2", b, alone)):
                items[key] = await conn.fetchval(
                    "insert into items (brand_id, platform, external_id, kind, author_id, created_at)"
                    " values ($1, 'wordpress', $2, 'comment', $3, now()) returning id", brand, key, author)
            assert "1300_authors_per_brand" in await migrate.migrate(conn)
            rows = {r["key"]: r for r in await conn.fetch(
                "select i.external_id as key, i.brand_id as item_brand, au.brand_id, au.name, au.url, au.id"
                " from items i join authors au on au.id = i.author_id")}
            assert set(rows) == {"a1", "a2", "b1", "b2"}  # no item lost its author
            assert all(r["brand_id"] == r["item_brand"] for r in rows.values())
            assert rows["a1"]["id"] == rows["a2"]["id"] == shared  # the first brand keeps the row
            assert rows["b1"]["id"] != shared and (rows["b1"]["name"], rows["b1"]["url"]) == ("Marie", "https://m.example/")
            assert rows["b2"]["id"] == alone
            assert await conn.fetchval("select count(*) from authors where external_id = 'orphan'") == 0
            # From now on one brand's update cannot reach the other's row.
            await conn.execute("update authors set url = 'https://evil.example/' where id = $1", rows["b1"]["id"])
            assert await conn.fetchval("select url from authors where id = $1", shared) == "https://m.example/"
        finally:
            await conn.close()
    finally:
        await drop(server_dsn, name)
