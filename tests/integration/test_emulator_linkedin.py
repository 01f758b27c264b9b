"""The LinkedIn collector against its emulator on loopback: the poll queue, restarts, faults, replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from collecting import arm_fault, demo_account, inject, on_loopback, stalled
from collecting import poll as poll_all
from yarl import URL

from collector.base import AuthFailed, FetchFailed, RateLimited, Refused
from collector.linkedin import LinkedInCollector, urn_in_path
from emulators.linkedin import DEMO_ACCOUNT, ORG, LinkedInEmulator


@pytest.fixture
async def page() -> AsyncIterator[tuple[LinkedInEmulator, str]]:
    """The LinkedIn emulator on loopback, and its base URL."""
    async with on_loopback(LinkedInEmulator()) as served:
        yield served


def own_post(item: Any) -> bool:
    return item.from_business and item.kind == "post"


async def poll(source: Any, cursor: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """The customers' items of a poll (the organisation's own posts, kept as context, are tested apart)."""
    items, cursor = await poll_all(source, cursor)
    return [i for i in items if not own_post(i)], cursor


def collector_for(base: str, session: aiohttp.ClientSession, **settings: Any) -> LinkedInCollector:
    return LinkedInCollector(demo_account("linkedin", DEMO_ACCOUNT, base, **settings), session)


def comments(emulator: LinkedInEmulator, count: int, parent: str | None = None) -> list[str]:
    return [emulator.inject({"kind": "comment", "text": f"commentaire {n}", "author_id": f"m{n}", "parent": parent})["external_id"]
            for n in range(count)]


def ids(items: list[Any]) -> list[str]:
    return [i.external_id for i in items if not own_post(i)]


async def test_the_emulator_refuses_requests_without_version_headers_or_encoded_urns(page, session) -> None:
    _, base = page
    auth = {"Authorization": "Bearer demo-token"}
    url = f"{base}/rest/posts?q=author&author={urn_in_path(ORG)}"
    async with session.get(url, headers=auth) as resp:
        assert resp.status == 400 and (await resp.json())["code"] == "VERSION_MISSING"
    async with session.get(url, headers={**auth, "LinkedIn-Version": "202609"}) as resp:
        assert resp.status == 400
    async with session.get(url, headers={**auth, "LinkedIn-Version": "202201", "X-Restli-Protocol-Version": "2.0.0"}) as resp:
        assert resp.status == 426 and (await resp.json())["code"] == "NONEXISTENT_VERSION"
    good = {**auth, "LinkedIn-Version": "202609", "X-Restli-Protocol-Version": "2.0.0"}
    # Given as a plain string, yarl decodes %3A back to ':': LinkedIn refuses raw URNs.
    async with session.get(url, headers=good) as resp:
        assert resp.status == 400 and "path" in (await resp.json())["message"]
    async with session.get(URL(url, encoded=True), headers=good) as resp:
        assert resp.status == 200 and len((await resp.json())["elements"]) == 2


async def test_comments_on_several_posts_page_through_with_replies_and_mentions(page, session) -> None:
    emulator, base = page
    first_post, second_post = emulator.state()["posts"]
    on_first = comments(emulator, 35, first_post)
    on_second = comments(emulator, 3, second_post)
    replies = comments(emulator, 12, on_first[4])
    mention = await inject(session, base, kind="mention", text="Superbe cours ce matin 🧘", author_id="fan1")
    before = emulator.requests
    items, _ = await poll(collector_for(base, session, page_size=10), {})
    assert sorted(ids(items)) == sorted(on_first + on_second + replies + [mention])
    assert len(ids(items)) == len(set(ids(items)))
    # posts, 4 pages on the first post, 1 on the second, 2 of replies, notifications, the mentioning post
    assert emulator.requests - before == 1 + 4 + 1 + 2 + 1 + 1
    by_id = {i.external_id: i for i in items}
    assert by_id[replies[0]].parent_external_id == on_first[4] and by_id[replies[0]].kind == "reply"
    assert by_id[mention].kind == "mention" and by_id[mention].body.endswith("@Studio Yoga Verdun")


async def test_restart_mid_poll_and_between_polls_loses_nothing_and_repeats_nothing(page, session) -> None:
    emulator, base = page
    post = emulator.state()["posts"][0]
    first = comments(emulator, 25, post)
    collector = collector_for(base, session, page_size=10)
    cursor: dict[str, Any] = {}
    seen: list[str] = []
    for _ in range(2):  # the posts read and one comments page, then the process dies
        batch = await collector.fetch(cursor)
        seen += ids(batch.items)
        cursor = json.loads(json.dumps(batch.cursor))
    # New comments land while nobody polls: newest-first order shifts the remaining pages.
    late = comments(emulator, 4, post)
    rest, cursor = await poll(collector_for(base, session, page_size=10), cursor)
    seen += ids(rest)
    assert len(seen) == len(set(seen))
    again, cursor = await poll(collector_for(base, session, page_size=10), cursor)
    assert sorted(seen + ids(again)) == sorted(first + late)
    assert (await poll(collector_for(base, session, page_size=10), cursor))[0] == []


@pytest.mark.parametrize(
    ("mode", "error"),
    [("rate_limit", RateLimited), ("quota", RateLimited), ("server_error", FetchFailed),
     ("malformed", FetchFailed), ("expired_token", AuthFailed)],
)
async def test_fault_modes_map_to_shared_errors_and_the_set_completes_after(page, session, mode, error) -> None:
    emulator, base = page
    post = emulator.state()["posts"][0]
    made = comments(emulator, 25, post)
    collector = collector_for(base, session, page_size=10)
    collector.clock = lambda: datetime(2026, 3, 2, 23, 0, tzinfo=UTC)
    batch = await collector.fetch({})
    await arm_fault(session, base, mode=mode, count=1, retry_after=13)
    with pytest.raises(error) as caught:
        await collector.fetch(batch.cursor)
    if mode == "rate_limit":
        assert caught.value.retry_after == 13
    if mode == "quota":  # a daily limit waits for midnight UTC
        assert caught.value.retry_after == 3600
    if mode == "malformed":
        assert isinstance(caught.value.__cause__, ValueError)
    collector.clock = lambda: datetime.now(UTC)
    rest, _ = await poll(collector, batch.cursor)
    assert sorted(ids(batch.items + rest)) == sorted(made)


async def test_a_timeout_is_a_fetch_failure(page) -> None:
    emulator, base = page
    comments(emulator, 2)
    async with stalled(base) as short:
        with pytest.raises(FetchFailed) as caught:
            await collector_for(base, short).fetch({})
        assert caught.value.__cause__ is not None
        items, _ = await poll(collector_for(base, short), {})
    assert len(items) == 2


async def test_reply_reaches_linkedin_once_and_shows_on_the_next_poll(page, session) -> None:
    emulator, base = page
    (question,) = comments(emulator, 1)
    collector = collector_for(base, session)
    _, cursor = await poll(collector, {})
    sent = await collector.reply(question, "Oui! Les cours commencent à 18 h.", "k1")
    assert [r["id"] for r in emulator.replies] == [sent.external_id]
    items, cursor = await poll(collector, cursor)
    assert [(i.external_id, i.kind, i.parent_external_id, i.from_business, i.body) for i in items] == [
        (sent.external_id, "reply", question, True, "Oui! Les cours commencent à 18 h.")
    ]
    assert (await poll(collector, cursor))[0] == []


async def test_find_reply_and_replying_to_a_mention(page, session) -> None:
    emulator, base = page
    (question,) = comments(emulator, 1)
    collector = collector_for(base, session)
    assert await collector.find_reply(question, "k", "Bienvenue!") is None
    sent = await collector.reply(question, "Bienvenue!", "k")
    found = await collector.find_reply(question, "k", " Bienvenue! ")
    assert found is not None and found.external_id == sent.external_id
    mention = await inject(session, base, kind="mention", text="Merci au studio", author_id="fan2")
    on_mention = await collector.reply(mention, "Merci à vous!", "k2")
    assert on_mention.external_id.startswith(f"urn:li:comment:({mention},")
    with pytest.raises(Refused):
        await collector.reply("urn:li:share:1", "?", "k3")
    with pytest.raises(Refused):
        await collector.hide(question, True)


async def test_edited_comments_come_again_and_deleted_ones_arrive_as_deletions(page, session) -> None:
    emulator, base = page
    post = emulator.state()["posts"][-1]  # the newest post: the poll reads it first
    made = comments(emulator, 30, post)
    collector = collector_for(base, session, page_size=10)
    batch = await collector.fetch({})  # the posts
    batch2 = await collector.fetch(batch.cursor)  # the first ten comments (the newest)
    await inject(session, base, delete=made[-1])  # already read: everything shifts up by one
    rest, cursor = await poll(collector, batch2.cursor)
    got = batch2.items + rest
    assert {i.external_id for i in got if not i.deleted} == set(made)
    assert [(i.external_id, i.deleted) for i in got if i.deleted] == [(made[-1], True)]
    await inject(session, base, edit=made[3], text="commentaire modifié ✏️")
    items, _ = await poll(collector, cursor)
    assert [(i.external_id, i.body) for i in items] == [(made[3], "commentaire modifié ✏️")]


async def test_emoji_and_right_to_left_text_survive(page, session) -> None:
    _, base = page
    texts = ["Namasté 🙏🏽🧘‍♀️ merci!", "شكراً على الحصة", "תודה רבה 🇨🇦"]
    for text in texts:
        await inject(session, base, kind="comment", text=text, author_id="abc")
    items, _ = await poll(collector_for(base, session), {})
    assert sorted(i.body for i in items) == sorted(texts)


async def test_a_thousand_comments_on_one_post(page, session) -> None:
    emulator, base = page
    made = comments(emulator, 1000)
    items, cursor = await poll(collector_for(base, session), {})
    assert sorted(ids(items)) == sorted(made)
    assert (await poll(collector_for(base, session), cursor))[0] == []


async def test_the_first_poll_brings_only_the_lookback_window(page, session) -> None:
    emulator, base = page
    now = datetime.now(UTC)
    old = emulator.inject({"kind": "comment", "text": "il y a longtemps", "created_at": (now - timedelta(days=45)).isoformat()})["external_id"]
    new = emulator.inject({"kind": "comment", "text": "hier", "created_at": (now - timedelta(days=1)).isoformat()})["external_id"]
    items, _cursor = await poll(collector_for(base, session), {})
    assert ids(items) == [new]
    items, _ = await poll(collector_for(base, session, lookback_days=60), {})
    assert sorted(ids(items)) == sorted([old, new])


async def test_only_the_newest_posts_are_watched_and_old_marks_are_forgotten(page, session) -> None:
    emulator, base = page
    older, newer = emulator.state()["posts"]
    (on_older,) = comments(emulator, 1, older)
    (on_newer,) = comments(emulator, 1, newer)
    items, cursor = await poll(collector_for(base, session), {})
    assert sorted(ids(items)) == sorted([on_older, on_newer])
    assert set(cursor["sources"]) == {older, newer}
    items, cursor = await poll(collector_for(base, session, posts=1), cursor)
    assert items == [] and set(cursor["sources"]) == {newer}


async def test_a_thread_deleted_while_queued_is_skipped_not_fatal(page, session) -> None:
    emulator, base = page
    post = emulator.state()["posts"][-1]
    (top,) = comments(emulator, 1, post)
    replies = comments(emulator, 2, top)
    collector = collector_for(base, session)
    batch = await collector.fetch({})  # the posts
    batch = await collector.fetch(batch.cursor)  # the newest post's comments: queues the thread
    assert [i.external_id for i in batch.items] == [top]
    await inject(session, base, delete=top)
    rest, cursor = await poll(collector, batch.cursor)
    assert sorted((i.external_id, i.deleted) for i in rest) == sorted([(top, True)] + [(r, True) for r in replies])
    assert top not in cursor["sources"] and top not in cursor["counts"]


async def test_the_organisations_posts_are_kept_once_as_context_and_again_when_edited(page, session) -> None:
    emulator, base = page
    yoga, hiring = emulator.state()["posts"]
    emulator.posts[yoga]["commentary"] = "Cours avec @[Studio Yoga Verdun](urn:li:organization:2414183) mardi"
    comment = comments(emulator, 1, yoga)[0]
    source = collector_for(base, session)
    items, cursor = await poll_all(source, {})
    posts = {i.external_id: i for i in items if own_post(i)}
    assert set(posts) == {yoga, hiring} and posts[yoga].body == "Cours avec @Studio Yoga Verdun mardi"
    assert posts[yoga].thread_external_id == yoga == next(i for i in items if i.external_id == comment).thread_external_id
    items, cursor = await poll_all(source, cursor)
    assert [i for i in items if own_post(i)] == []  # unchanged: not passed on again
    emulator.posts[hiring]["commentary"] = "Nous embauchons toujours!"
    emulator.posts[hiring]["lastModifiedAt"] += 1000
    items, cursor = await poll_all(source, cursor)
    assert [(i.external_id, i.body) for i in items if own_post(i)] == [(hiring, "Nous embauchons toujours!")]
