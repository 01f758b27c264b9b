"""The WordPress collector against its emulator on loopback: paging, restarts, faults, replies."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from collecting import demo_account, inject, on_loopback, poll, recorded, stalled

from collector.base import AuthFailed, FetchFailed, RateLimited, Refused
from collector.wordpress import WordPressCollector
from emulators.base import serve
from emulators.wordpress import DEMO_ACCOUNT, WordPressEmulator


@pytest.fixture
async def blog() -> AsyncIterator[tuple[WordPressEmulator, str]]:
    """The WordPress emulator on loopback, and its base URL."""
    async with on_loopback(WordPressEmulator()) as served:
        yield served


def collector_for(base: str, session: aiohttp.ClientSession, **settings: Any) -> WordPressCollector:
    return WordPressCollector(demo_account("wordpress", DEMO_ACCOUNT, base, **settings), session)


def backdated(emulator: WordPressEmulator, count: int, start: datetime, **payload: Any) -> list[str]:
    """Inject `count` comments one second apart, oldest first, through the emulator's own inject."""
    return [
        emulator.inject({"kind": "comment", "text": f"commentaire {i}", "author_name": f"Client {i}",
                         "created_at": (start + timedelta(seconds=i)).isoformat(), **payload})["external_id"]
        for i in range(count)
    ]


async def test_pages_through_several_pages(blog, session) -> None:
    emulator, base = blog
    ids = backdated(emulator, 250, datetime.now(UTC) - timedelta(days=3))
    before = emulator.requests
    items, _ = await poll(collector_for(base, session), {})
    assert [i.external_id for i in items] == ids
    assert emulator.requests - before == 3


async def test_restart_mid_walk_and_between_polls_loses_nothing_and_repeats_nothing(blog, session) -> None:
    emulator, base = blog
    first = backdated(emulator, 150, datetime.now(UTC) - timedelta(minutes=30))
    batch = await collector_for(base, session).fetch({})
    assert batch.more and len(batch.items) == 100
    # A new process picks up the saved cursor in the middle of the walk.
    rest, cursor = await poll(collector_for(base, session), json.loads(json.dumps(batch.cursor)))
    assert [i.external_id for i in batch.items + rest] == first
    new = [await inject(session, base, kind="comment", text=f"nouveau {n}", author_name="Ann") for n in range(3)]
    again, cursor = await poll(collector_for(base, session), cursor)
    assert [i.external_id for i in again] == new
    nothing, _ = await poll(collector_for(base, session), cursor)
    assert nothing == []


@pytest.mark.parametrize(
    ("mode", "error"),
    [("rate_limit", RateLimited), ("server_error", FetchFailed), ("malformed", FetchFailed), ("expired_token", AuthFailed)],
)
async def test_fault_modes_map_to_shared_errors_and_the_set_completes_after(blog, session, mode, error) -> None:
    emulator, base = blog
    ids = backdated(emulator, 230, datetime.now(UTC) - timedelta(days=3))
    collector = collector_for(base, session)
    batch = await collector.fetch({})
    async with session.post(f"{base}/_control/fault", json={"mode": mode, "count": 1, "retry_after": 7}) as resp:
        assert resp.status == 200
    with pytest.raises(error) as caught:
        await collector.fetch(batch.cursor)
    if mode == "rate_limit":
        assert caught.value.retry_after == 7
    assert caught.value.__cause__ is not None or mode in ("rate_limit", "expired_token", "server_error")
    rest, _ = await poll(collector, batch.cursor)
    assert [i.external_id for i in batch.items + rest] == ids


async def test_a_timeout_is_a_fetch_failure(blog) -> None:
    emulator, base = blog
    backdated(emulator, 3, datetime.now(UTC) - timedelta(days=3))
    emulator.fault = None
    async with stalled(base) as short:
        collector = collector_for(base, short)
        with pytest.raises(FetchFailed) as caught:
            await collector.fetch({})
        assert caught.value.__cause__ is not None
        items, _ = await poll(collector, {})
    assert len(items) == 3


