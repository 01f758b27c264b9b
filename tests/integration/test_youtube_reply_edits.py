"""Edits and deletions of YouTube replies are seen though the reply count stays the same
(issue 17, fix 2): the replies of recent threads are re-read on a schedule, within the quota."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import Fetcher, Running, serving
from collecting import drain as drain_all
from polling import Clock

from collector.base import Account
from collector.youtube import YouTubeCollector
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


def collector(url: str, session: aiohttp.ClientSession, clock: Clock, **settings) -> YouTubeCollector:
    account = Account(4, "youtube", CHANNEL_ID, f"{url}/youtube/v3", {"access_token": "demo-token"},
                      {**DEMO_ACCOUNT["settings"], **settings})
    return YouTubeCollector(account, session, clock=clock)


async def a_thread_with_two_replies(running: Running, clock: Clock) -> tuple[str, str, str, dict]:
    url, control, session = running
    top = await control.inject(kind="comment", text="Vous ouvrez le dimanche?")
    first = await control.inject(kind="reply", parent=top, text="Oui, dès 9 h")
    second = await control.inject(kind="reply", parent=top, text="Et le lundi aussi")
    items, cursor, _ = await drain(collector(url, session, clock), {})
    assert {i.external_id for i in items} == {top, first, second}
    return top, first, second, cursor


async def test_an_edited_and_a_deleted_reply_are_seen_though_the_count_did_not_move(running: Running) -> None:
    url, control, session = running
    clock = Clock()
    top, first, second, cursor = await a_thread_with_two_replies(running, clock)
    await control.edit(first, "Oui, dès 10 h (nouvel horaire)")
    await control.delete(second)
    third = await control.inject(kind="reply", parent=top, text="Merci!")  # two replies again
    clock.advance(5 * 60)
    items, cursor, _ = await drain(collector(url, session, clock), cursor)
    assert first not in {i.external_id for i in items}  # not due yet: only new replies show
    clock.advance(30 * 60)
    batches = []
    source = collector(url, session, clock)
    while True:
        batch = await source.fetch(cursor)
        batches.append(batch)
        cursor = batch.cursor
        if not batch.more:
            break
    by_id = {i.external_id: i for b in batches for i in b.items}
    assert by_id[first].body == "Oui, dès 10 h (nouvel horaire)" and not by_id[first].deleted
    assert by_id[second].deleted and by_id[second].parent_external_id == top
    assert third in by_id and not by_id[third].deleted
    # The re-read is paid for and counted in the account's usage like every call.
    assert sum(b.usage["quota_units_batch"] for b in batches) == len(batches)
    assert batches[-1].usage["quota_units"] == (await control.state())["quota_used"]
    # Re-read once: the next round, right after, costs what a round without re-reads costs.
    spent = (await control.state())["quota_used"]
    items, _, calls = await drain(collector(url, session, clock), cursor)
    assert items == [] and (await control.state())["quota_used"] - spent == calls == 2  # threads + counts


async def test_re_reads_wait_when_half_the_days_quota_is_spent(running: Running) -> None:
    url, control, session = running
    clock = Clock()
    _, first, _, cursor = await a_thread_with_two_replies(running, clock)
    await control.edit(first, "modifié")
    clock.advance(31 * 60)
    cursor["quota"]["used"] = 5_000  # of 10,000
    items, _, _ = await drain(collector(url, session, clock), cursor)
    assert first not in {i.external_id for i in items}
