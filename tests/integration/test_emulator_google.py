"""The Google Business Profile collector against its emulator on loopback."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from collecting import arm_fault, demo_account, inject, on_loopback, poll, recorded, stalled

from collector.base import Account, AuthFailed, FetchFailed, RateLimited, Refused
from collector.google import GoogleCollector
from emulators.base import serve
from emulators.google import DEMO_ACCOUNT, GoogleEmulator


@pytest.fixture
async def place() -> AsyncIterator[tuple[GoogleEmulator, str]]:
    """The Google emulator on loopback, and its base URL."""
    async with on_loopback(GoogleEmulator()) as served:
        yield served


def collector_for(base: str, session: aiohttp.ClientSession) -> GoogleCollector:
    return GoogleCollector(demo_account("google", DEMO_ACCOUNT, base), session)


def backdated(emulator: GoogleEmulator, count: int) -> list[str]:
    """`count` reviews one minute apart, oldest first."""
    start = datetime.now(UTC) - timedelta(days=5)
    return [
        emulator.inject({"kind": "review", "text": f"avis {i}", "author_name": f"Client {i}", "rating": 1 + i % 5,
                         "created_at": (start + timedelta(minutes=i)).isoformat()})["external_id"]
        for i in range(count)
    ]


def reviews(items: list[Any]) -> list[str]:
    return [i.external_id for i in items if i.kind == "review"]


async def test_pages_through_several_pages_newest_first(place, session) -> None:
    emulator, base = place
    ids = backdated(emulator, 120)
    before = emulator.requests
    items, cursor = await poll(collector_for(base, session), {})
    assert reviews(items) == ids[::-1]
    assert emulator.requests - before == 3
    assert [i.raw["rating"] for i in items[:2]] == [5, 4]
    again, _ = await poll(collector_for(base, session), cursor)
    assert again == []


async def test_restart_mid_walk_and_new_reviews_during_it_lose_nothing(place, session) -> None:
    emulator, base = place
    ids = backdated(emulator, 120)
    batch = await collector_for(base, session).fetch({})
    assert batch.more
    # Reviews written while the walk is half done come in on the next poll, not lost.
    late = [await inject(session, base, kind="review", text="Très bon service", author_name="Luc", rating=5)]
    rest, cursor = await poll(collector_for(base, session), json.loads(json.dumps(batch.cursor)))
    assert reviews(batch.items + rest) == ids[::-1]
    late.append(await inject(session, base, kind="review", text="Bof", author_name="Ève", rating=2))
    items, cursor = await poll(collector_for(base, session), cursor)
    assert reviews(items) == late[::-1]
    assert (await poll(collector_for(base, session), cursor))[0] == []


@pytest.mark.parametrize(
    ("mode", "error"),
    [("rate_limit", RateLimited), ("quota", RateLimited), ("server_error", FetchFailed),
     ("malformed", FetchFailed), ("expired_token", AuthFailed)],
)
async def test_fault_modes_map_to_shared_errors_and_the_set_completes_after(place, session, mode, error) -> None:
    emulator, base = place
    ids = backdated(emulator, 120)
    collector = collector_for(base, session)
    batch = await collector.fetch({})
    await arm_fault(session, base, mode=mode, count=1, retry_after=9)
    with pytest.raises(error) as caught:
        await collector.fetch(batch.cursor)
    if error is RateLimited:
        assert caught.value.retry_after == 9
    if mode == "malformed":
        assert isinstance(caught.value.__cause__, ValueError)
    rest, _ = await poll(collector, batch.cursor)
    assert reviews(batch.items + rest) == ids[::-1]


async def test_a_timeout_is_a_fetch_failure(place) -> None:
    emulator, base = place
    backdated(emulator, 2)
    async with stalled(base) as short:
        with pytest.raises(FetchFailed):
            await collector_for(base, short).fetch({})
        items, _ = await poll(collector_for(base, short), {})
    assert len(reviews(items)) == 2


async def test_reply_is_put_once_shows_next_poll_and_a_second_put_replaces_it(place, session) -> None:
    emulator, base = place
    review = await inject(session, base, kind="review", text="Long wait at the cash", author_name="Sam", rating=2)
    collector = collector_for(base, session)
    _, cursor = await poll(collector, {})
    sent = await collector.reply(review, "Sorry Sam, we added a cashier on Saturdays.", "k1")
    assert sent.external_id == f"{review}/reply"
    assert emulator.replies == [{"parent": review, "text": "Sorry Sam, we added a cashier on Saturdays."}]
    items, cursor = await poll(collector, cursor)
    assert [(i.external_id, i.kind, i.from_business, i.body) for i in items if i.kind == "reply"] == [
        (sent.external_id, "reply", True, "Sorry Sam, we added a cashier on Saturdays.")
    ]
    await collector.reply(review, "Sorry Sam! A second cashier now works Saturdays.", "k2")
    items, _ = await poll(collector, cursor)
    assert [i.body for i in items if i.kind == "reply"] == ["Sorry Sam! A second cashier now works Saturdays."]
    assert emulator.reviews[review].reply["comment"].startswith("Sorry Sam!")


async def test_find_reply_and_refusals(place, session) -> None:
    _, base = place
    review = await inject(session, base, kind="review", text="Super", author_name="Ana", rating=5)
    collector = collector_for(base, session)
    assert await collector.find_reply(review, "k", "Merci Ana!") is None
    await collector.reply(review, "Merci Ana!", "k")
    found = await collector.find_reply(review, "k", "Merci  Ana!")
    assert found is not None and found.external_id == f"{review}/reply"
    assert await collector.find_reply(review, "k", "Autre chose") is None
    with pytest.raises(Refused):
        await collector.reply("NoSuchReview", "Merci", "k")
    with pytest.raises(Refused):
        await collector.hide(review, True)


async def test_edited_reviews_come_again_and_deleted_ones_do_not_break_the_walk(place, session) -> None:
    emulator, base = place
    ids = backdated(emulator, 120)
    collector = collector_for(base, session)
    batch = await collector.fetch({})
    await inject(session, base, delete=ids[0])  # the oldest, not read yet
    await inject(session, base, delete=ids[-1])  # the newest, already read
    rest, cursor = await poll(collector, batch.cursor)
    assert reviews(batch.items + rest) == ids[:0:-1]
    await inject(session, base, edit=ids[5], text="avis modifié: finalement excellent", rating=5)
    items, _ = await poll(collector, cursor)
    assert [(i.external_id, i.body, i.raw["rating"]) for i in items] == [(ids[5], "avis modifié: finalement excellent", 5)]


async def test_emoji_and_right_to_left_text_survive(place, session) -> None:
    _, base = place
    texts = ["Meilleure quincaillerie 🔨🪚👌🏾", "خدمة ممتازة جداً", "שירות מעולה 🇨🇦"]
    for text in texts:
        await inject(session, base, kind="review", text=text, author_name="مريم", rating=5)
    items, _ = await poll(collector_for(base, session), {})
    assert [i.body for i in items] == texts[::-1]
    assert items[0].author.name == "مريم"


async def test_two_thousand_reviews_page_through_completely(place, session) -> None:
    emulator, base = place
    ids = backdated(emulator, 2000)
    items, cursor = await poll(collector_for(base, session), {})
    assert reviews(items) == ids[::-1]
    assert len(cursor["at_mark"]) == 1


async def test_the_first_walk_stops_at_the_lookback_horizon(place, session) -> None:
    emulator, base = place
    now = datetime.now(UTC)
    old = emulator.inject({"kind": "review", "text": "vieux", "author_name": "A", "created_at": (now - timedelta(days=45)).isoformat()})["external_id"]
    new = emulator.inject({"kind": "review", "text": "récent", "author_name": "B", "created_at": (now - timedelta(days=1)).isoformat()})["external_id"]
    items, cursor = await poll(collector_for(base, session), {})
    assert reviews(items) == [new]
    assert (await poll(collector_for(base, session), cursor))[0] == []
    frozen = GoogleCollector(collector_for(base, session).account, session, clock=lambda: now - timedelta(days=20))
    items, _ = await poll(frozen, {})
    assert reviews(items) == [new, old]


async def test_a_malformed_review_is_a_problem_line_and_the_rest_flows(session) -> None:
    body = (Path(__file__).parent.parent / "fixtures" / "google" / "reviews_one_malformed.json").read_text()
    app = web.Application()
    app.router.add_get("/v4/accounts/111/locations/222/reviews", recorded(lambda: web.json_response(text=body)))
    runner, base = await serve(app)
    try:
        account = Account(id=1, platform="google", external_id="accounts/111/locations/222", base_url=base,
                          credentials={"access_token": "t"}, settings={"lookback_days": 100_000})
        batch = await GoogleCollector(account, session).fetch({})
    finally:
        await runner.cleanup()
    assert reviews(batch.items) == ["Good1"]
    assert len(batch.problems) == 1 and "Bad1" in batch.problems[0]


async def test_reviews_arriving_later_with_the_same_update_time_as_the_mark_are_not_lost(place, session) -> None:
    """Ties at the mark come in any order: one already seen must not end the walk before the new ones."""
    emulator, base = place
    when = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    first = emulator.inject({"kind": "review", "text": "premier", "author_name": "A", "created_at": when})["external_id"]
    collector = collector_for(base, session)
    items, cursor = await poll(collector, {})
    assert reviews(items) == [first]
    later = [emulator.inject({"kind": "review", "text": f"même seconde {i}", "author_name": f"B{i}", "created_at": when})["external_id"]
             for i in range(64)]
    assert any(r < first for r in later) and any(r > first for r in later)  # some sort after the seen one
    items, cursor = await poll(collector, cursor)
    assert sorted(reviews(items)) == sorted(later)
    items, _ = await poll(collector, cursor)
    assert reviews(items) == []