async def test_reply_reaches_the_site_once_and_shows_on_the_next_poll(blog, session) -> None:
    emulator, base = blog
    parent = await inject(session, base, kind="comment", text="Vous ouvrez le 24?", author_name="Julie")
    collector = collector_for(base, session)
    _, cursor = await poll(collector, {})
    sent = await collector.reply(parent, "Oui, de 7 h à 14 h!", "key-1")
    assert [r["id"] for r in emulator.replies] == [sent.external_id]
    # Sending the same text again is refused by WordPress's duplicate check: never twice.
    with pytest.raises(Refused):
        await collector.reply(parent, "Oui, de 7 h à 14 h!", "key-1")
    assert len(emulator.replies) == 1
    items, _ = await poll(collector, cursor)
    assert [(i.external_id, i.kind, i.parent_external_id, i.from_business, i.body) for i in items] == [
        (sent.external_id, "reply", parent, True, "Oui, de 7 h à 14 h!")
    ]


async def test_find_reply_finds_a_posted_reply_and_only_that_one(blog, session) -> None:
    _, base = blog
    parent = await inject(session, base, kind="comment", text="Avez-vous du pain sans gluten?", author_name="Zoé")
    collector = collector_for(base, session)
    assert await collector.find_reply(parent, "k", "Oui, le jeudi.") is None
    sent = await collector.reply(parent, "Oui, le jeudi.", "k")
    found = await collector.find_reply(parent, "k", "Oui,  le jeudi.")
    assert found is not None and found.external_id == sent.external_id
    assert await collector.find_reply(parent, "k", "Non.") is None


async def test_the_site_user_is_learned_when_settings_do_not_say(blog, session) -> None:
    _, base = blog
    parent = await inject(session, base, kind="comment", text="Merci!", author_name="Léa")
    collector = collector_for(base, session)
    collector.account.settings.pop("user_id")
    collector._user_id = None
    await collector.reply(parent, "Avec plaisir", "k")
    items, _ = await poll(collector, {})
    assert [i.from_business for i in items] == [False, True]


async def test_edits_inside_the_window_show_and_a_deletion_between_pages_skips_nothing(blog, session) -> None:
    emulator, base = blog
    ids = backdated(emulator, 250, datetime.now(UTC) - timedelta(minutes=5))
    collector = collector_for(base, session)
    batch = await collector.fetch({})
    # A comment already read is deleted before page two: offsets shift by one.
    await inject(session, base, delete=ids[10])
    rest, cursor = await poll(collector, batch.cursor)
    assert {i.external_id for i in batch.items + rest} == set(ids)
    await inject(session, base, edit=ids[-1], text="commentaire modifié")
    edited, _ = await poll(collector, cursor)
    assert [(i.external_id, i.body) for i in edited] == [(ids[-1], "commentaire modifié")]


async def test_emoji_and_right_to_left_text_survive(blog, session) -> None:
    _, base = blog
    texts = ["Trop bon 🥐🔥👍🏽 merci!", "مرحبا، هل أنتم مفتوحون؟", "שלום 🇨🇦 & <b>salut</b>"]
    for text in texts:
        await inject(session, base, kind="comment", text=text, author_name="נועה")
    items, _ = await poll(collector_for(base, session), {})
    assert [i.body for i in items] == texts
    assert items[0].author.name == "נועה"


async def test_hide_sends_the_comment_back_to_moderation(blog, session) -> None:
    emulator, base = blog
    spam = await inject(session, base, kind="comment", text="Cheap followers!!! bit.ly/x", author_name="spam")
    collector = collector_for(base, session)
    await collector.hide(spam, True)
    assert emulator.hidden == {spam}
    items, _ = await poll(collector, {})
    assert items == []
    await collector.hide(spam, False)
    assert emulator.hidden == set()


async def test_ten_thousand_comments_on_one_post_page_through_completely(blog, session) -> None:
    emulator, base = blog
    post = emulator.state()["posts"][0]
    # One bulk control request: 10,000 comments one second apart, ending now.
    async with session.post(f"{base}/_control/inject", json={"count": 10_000, "kind": "comment", "parent": post,
                                                             "text": "commentaire {i}", "author_name": "Client"}) as resp:
        ids = (await resp.json())["external_ids"]
    items, cursor = await poll(collector_for(base, session, overlap_seconds=600), {})
    assert len(items) == 10_000 and {i.external_id for i in items} == set(ids)
    assert {i.thread_external_id for i in items} == {post}
    # The cursor keeps only the overlap window's ids, not the whole thread.
    assert len(cursor["seen"]) <= 601


