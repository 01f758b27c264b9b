"""The Instagram collector against its emulator on loopback: paging, restarts, faults, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import FAULTS, Fetcher, Running, fails_once, serving, times_out
from collecting import drain as drain_all

from collector.base import Account, RateLimited, Refused
from collector.instagram import InstagramCollector
from emulators.control import EmulatorControl
from emulators.instagram import DEMO_ACCOUNT, USER_ID, create_app
from inbox.types import NewItem


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with serving(create_app()) as r:
        yield r


def collector(url: str, session: aiohttp.ClientSession, token: str = "demo-token") -> InstagramCollector:
    account = Account(2, "instagram", USER_ID, url, {"access_token": token}, dict(DEMO_ACCOUNT["settings"]))
    return InstagramCollector(account, session)


def own_media(item: NewItem) -> bool:
    return item.from_business and item.kind == "post"


async def drain(source: Fetcher, cursor: dict[str, Any]) -> tuple[list[NewItem], dict[str, Any], int]:
    """The customers' items of a round (the account's own media, kept as context, are tested apart)."""
    items, cursor, calls = await drain_all(source, cursor)
    return [i for i in items if not own_media(i)], cursor, calls


async def test_the_accounts_own_media_are_kept_once_as_context(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    comment = await control.inject(kind="comment", parent=post, text="Miam")
    source = collector(url, session)
    items, cursor, _ = await drain_all(source, {})
    [mine] = [i for i in items if own_media(i) and i.external_id == post]
    assert mine.body == "Nouveau latte 🍂" and mine.thread_external_id == post
    assert [i.thread_external_id for i in items if i.external_id == comment] == [post]
    await control.inject(kind="comment", parent=post, text="Encore")
    items, cursor, _ = await drain_all(source, cursor)
    assert [i.body for i in items] == ["Encore"]  # the caption is not sent again


async def media(control: EmulatorControl) -> str:
    return await control.inject(kind="media", text="Nouveau latte 🍂")


async def test_pages_through_comments_and_nested_replies(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    tops = await control.inject_many(
        120, kind="comment", parent=post, text="top {i}", author_handle="mila.k", author_id="9001"
    )
    replies = await control.inject_many(
        60, kind="reply", parent=tops[0], text="reply {i}", author_handle="jo", author_id="9002"
    )
    items, _, calls = await drain(collector(url, session), {})
    by_id = {i.external_id: i for i in items}
    assert set(by_id) == set(tops) | set(replies) and len(items) == len(by_id)
    assert calls >= 4  # 50 per page, and the 60 replies overflow the nested edge
    assert all(by_id[r].kind == "reply" and by_id[r].parent_external_id == tops[0] for r in replies)
    assert by_id[tops[5]].author is not None and by_id[tops[5]].author.handle == "mila.k"


async def test_restart_mid_scan_then_new_comments_no_gap_no_duplicate(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    before = set(await control.inject_many(200, kind="comment", parent=post, text="before {i}"))
    seen: list[str] = []
    cursor: dict[str, Any] = {}
    first = collector(url, session)
    while len(seen) < 60:
        batch = await first.fetch(cursor)
        seen += [i.external_id for i in batch.items if not own_media(i)]
        cursor = batch.cursor
    during = await control.inject(kind="comment", parent=post, text="pendant la panne")
    restarted = collector(url, session)
    for _ in range(2):  # finish the interrupted round, then a fresh one
        items, cursor, _ = await drain(restarted, cursor)
        seen += [i.external_id for i in items]
    assert len(seen) == len(set(seen))
    assert set(seen) == before | {during}


async def test_incremental_polls_and_tags(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    source = collector(url, session)
    one = await control.inject(kind="comment", parent=post, text="one")
    items, cursor, _ = await drain(source, {})
    assert [i.external_id for i in items] == [one]
    items, cursor, _ = await drain(source, cursor)
    assert items == []
    two = await control.inject(kind="comment", parent=post, text="two")
    tagged = await control.inject(kind="mention", text="Brunch @cafe.demo 🥞", author_handle="max", author_id="9003")
    items, cursor, _ = await drain(source, cursor)
    assert {i.external_id: i.kind for i in items} == {two: "comment", tagged: "mention"}


@pytest.mark.parametrize("mode, error", FAULTS)
async def test_faults_then_complete(running: Running, mode: str, error: type[Exception]) -> None:
    url, control, session = running
    post = await media(control)
    ids = set(await control.inject_many(3, kind="comment", parent=post, text="c{i}"))
    source = collector(url, session)
    await fails_once(control, source, mode, error)
    items, _, _ = await drain(source, {})
    assert {i.external_id for i in items} == ids


async def test_rate_limit_carries_the_wait(running: Running) -> None:
    url, control, session = running
    caught = await fails_once(control, collector(url, session), "rate_limit", RateLimited, retry_after=120)
    assert caught.retry_after == 120  # X-Business-Use-Case-Usage: 2 minutes to regain access


async def test_timeout_is_a_fetch_failure(running: Running) -> None:
    url, control, _ = running
    await times_out(control, url, collector)


async def test_reply_and_hide_reach_instagram_once_and_show_next_poll(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    question = await control.inject(
        kind="comment", parent=post, text="Lait d'avoine?", author_handle="mila.k", author_id="9001"
    )
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    sent = await source.reply(question, "@mila.k oui! 🌾", "key-1")
    await source.hide(question, True)
    state = await control.state()
    assert [r["text"] for r in state["replies"]] == ["@mila.k oui! 🌾"]
    assert state["hidden"] == [question]
    items, cursor, _ = await drain(source, cursor)
    by_id = {i.external_id: i for i in items}
    assert by_id[sent.external_id].from_business and by_id[sent.external_id].parent_external_id == question
    assert by_id[question].raw["hidden"] is True
    with pytest.raises(Refused, match="hidden"):
        await source.reply(question, "again?", "key-2")
    assert len((await control.state())["replies"]) == 1


async def test_find_reply_after_a_crash(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    question = await control.inject(kind="comment", parent=post, text="Ouvert lundi?", author_id="9001")
    nested = await control.inject(kind="reply", parent=question, text="et mardi?", author_id="9001")
    source = collector(url, session)
    assert await source.find_reply(nested, "k", "Oui, les deux!") is None
    sent = await source.reply(nested, "Oui, les deux!", "k")  # lands on the top-level comment
    found = await source.find_reply(nested, "k", "Oui, les deux!")
    assert found is not None and found.external_id == sent.external_id


async def test_edited_and_deleted_comments(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    keep = await control.inject(kind="comment", parent=post, text="Joli")
    gone = await control.inject(kind="comment", parent=post, text="Bof")
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    await control.edit(keep, "Très joli")
    await control.delete(gone)  # the count moves, so the comments are walked again
    items, _, _ = await drain(source, cursor)
    by_id = {i.external_id: i for i in items}
    assert by_id[keep].body == "Très joli"
    assert by_id[gone].deleted


async def test_emoji_and_right_to_left_text_survive(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    texts = ["שלום! 🌸", "مرحبا 👋🏽", "🇨🇦🍁☕️", "<b>gras</b> & «guillemets»"]
    for text in texts:
        await control.inject(kind="comment", parent=post, text=text, author_handle="نور")
    items, _, _ = await drain(collector(url, session), {})
    assert sorted(i.body for i in items) == sorted(texts)


async def test_a_ten_thousand_comment_media_pages_through(running: Running) -> None:
    url, control, session = running
    post = await media(control)
    made = await control.inject_many(10_000, kind="comment", parent=post, text="n°{i}")
    items, _cursor, calls = await drain(collector(url, session), {})
    assert len(items) == 10_000 and {i.external_id for i in items} == set(made)
    assert calls >= 200


async def test_our_comment_on_our_own_media_is_found_again(running: Running) -> None:
    """A reply whose parent is a media goes to the media's comments (2.3): the look for a reply in
    doubt must search there too, not only a comment's replies, or the outbox posts it twice."""
    url, control, session = running
    post = await media(control)
    source = collector(url, session)
    sent = await source.reply(post, "Merci à tous!", "k")
    found = await source.find_reply(post, "k", "Merci à tous!")
    assert found is not None and found.external_id == sent.external_id
