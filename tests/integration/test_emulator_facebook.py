"""The Facebook collector against its emulator on loopback: paging, restarts, faults, writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC
from typing import Any

import aiohttp
import pytest
from collecting import FAULTS, Fetcher, Running, fails_once, serving, times_out
from collecting import drain as drain_all

from collector.base import Account, AuthFailed, RateLimited, Refused
from collector.facebook import FacebookCollector
from emulators.control import EmulatorControl
from emulators.facebook import DEMO_ACCOUNT, PAGE_ID, create_app
from inbox.types import NewItem


@pytest.fixture
async def running() -> AsyncIterator[Running]:
    async with serving(create_app()) as r:
        yield r


def collector(url: str, session: aiohttp.ClientSession, token: str = "demo-token") -> FacebookCollector:
    account = Account(1, "facebook", PAGE_ID, f"{url}/v25.0", {"access_token": token}, dict(DEMO_ACCOUNT["settings"]))
    return FacebookCollector(account, session)


def own_post(item: NewItem) -> bool:
    return item.from_business and item.kind == "post"


async def drain(source: Fetcher, cursor: dict[str, Any]) -> tuple[list[NewItem], dict[str, Any], int]:
    """The customers' items of a round (the Page's own posts, kept as context, are tested apart)."""
    items, cursor, calls = await drain_all(source, cursor)
    return [i for i in items if not own_post(i)], cursor, calls


async def test_the_pages_own_posts_are_kept_once_as_context(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    comment = await control.inject(kind="comment", parent=post, text="Enfin!")
    source = collector(url, session)
    items, cursor, _ = await drain_all(source, {})
    [mine] = [i for i in items if own_post(i) and i.external_id == post]
    assert mine.external_id == post and mine.body == "Our terrace is open 🌞" and mine.thread_external_id == post
    assert [i.parent_external_id for i in items if i.external_id == comment] == [post]
    # Next polls walk the feed again but do not send the post again.
    await control.inject(kind="comment", parent=post, text="Bravo")
    items, cursor, _ = await drain_all(source, cursor)
    assert [i.body for i in items] == ["Bravo"]


async def first_post(control: EmulatorControl) -> str:
    return await control.inject(kind="page_post", text="Our terrace is open 🌞")


async def test_pages_through_several_comment_pages(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    injected = [
        await control.inject(kind="comment", parent=post, text=f"comment {i}", author_name="Dana", author_id="5550001")
        for i in range(230)
    ]
    items, _, calls = await drain(collector(url, session), {})
    comments = [i for i in items if i.parent_external_id == post]
    assert sorted(i.external_id for i in comments) == sorted(injected)
    assert calls >= 3  # 100 per page: at least three pages of this post's comments
    assert all(i.author is not None and i.author.name == "Dana" for i in comments)
    assert all(i.created_at is not None and i.created_at.tzinfo is not None for i in comments)


async def test_restart_mid_scan_then_new_comments_no_gap_no_duplicate(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    before = set(await control.inject_many(250, kind="comment", parent=post, text="before {i}"))
    first = collector(url, session)
    seen: list[str] = []
    cursor: dict[str, Any] = {}
    while len(seen) < 100:  # stop in the middle of the post's comments, as a crash would
        batch = await first.fetch(cursor)
        seen += [i.external_id for i in batch.items if not own_post(i)]
        cursor = batch.cursor
    assert cursor["scan"] is not None
    during = await control.inject(kind="comment", parent=post, text="written while we were down")
    restarted = collector(url, session)  # a new process with the saved cursor
    items, cursor, _ = await drain(restarted, cursor)
    seen += [i.external_id for i in items]
    after = await control.inject(kind="reply", parent=during, text="and a reply")
    items, cursor, _ = await drain(restarted, cursor)
    seen += [i.external_id for i in items]
    assert len(seen) == len(set(seen))
    assert set(seen) == before | {during, after}


async def test_incremental_polls_return_only_what_is_new(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    source = collector(url, session)
    one = await control.inject(kind="comment", parent=post, text="one")
    items, cursor, _ = await drain(source, {})
    assert [i.external_id for i in items] == [one]
    items, cursor, _ = await drain(source, cursor)
    assert items == []
    two = await control.inject(kind="comment", parent=post, text="two")
    visitor = await control.inject(kind="post", text="Visitor post on the wall", author_name="Léa", author_id="5550009")
    tagged = await control.inject(kind="mention", text="Brunch chez @Café Démo", author_name="Max", author_id="5550010")
    items, cursor, _ = await drain(source, cursor)
    kinds = {i.external_id: i.kind for i in items}
    assert kinds == {two: "comment", visitor: "post", tagged: "mention"}


@pytest.mark.parametrize("mode, error", FAULTS)
async def test_faults_then_complete(running: Running, mode: str, error: type[Exception]) -> None:
    url, control, session = running
    post = await first_post(control)
    ids = {await control.inject(kind="comment", parent=post, text=f"c{i}") for i in range(3)}
    source = collector(url, session)
    caught = await fails_once(control, source, mode, error)
    if mode == "malformed":
        assert caught.__cause__ is not None
    items, _, _ = await drain(source, {})
    assert {i.external_id for i in items} == ids


async def test_rate_limit_carries_the_wait(running: Running) -> None:
    url, control, session = running
    caught = await fails_once(control, collector(url, session), "rate_limit", RateLimited, retry_after=120)
    assert caught.retry_after == 120


async def test_timeout_is_a_fetch_failure(running: Running) -> None:
    url, control, _ = running
    caught = await times_out(control, url, collector)
    assert caught.__cause__ is not None


async def test_a_wrong_token_is_auth_failed(running: Running) -> None:
    url, _, session = running
    with pytest.raises(AuthFailed, match="190"):
        await collector(url, session, token="stolen").fetch({})


async def test_reply_and_hide_reach_the_page_once_and_show_next_poll(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    question = await control.inject(
        kind="comment", parent=post, text="Vous ouvrez à quelle heure?", author_id="5550001"
    )
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    sent = await source.reply(question, "Dès 8 h! 🥐", "key-1")
    await source.hide(question, True)
    state = await control.state()
    assert [r["text"] for r in state["replies"]] == ["Dès 8 h! 🥐"]
    assert state["hidden"] == [question]
    items, cursor, _ = await drain(source, cursor)
    by_id = {i.external_id: i for i in items}
    assert by_id[sent.external_id].from_business and by_id[sent.external_id].parent_external_id == question
    assert by_id[question].raw["is_hidden"] is True
    await source.hide(question, False)
    assert (await control.state())["hidden"] == []


async def test_find_reply_after_a_crash(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    question = await control.inject(kind="comment", parent=post, text="Livrez-vous?", author_id="5550001")
    follow_up = await control.inject(kind="reply", parent=question, text="à Laval?", author_id="5550001")
    source = collector(url, session)
    assert await source.find_reply(follow_up, "k", "Oui!") is None
    sent = await source.reply(follow_up, "Oui!", "k")  # lands in the thread of `question`
    found = await source.find_reply(follow_up, "k", "Oui!")
    assert found is not None and found.external_id == sent.external_id
    assert len((await control.state())["replies"]) == 1


async def test_writes_on_a_missing_comment_are_refused(running: Running) -> None:
    url, _, session = running
    with pytest.raises(Refused, match="100"):
        await collector(url, session).reply("1_2", "hello", "k")


async def test_edited_and_deleted_comments(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    keep = await control.inject(kind="comment", parent=post, text="Je reviendrai")
    gone = await control.inject(kind="comment", parent=post, text="Mauvais service")
    source = collector(url, session)
    _, cursor, _ = await drain(source, {})
    await control.edit(keep, "Je reviendrai, c'était parfait")
    await control.delete(gone)
    items, _, _ = await drain(source, cursor)
    by_id = {i.external_id: i for i in items}
    assert by_id[keep].body == "Je reviendrai, c'était parfait" and not by_id[keep].deleted
    assert by_id[gone].deleted


async def test_emoji_and_right_to_left_text_survive(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    texts = ["שלום! יש לכם קפה?", "مرحبا 👋🏽 هل لديكم حليب الشوفان؟", "👨‍👩‍👧‍👦🇨🇦 ☕️", "e\u0301te\u0301 <script>"]
    for text in texts:
        await control.inject(kind="comment", parent=post, text=text, author_name="نور")
    items, _, _ = await drain(collector(url, session), {})
    assert sorted(i.body for i in items) == sorted(texts)
    assert {i.author.name for i in items if i.author} == {"نور"}


async def test_a_ten_thousand_comment_thread_pages_through(running: Running) -> None:
    url, control, session = running
    post = await first_post(control)
    made = await control.inject_many(10_000, kind="comment", parent=post, text="n°{i}")
    items, cursor, calls = await drain(collector(url, session), {})
    assert len(items) == 10_000 and {i.external_id for i in items} == set(made)
    assert calls >= 100
    assert len(cursor["marks"][f"comments:{post}"]["seen"]) <= 700  # only the overlap window is kept


async def test_usage_headers_climb_and_are_reported() -> None:
    async with serving(create_app(usage_budget=20)) as (url, _, session):
        source = collector(url, session)
        first = await source.fetch({})
        for _ in range(5):
            last = await source.fetch(first.cursor)
        assert last.usage["app_usage_pct"] > first.usage.get("app_usage_pct", 0)
        assert last.usage["business_usage_pct"] >= 25 and last.usage["regain_access_minutes"] == 0


async def test_a_comment_dated_in_the_future_does_not_blind_the_next_polls(running: Running) -> None:
    """A clock-skewed or forged created_time must not lift the mark past now: every comment
    written after it would then sit below the floor and never be collected."""
    from datetime import datetime, timedelta

    url, control, session = running
    post = await first_post(control)
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    skewed = await control.inject(kind="comment", parent=post, text="from the future", created_at=future)
    items, cursor, _ = await drain(collector(url, session), {})
    assert skewed in {i.external_id for i in items}
    fresh = await control.inject(kind="comment", parent=post, text="written now")
    items, cursor, _ = await drain(collector(url, session), cursor)
    assert [i.external_id for i in items] == [fresh]
    items, _, _ = await drain(collector(url, session), cursor)
    assert items == []


async def test_our_reply_to_a_visitor_post_is_found_although_a_post_has_no_parent_field(running: Running) -> None:
    """Asking a Post for `parent` is Graph error 100 (a Post has parent_id, not parent): the look
    for a reply in doubt must still search the post's comments, or the outbox posts it twice."""
    url, control, session = running
    post = await control.inject(kind="post", text="Vous ouvrez à quelle heure?", author_name="Dana", author_id="5550001")
    source = collector(url, session)
    sent = await source.reply(post, "Dès 7 h!", "k")
    found = await source.find_reply(post, "k", "Dès 7 h!")
    assert found is not None and found.external_id == sent.external_id
