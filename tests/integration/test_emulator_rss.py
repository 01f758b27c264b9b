"""The feed collector against the feed emulator on loopback: conditional GET, moves, faults."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from collecting import arm_fault, inject, on_loopback, recorded, stalled

from collector.base import Account, AuthFailed, FetchFailed, RateLimited, Refused
from collector.rss import RssCollector
from emulators import rss as feeds
from emulators.base import serve


@pytest.fixture
async def server() -> AsyncIterator[tuple[feeds.RssEmulator, str]]:
    """The RSS emulator on loopback, and its base URL."""
    async with on_loopback(feeds.RssEmulator()) as served:
        yield served


def collector_for(base: str, session: aiohttp.ClientSession, path: str = feeds.ALERTS_PATH) -> RssCollector:
    account = Account(id=1, platform="rss", external_id=path, base_url=base, credentials={}, settings={})
    return RssCollector(account, session)


async def fetch(collector: RssCollector, cursor: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    batch = await collector.fetch(cursor)
    assert not batch.more  # a feed is one document
    return batch.items, json.loads(json.dumps(batch.cursor))


def publish(emulator: feeds.RssEmulator, count: int) -> list[str]:
    return [emulator.inject({"kind": "entry", "text": f"Le café est cité dans l'article {n}", "site": "journal.example"})["external_id"] for n in range(count)]


async def test_new_entries_then_304_then_only_what_is_new_across_a_restart(server, session) -> None:
    emulator, base = server
    ids = publish(emulator, 30)
    items, cursor = await fetch(collector_for(base, session), {})
    assert sorted(i.external_id for i in items) == sorted(ids)
    assert all(i.url.startswith("https://journal.example/article/") for i in items)
    nothing, cursor = await fetch(collector_for(base, session), cursor)
    assert nothing == [] and emulator.conditional_hits == 1
    late = publish(emulator, 2)
    items, cursor = await fetch(collector_for(base, session), cursor)
    assert sorted(i.external_id for i in items) == sorted(late)
    # A restarted process with the saved cursor asks conditionally again.
    assert (await fetch(collector_for(base, session), cursor))[0] == []
    assert emulator.conditional_hits == 2


async def test_last_modified_alone_also_gives_304(server, session) -> None:
    emulator, base = server
    publish(emulator, 3)
    _, cursor = await fetch(collector_for(base, session), {})
    cursor.pop("etag")
    assert (await fetch(collector_for(base, session), cursor))[0] == []
    assert emulator.conditional_hits == 1


async def test_a_feed_window_larger_than_one_page_of_entries(server, session) -> None:
    emulator, base = server
    ids = publish(emulator, 250)
    items, cursor = await fetch(collector_for(base, session), {})
    # The feed shows its newest 100, as real feeds keep only their latest entries.
    assert sorted(i.external_id for i in items) == sorted(ids[-100:])
    assert len(cursor["seen"]) == 100


async def test_a_feed_that_moved_a_whole_window_since_the_last_read_says_so(session) -> None:
    async with on_loopback(feeds.RssEmulator(window=5)) as (emulator, base):
        publish(emulator, 3)
        first = await collector_for(base, session).fetch({})
        assert not first.gap  # nothing was read before: nothing to miss
        publish(emulator, 4)  # one entry read before is still listed
        moved = await collector_for(base, session).fetch(json.loads(json.dumps(first.cursor)))
        assert len(moved.items) == 4 and not moved.gap and moved.problems == []
        publish(emulator, 6)  # more than the window: none of those read before is listed
        gone = await collector_for(base, session).fetch(json.loads(json.dumps(moved.cursor)))
    assert len(gone.items) == 5 and gone.gap
    assert any("scrolled off unread" in p for p in gone.problems)


async def test_rss_2_news_feed(server, session) -> None:
    emulator, base = server
    ids = publish(emulator, 5)
    items, cursor = await fetch(collector_for(base, session, feeds.NEWS_PATH), {})
    assert sorted(i.external_id for i in items) == sorted(ids)
    assert {i.author.name for i in items} == {"journal.example"}
    assert (await fetch(collector_for(base, session, feeds.NEWS_PATH), cursor))[0] == []


async def test_a_permanent_redirect_moves_the_cursor_to_the_new_address(server, session) -> None:
    emulator, base = server
    publish(emulator, 2)
    items, cursor = await fetch(collector_for(base, session, feeds.OLD_PATH), {})
    assert len(items) == 2
    assert cursor["url"] == base + feeds.ALERTS_PATH
    before = emulator.requests
    await fetch(collector_for(base, session, feeds.OLD_PATH), cursor)
    assert emulator.requests - before == 1  # straight to the new address, no redirect


@pytest.mark.parametrize(
    ("mode", "error"),
    [("rate_limit", RateLimited), ("server_error", FetchFailed), ("malformed", FetchFailed), ("expired_token", AuthFailed)],
)
async def test_fault_modes_map_to_shared_errors_and_the_set_completes_after(server, session, mode, error) -> None:
    emulator, base = server
    first = publish(emulator, 3)
    _, cursor = await fetch(collector_for(base, session), {})
    late = publish(emulator, 2)
    await arm_fault(session, base, mode=mode, count=1, retry_after=11)
    with pytest.raises(error) as caught:
        await collector_for(base, session).fetch(cursor)
    if error is RateLimited:
        assert caught.value.retry_after == 11
    if mode == "malformed":
        assert isinstance(caught.value.__cause__, ValueError)
    items, _ = await fetch(collector_for(base, session), cursor)
    assert sorted(i.external_id for i in items) == sorted(late)
    assert not set(first) & {i.external_id for i in items}


async def test_a_timeout_is_a_fetch_failure(server) -> None:
    emulator, base = server
    publish(emulator, 1)
    async with stalled(base) as short:
        with pytest.raises(FetchFailed) as caught:
            await collector_for(base, short).fetch({})
        assert caught.value.__cause__ is not None
        items, _ = await fetch(collector_for(base, short), {})
    assert len(items) == 1


async def test_no_replies_on_a_feed(server, session) -> None:
    emulator, base = server
    (entry,) = publish(emulator, 1)
    collector = collector_for(base, session)
    assert not collector.can_reply and not collector.can_hide
    with pytest.raises(Refused):
        await collector.reply(entry, "merci", "k")
    assert await collector.find_reply(entry, "k", "merci") is None


async def test_edited_entries_come_again_and_withdrawn_ones_break_nothing(server, session) -> None:
    emulator, base = server
    ids = publish(emulator, 4)
    _, cursor = await fetch(collector_for(base, session), {})
    await inject(session, base, edit=ids[1], text="Article corrigé: le café ouvre lundi")
    await inject(session, base, delete=ids[2])
    items, cursor = await fetch(collector_for(base, session), cursor)
    assert [(i.external_id, i.body.endswith("le café ouvre lundi")) for i in items] == [(ids[1], True)]
    assert (await fetch(collector_for(base, session), cursor))[0] == []


async def test_emoji_and_right_to_left_text_survive(server, session) -> None:
    _, base = server
    texts = ["Le meilleur café 🔥☕️ <b>vraiment</b> & plus", "مقهى رائع في مونتريال", "בית קפה מצוין 🇨🇦"]
    for text in texts:
        await inject(session, base, kind="entry", text=text, title=text, author_name="Blogue Plateau")
    items, _ = await fetch(collector_for(base, session), {})
    assert sorted(i.body for i in items) == sorted(f"Blogue Plateau: {t}" for t in texts)  # the title, repeated in the summary, once


async def test_a_story_listed_twice_in_one_document_comes_once(session) -> None:
    item = '<item><title>Même histoire</title><guid>dup-1</guid><link>https://journal.example/x</link></item>'
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{item}{item}</channel></rss>'
    app = web.Application()
    app.router.add_get("/feed", recorded(lambda: web.Response(text=body, content_type="application/rss+xml")))
    runner, base = await serve(app)
    try:
        items, cursor = await fetch(collector_for(base, session, "/feed"), {})
    finally:
        await runner.cleanup()
    assert [i.external_id for i in items] == ["dup-1"]
    assert cursor["seen"] == [["dup-1", ""]]
