"""The YouTube collector against its emulator on loopback: paging, restarts, faults, quota."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from collecting import FAULTS, Fetcher, Running, fails_once, serving, times_out
from collecting import drain as drain_all

from collector.base import Account, RateLimited, Refused
from collector.youtube import YouTubeCollector, seconds_to_pacific_midnight
from emulators.youtube import CHANNEL_ID, DEMO_ACCOUNT, create_app
from inbox.types import NewItem


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with serving(create_app()) as r:
        yield r


def own_video(item: NewItem) -> bool:
    return item.from_business and item.kind == "post"


async def drain(source: Fetcher, cursor: dict[str, Any]) -> tuple[list[NewItem], dict[str, Any], int]:
    """The comments of a round (the videos they answer, kept as context, are tested apart)."""
    items, cursor, calls = await drain_all(source, cursor)
    return [i for i in items if not own_video(i)], cursor, calls


def collector(url: str, session: aiohttp.ClientSession, token: str = "demo-token", **kwargs: Any) -> YouTubeCollector:
    account = Account(
        4, "youtube", CHANNEL_ID, f"{url}/youtube/v3", {"access_token": token}, dict(DEMO_ACCOUNT["settings"])
    )
    return YouTubeCollector(account, session, **kwargs)


async def test_pages_through_threads_and_replies(running: Running) -> None:
    url, control, session = running
    tops = await control.inject_many(230, kind="comment", text="top {i}", author_name="@fan", author_id="UCfan")
    replies = await control.inject_many(
        7, kind="reply", parent=tops[-1], text="reply {i}", author_name="@bob", author_id="UCbob"
    )
    items, _, calls = await drain(collector(url, session), {})
    by_id = {i.external_id: i for i in items}
    assert set(by_id) == set(tops) | set(replies) and len(by_id) == len(items)
    assert calls >= 4
    assert all(by_id[r].kind == "reply" and by_id[r].parent_external_id == tops[-1] for r in replies)
    assert by_id[tops[0]].author is not None and by_id[tops[0]].author.handle == "@fan"


async def test_restart_mid_scan_then_new_comments_no_gap_no_duplicate(running: Running) -> None:
    url, control, session = running
    before = set(await control.inject_many(250, kind="comment", text="avant {i}"))
    batch = await collector(url, session).fetch({})
    seen = [i.external_id for i in batch.items if not own_video(i)]
    assert batch.more and batch.cursor["scan"]["token"]
    during = await control.inject(kind="comment", text="pendant la panne")
    restarted = collector(url, session)
    items, cursor, _ = await drain(restarted, batch.cursor)
    seen += [i.external_id for i in items]
    late_reply = await control.inject(kind="reply", parent=sorted(before)[0], text="réponse tardive")
    after = await control.inject(kind="comment", text="après")
    items, cursor, _ = await drain(restarted, cursor)
    seen += [i.external_id for i in items]
    assert len(seen) == len(set(seen))
    assert set(seen) == before | {during, after, late_reply}


@pytest.mark.parametrize("mode, error", FAULTS)
async def test_faults_then_complete(running: Running, mode: str, error: type[Exception]) -> None:
    url, control, session = running
    ids = set(await control.inject_many(3, kind="comment", text="c{i}"))
    source = collector(url, session)
    await fails_once(control, source, mode, error)
    items, _, _ = await drain(source, {})
    assert {i.external_id for i in items} == ids


async def test_rate_limit_carries_retry_after(running: Running) -> None:
    url, control, session = running
    caught = await fails_once(control, collector(url, session), "rate_limit", RateLimited, retry_after=45)
    assert caught.retry_after == 45


async def test_quota_exceeded_waits_until_pacific_midnight(running: Running) -> None:
    url, control, session = running
    now = datetime(2026, 11, 24, 20, 0, tzinfo=UTC)  # noon in Los Angeles
    await control.fault("quota", count=1)
    with pytest.raises(RateLimited, match="quotaExceeded") as caught:
        await collector(url, session, clock=lambda: now).fetch({})
    assert caught.value.retry_after == seconds_to_pacific_midnight(now) == 12 * 3600


async def test_quota_units_are_counted_and_the_limit_is_enforced() -> None:
    async with serving(create_app(quota_limit=60)) as (url, control, session):
        question = await control.inject(kind="comment", text="Quelle farine?")
        source = collector(url, session)
        items, cursor, _ = await drain(source, {})
        spent = cursor["quota"]["used"]
        assert spent == 2 and [i.external_id for i in items] == [question]  # the threads, then the video
        await source.reply(question, "Farine de meule 🌾", "k")  # 50 units
        batch = await source.fetch(cursor)
        assert batch.usage["quota_units_batch"] == 51 and batch.usage["quota_units"] == 53
        assert (await control.state())["quota_used"] == 53
        with pytest.raises(RateLimited, match="quotaExceeded"):
            await source.reply(question, "encore", "k2")


async def test_timeout_is_a_fetch_failure(running: Running) -> None:
    url, control, _ = running
    await times_out(control, url, collector)


async def test_reply_reaches_youtube_once_shows_next_poll_and_is_found(running: Running) -> None:
    url, control, session = running
    question = await control.inject(kind="comment", text="La recette svp?", author_id="UCfan", author_name="@fan")
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    assert await source.find_reply(question, "k", "En description! 📝") is None
    sent = await source.reply(question, "En description! 📝", "k")
    assert [r["text"] for r in (await control.state())["replies"]] == ["En description! 📝"]
    items, cursor, _ = await drain(source, cursor)
    assert [(i.external_id, i.from_business, i.parent_external_id) for i in items] == [
        (sent.external_id, True, question)
    ]
    found = await source.find_reply(question, "k", "En description! 📝")
    assert found is not None and found.external_id == sent.external_id


async def test_writes_that_cannot_succeed_are_refused(running: Running) -> None:
    url, _, session = running
    source = collector(url, session)
    with pytest.raises(Refused, match="parentCommentNotFound"):
        await source.reply("UgzNothingHere", "hello", "k")
    with pytest.raises(Refused):
        await source.hide("UgzNothingHere", True)


async def test_edited_and_deleted_comments(running: Running) -> None:
    url, control, session = running
    keep = await control.inject(kind="comment", text="Bonne vidéo")
    gone = await control.inject(kind="comment", text="Nul")
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    await control.edit(keep, "Excellente vidéo")
    await control.delete(gone)
    items, _, _ = await drain(source, cursor)
    by_id = {i.external_id: i for i in items}
    assert by_id[keep].body == "Excellente vidéo" and not by_id[keep].deleted
    assert by_id[gone].deleted


async def test_emoji_right_to_left_and_html_text_survive(running: Running) -> None:
    url, control, session = running
    texts = ["שלום 🌸", "مرحبا 👋🏽", "🇨🇦🍁☕️", "<b>gras</b> & «guillemets»"]
    for text in texts:
        await control.inject(kind="comment", text=text, author_name="نور")
    items, _, _ = await drain(collector(url, session), {})
    assert sorted(i.body for i in items) == sorted(texts)


async def test_a_deleted_channel_is_an_author_with_an_empty_name(running: Running) -> None:
    url, control, session = running
    await control.inject(kind="comment", text="orphan", author_id="", author_name="")
    batch = await collector(url, session).fetch({})
    [item] = [i for i in batch.items if not own_video(i)]
    assert item.author is not None and (item.author.external_id, item.author.name) == ("", "")
    assert any("no author channel" in p for p in batch.problems)


async def test_a_ten_thousand_comment_thread_pages_through(running: Running) -> None:
    url, control, session = running
    top = await control.inject(kind="comment", text="Concours! Répondez ici 🎁")
    made = await control.inject_many(10_000, kind="reply", parent=top, text="moi n°{i}")
    items, cursor, calls = await drain(collector(url, session), {})
    assert {i.external_id for i in items} == set(made) | {top} and len(items) == 10_001
    assert calls >= 100
    assert cursor["quota"]["used"] == calls + 1  # and one videos.list for the video


async def test_the_quota_ledger_starts_over_at_pacific_midnight(running: Running) -> None:
    url, control, session = running
    await control.inject(kind="comment", text="bonsoir")
    now = [datetime(2026, 11, 25, 7, 59, tzinfo=UTC)]  # 23:59 in Los Angeles
    source = collector(url, session, clock=lambda: now[0])
    batch = await source.fetch({})
    batch = await source.fetch(batch.cursor)
    assert batch.usage["quota_units"] == 3 and batch.usage["quota_reset_in"] == 60  # with one videos.list
    now[0] = datetime(2026, 11, 25, 8, 1, tzinfo=UTC)  # 00:01, a new Pacific day
    batch = await source.fetch(batch.cursor)
    assert batch.usage["quota_units"] == 1 and batch.cursor["quota"]["day"] == "2026-11-25"