async def test_the_first_poll_brings_only_the_lookback_window(blog, session) -> None:
    emulator, base = blog
    now = datetime.now(UTC)
    old = backdated(emulator, 2, now - timedelta(days=40))
    recent = backdated(emulator, 2, now - timedelta(days=2))
    items, _ = await poll(collector_for(base, session), {})
    assert [i.external_id for i in items] == recent
    items, _ = await poll(collector_for(base, session, lookback_days=60), {})
    assert [i.external_id for i in items] == old + recent
    # The horizon comes from the injected clock, not the wall clock.
    account = collector_for(base, session).account
    later = WordPressCollector(account, session, clock=lambda: now + timedelta(days=29))
    items, _ = await poll(later, {})
    assert items == []


async def test_a_malformed_comment_is_a_problem_line_and_the_rest_flows(session) -> None:
    # A site whose plugin mangles one comment: served as recorded, outside the emulator.
    body = (Path(__file__).parent.parent / "fixtures" / "wordpress" / "comments_one_malformed.json").read_text()
    app = web.Application()
    app.router.add_get("/wp-json/wp/v2/comments", recorded(lambda: web.Response(
        text=body, content_type="application/json", headers={"X-WP-Total": "2", "X-WP-TotalPages": "1"})))
    runner, base = await serve(app)
    try:
        collector = collector_for(base, session, lookback_days=100_000)
        batch = await collector.fetch({})
    finally:
        await runner.cleanup()
    assert [i.external_id for i in batch.items] == ["900"]
    assert len(batch.problems) == 1 and "901" in batch.problems[0]
    assert not batch.more


async def test_find_reply_recognises_a_reply_whose_shown_text_wordpress_typeset(session) -> None:
    """WordPress shows ' as ’ and ... as … (wptexturize): the look for a reply in doubt reads the
    text as posted, else the outbox resends and WordPress refuses it as a duplicate."""
    emulator = WordPressEmulator(texturize=True)
    runner, base = await serve(emulator.create_app())
    try:
        parent = await inject(session, base, text="Vous êtes ouverts lundi?")
        collector = collector_for(base, session)
        text = "C'est noté... à lundi!"
        sent = await collector.reply(parent, text, "k")
        rendered = emulator.render(emulator.comments[int(sent.external_id)])["content"]["rendered"]
        assert "&#8217;" in rendered and "&#8230;" in rendered  # the site shows it typeset
        found = await collector.find_reply(parent, "k", text)
        assert found is not None and found.external_id == sent.external_id
    finally:
        await runner.cleanup()


async def test_a_comment_dated_in_the_future_does_not_blind_the_next_polls(blog, session) -> None:
    """A site whose clock ran ahead, or a date an admin edited, must not lift the mark past now:
    every comment written afterwards would sit below the floor and never be collected."""
    _, base = blog
    future = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    skewed = await inject(session, base, kind="comment", text="du futur", created_at=future)
    items, cursor = await poll(collector_for(base, session), {})
    assert [i.external_id for i in items] == [skewed]
    fresh = await inject(session, base, kind="comment", text="écrit maintenant")
    items, cursor = await poll(collector_for(base, session), cursor)
    assert [i.external_id for i in items] == [fresh]
    items, _ = await poll(collector_for(base, session), cursor)
    assert items == []


async def test_a_comment_approved_hours_after_it_was_written_is_collected(blog, session) -> None:
    emulator, base = blog
    collector = collector_for(base, session)
    held = emulator.inject({"kind": "comment", "text": "Mon commentaire en attente",
                            "created_at": (datetime.now(UTC) - timedelta(hours=5)).isoformat()})["external_id"]
    await collector.hide(held, True)  # held for moderation, as WordPress does for a first-time author
    await inject(session, base, kind="comment", text="Un commentaire approuvé tout de suite")
    first, cursor = await poll(collector, {})
    assert [i.body for i in first] == ["Un commentaire approuvé tout de suite"]
    await collector.hide(held, False)  # the owner approves it, five hours after it was written
    later, cursor = await poll(collector, cursor)
    assert [i.external_id for i in later] == [held]
    again, _ = await poll(collector, cursor)
    assert again == []
