"""The pane shows the business's post a thread answers (issue 15): for a YouTube reply, the
video's title and description, with a link to the video."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from browser_steps import log_in
from playwright.async_api import expect
from web_app import LiveServer, seed

from collector.youtube_videos import map_video
from inbox.ingest import ingest_batch
from inbox.types import Author, NewItem


async def test_a_youtube_reply_shows_the_video_it_answers(pool, db_dsn, browser) -> None:
    at = datetime.now(UTC) - timedelta(hours=1)
    video = map_video({"id": "vid1", "snippet": {"title": "Soupe à la courge", "description": "La recette complète.",
                                                 "publishedAt": "2026-01-15T14:00:00Z"}}, "UCcafe")
    assert video is not None
    async with pool.acquire() as conn:
        ids = await seed(conn)
        account = await conn.fetchval("insert into accounts (brand_id, platform, external_id, base_url)"
                                      " values ($1, 'youtube', 'UCcafe', 'http://127.0.0.1:9') returning id", ids["brand_a"])
        await ingest_batch(conn, brand_id=ids["brand_a"], account_id=account, items=[
            video,
            NewItem(platform="youtube", external_id="Ugz1", kind="comment", body="Elle est végane?", created_at=at,
                    author=Author(external_id="UCfan", name="@fan"), parent_external_id="vid1", thread_external_id="Ugz1"),
            NewItem(platform="youtube", external_id="Ugz1.9a", kind="reply", body="Moi aussi je me demande",
                    created_at=at + timedelta(minutes=1), author=Author(external_id="UCbob", name="@bob"),
                    parent_external_id="Ugz1", thread_external_id="Ugz1")])
        reply = await conn.fetchval("select id from items where external_id = 'Ugz1.9a'")
    with LiveServer(db_dsn) as server:
        page = await (await browser.new_context()).new_page()
        await log_in(page, server.url, "agent@a.test")
        await page.locator(f'#stream li.item[data-id="{reply}"]').click()
        await expect(page.locator("#item-body")).to_have_text("Moi aussi je me demande")
        post = page.locator("#thread-post")
        await expect(post.locator(".body")).to_have_text("Soupe à la courge\n\nLa recette complète.")
        await expect(post.locator("a")).to_have_attribute("href", "https://www.youtube.com/watch?v=vid1")
