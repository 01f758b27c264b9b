"""The videos YouTube comments answer: the emulator's videos.list, and the collector keeping
each video once as the pane's context post, with its quota unit counted (issue 15)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import Running, drain, serving

from collector.base import Account, FetchFailed
from collector.youtube import YouTubeCollector
from collector.youtube_videos import excerpt
from emulators.youtube import CHANNEL_ID, DEMO_ACCOUNT, create_app

AUTH = {"Authorization": "Bearer demo-token"}


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with serving(create_app()) as r:
        yield r


def collector(url: str, session: aiohttp.ClientSession) -> YouTubeCollector:
    account = Account(4, "youtube", CHANNEL_ID, f"{url}/youtube/v3", {"access_token": "demo-token"},
                      dict(DEMO_ACCOUNT["settings"]))
    return YouTubeCollector(account, session)


async def get(session: aiohttp.ClientSession, url: str, **params: str) -> tuple[int, Any]:
    async with session.get(f"{url}/youtube/v3/videos", params=params, headers=AUTH) as resp:
        return resp.status, await resp.json()


async def test_videos_list_gives_the_snippets_of_known_ids_and_costs_a_unit_each_call(running: Running) -> None:
    url, control, session = running
    status, body = await get(session, url, part="snippet", id="cafeDemo01A,nosuchvideo,dQw4w9WgXcQ")
    assert status == 200 and body["kind"] == "youtube#videoListResponse"
    assert [v["id"] for v in body["items"]] == ["cafeDemo01A", "dQw4w9WgXcQ"]  # unknown ids are left out
    snippet = body["items"][0]["snippet"]
    assert snippet["title"] == "Nouveau menu d'automne : soupe à la courge" and snippet["channelId"] == CHANNEL_ID
    assert snippet["description"].startswith("Goûtez") and snippet["publishedAt"].endswith("Z")
    assert (await control.state())["quota_used"] == 1


async def test_videos_list_without_part_or_id_is_googles_400_and_still_costs(running: Running) -> None:
    url, control, session = running
    for params in ({"id": "cafeDemo01A"}, {"part": "snippet"}):
        status, body = await get(session, url, **params)
        assert status == 400 and body["error"]["errors"][0]["reason"] == "missingRequiredParameter"
    assert (await control.state())["quota_used"] == 2


async def test_a_poll_keeps_each_answered_video_once_with_its_unit_counted(running: Running) -> None:
    url, control, session = running
    await control.inject(kind="comment", parent="cafeDemo01A", text="Elle est végane?")
    await control.inject(kind="comment", parent="dQw4w9WgXcQ", text="Beau café!")
    source = collector(url, session)
    items, cursor, calls = await drain(source, {})
    videos = {i.external_id: i for i in items if i.kind == "post"}
    assert set(videos) == {"cafeDemo01A", "dQw4w9WgXcQ"} and all(v.from_business for v in videos.values())
    soup = videos["cafeDemo01A"]
    assert soup.body == ("Nouveau menu d'automne : soupe à la courge\n\n"
                         "Goûtez notre soupe à la courge et nos muffins aux pommes. Bon appétit!")
    assert soup.url == "https://www.youtube.com/watch?v=cafeDemo01A" and soup.thread_external_id == "cafeDemo01A"
    assert cursor["quota"]["used"] == calls + 1 == (await control.state())["quota_used"]  # one call for both
    # New comments on the same videos: no second read of them.
    await control.inject(kind="comment", parent="cafeDemo01A", text="Et sans gluten?")
    items, cursor, calls_after = await drain(source, cursor)
    assert [(i.kind, i.body) for i in items] == [("comment", "Et sans gluten?")]
    assert cursor["quota"]["used"] == calls + 1 + calls_after


async def test_a_failed_video_read_lets_the_comments_through_and_is_tried_again(running: Running) -> None:
    url, control, session = running
    await control.inject(kind="comment", parent="cafeDemo01A", text="Miam")
    source = collector(url, session)
    original = source._call
    failures = ["YouTube 503 backendError"]

    async def flaky(method: str, path: str, params: dict[str, str], **kw: Any) -> Any:
        if path == "videos" and failures:
            raise FetchFailed(failures.pop())
        return await original(method, path, params, **kw)

    source._call = flaky  # type: ignore[method-assign]
    batch = await source.fetch({})
    assert [i.body for i in batch.items] == ["Miam"] and any("video titles" in p for p in batch.problems)
    batch = await source.fetch(batch.cursor)
    assert [i.external_id for i in batch.items if i.kind == "post"] == ["cafeDemo01A"]


def test_a_long_description_is_cut_at_a_word() -> None:
    text = "mot " * 300
    cut = excerpt(text, 50)
    assert len(cut) <= 51 and cut.endswith("mot…") and excerpt("court") == "court"
