"""The item pane's context: the business's own post a customer's comment (or a reply in its
thread) answers, when the post is stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web_app import client_for, login, make_app, seed

from inbox.ingest import ingest_batch
from inbox.types import Author, NewItem


async def test_detail_gives_the_business_post_of_the_thread(pool, db_dsn):
    at = datetime.now(UTC) - timedelta(hours=1)
    page = Author(external_id="page-1", name="Café A")
    client_author = Author(external_id="u-1", name="Julie Tremblay")
    items = [
        NewItem(platform="facebook", external_id="page-1_p1", kind="post", body="Nouveau menu d'automne : soupe à la courge!",
                created_at=at, author=page, thread_external_id="page-1_p1", from_business=True),
        NewItem(platform="facebook", external_id="page-1_p1_c1", kind="comment", body="Est-ce qu'elle est végane?",
                created_at=at + timedelta(minutes=5), author=client_author, parent_external_id="page-1_p1",
                thread_external_id="page-1_p1"),
        NewItem(platform="facebook", external_id="page-1_p1_c2", kind="reply", body="Je me pose la même question",
                created_at=at + timedelta(minutes=9), author=Author(external_id="u-2", name="Marc"),
                parent_external_id="page-1_p1_c1", thread_external_id="page-1_p1"),
    ]
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                      " values ($1, 'facebook', 'page-1', 'http://127.0.0.1:9') returning id", ids["brand_a"])
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=items)
        comment, reply = [await conn.fetchval("select id from items where external_id = $1", e)
                          for e in ("page-1_p1_c1", "page-1_p1_c2")]
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        listed = (await client.get("/api/items")).json()["items"]
        nested = (await client.get(f"/api/items/{reply}")).json()
        top = (await client.get(f"/api/items/{comment}")).json()
    assert sorted(it["body"] for it in listed) == ["Est-ce qu'elle est végane?", "Je me pose la même question"]  # the post is context only
    assert nested["post"]["body"] == "Nouveau menu d'automne : soupe à la courge!" and nested["post"]["from_business"]
    assert nested["parent"]["body"] == "Est-ce qu'elle est végane?"
    assert top["parent"]["id"] == top["post"]["id"] and top["parent"]["kind"] == "post"
    # A Google review is its own thread: no post.
    assert (await _review_detail(pool, db_dsn, ids))["post"] is None


async def _review_detail(pool, db_dsn, ids):
    async with pool.acquire() as conn:
        account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                      " values ($1, 'google', 'loc', 'http://127.0.0.1:9') returning id", ids["brand_a"])
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=[NewItem(
            platform="google", external_id="rev-1", kind="review", body="Bon café", created_at=datetime.now(UTC),
            author=Author(external_id="Zoé", name="Zoé"), thread_external_id="rev-1")])
        review = await conn.fetchval("select id from items where external_id = 'rev-1'")
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        return (await client.get(f"/api/items/{review}")).json()


async def test_the_business_own_words_never_reach_the_live_list(pool, db_dsn):
    import json

    import httpx
    import websockets
    from web_app import LiveServer

    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        client = httpx.AsyncClient(base_url=server.url)
        await login(client, "owner@a.test")
        cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
        async with websockets.connect(server.url.replace("http", "ws") + "/ws", additional_headers={"Cookie": cookie},
                                      origin=server.url) as ws:
            at = datetime.now(UTC)
            page = Author(external_id="page-a", name="Café A")
            async with pool.acquire() as conn:
                await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=[
                    NewItem(platform="wordpress", external_id="own-post", kind="post", body="Notre nouveau menu",
                            created_at=at, author=page, thread_external_id="own-post", from_business=True),
                    NewItem(platform="wordpress", external_id="own-reply", kind="reply", body="Merci à vous!",
                            created_at=at, author=page, parent_external_id="own-post", from_business=True)])
                await ingest_batch(conn, brand_id=ids["brand_a"], account_id=ids["account_a"], items=[
                    NewItem(platform="wordpress", external_id="customer", kind="comment", body="Miam",
                            created_at=at, author=Author(external_id="c", name="Cliente"), parent_external_id="own-post",
                            thread_external_id="own-post")])
            shown: list[str] = []
            async with __import__("asyncio").timeout(10):
                while "Miam" not in shown:
                    for message in json.loads(await ws.recv()):
                        if message["t"] == "items":
                            shown += [i["body"] for i in message["items"]]
        await client.aclose()
    assert shown == ["Miam"]


async def test_a_youtube_thread_shows_its_video_and_a_linkedin_comment_its_post(pool, db_dsn):
    """Each YouTube comment is its own thread: the post is the video its first comment answers."""
    from collector.youtube_videos import map_video
    from inbox import reports

    at = datetime.now(UTC) - timedelta(hours=1)
    video = map_video({"id": "vid1", "snippet": {"title": "Soupe à la courge", "description": "La recette complète.",
                                                 "publishedAt": "2026-01-15T14:00:00Z", "channelId": "UCcafe"}}, "UCcafe")
    assert video is not None
    fan = Author(external_id="UCfan", name="@fan")
    youtube = [video,
               NewItem(platform="youtube", external_id="Ugz1", kind="comment", body="Elle est végane?", created_at=at,
                       author=fan, parent_external_id="vid1", thread_external_id="Ugz1"),
               NewItem(platform="youtube", external_id="Ugz1.9a", kind="reply", body="Moi aussi je me demande",
                       created_at=at, author=Author(external_id="UCbob", name="@bob"), parent_external_id="Ugz1",
                       thread_external_id="Ugz1")]
    post_urn, comment_urn = "urn:li:share:7", "urn:li:comment:(urn:li:share:7,9)"
    linkedin = [NewItem(platform="linkedin", external_id=post_urn, kind="post", body="Yoga prénatal les mardis",
                        created_at=at, author=Author(external_id="urn:li:organization:1"), thread_external_id=post_urn,
                        from_business=True),
                NewItem(platform="linkedin", external_id=comment_urn, kind="comment", body="Quelle heure?",
                        created_at=at, author=Author(external_id="urn:li:person:a"), thread_external_id=post_urn)]
    async with pool.acquire() as conn:
        ids = await seed(conn)
        for platform, external, items in (("youtube", "UCcafe", youtube), ("linkedin", "urn:li:organization:1", linkedin)):
            account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                          " values ($1, $2, $3, 'http://127.0.0.1:9') returning id",
                                          ids["brand_a"], platform, external)
            await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=items)
        top, reply, answer = [await conn.fetchval("select id from items where external_id = $1", e)
                              for e in ("Ugz1", "Ugz1.9a", comment_urn)]
        report = await reports.compute(conn, ids["brand_a"], at - timedelta(days=1), at + timedelta(days=1))
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        listed = (await client.get("/api/items")).json()["items"]
        details = [(await client.get(f"/api/items/{i}")).json() for i in (top, reply, answer)]
    for detail in details[:2]:
        assert detail["post"]["body"] == "Soupe à la courge\n\nLa recette complète."
        assert detail["post"]["url"] == "https://www.youtube.com/watch?v=vid1" and detail["post"]["from_business"]
    assert details[2]["post"]["body"] == "Yoga prénatal les mardis"
    # The videos and posts are context only: never listed, never counted.
    assert sorted(i["body"] for i in listed) == ["Elle est végane?", "Moi aussi je me demande", "Quelle heure?"]
    assert report["received"]["totals"]["total"] == 3
