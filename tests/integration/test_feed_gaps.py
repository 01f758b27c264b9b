"""A feed shows only its newest entries: when it moved a whole window between two reads, entries
may have scrolled off unread and nothing brings them back. The loss is counted on the account,
shown in /metrics and as a notice in Settings → Connections, so the owner can poll it more often."""

from __future__ import annotations

import html
import random

import asyncpg
import pytest
from collecting import on_loopback
from polling import Clock
from test_metrics import TOKEN, samples
from web_app import SECRET, client_for, login, make_app, seed

from collector.poller import Poller
from emulators import rss as feeds
from inbox.accounts import add_account
from inbox.credentials import Vault

WINDOW = 5
NOTICE_FR = "Des mentions ont pu défiler hors du flux sans être lues (dernière fois : "


def publish(emulator: feeds.RssEmulator, count: int) -> list[str]:
    return [emulator.inject({"kind": "entry", "text": f"Le café cité dans l'article {n}", "site": "journal.example"})["external_id"]
            for n in range(count)]


class Feed:
    """Brand A's feed account on the emulator, polled by one worker whose clock the test moves."""

    def __init__(self, pool: asyncpg.Pool, emulator: feeds.RssEmulator, account_id: int, poller: Poller, clock: Clock) -> None:
        self.pool, self.emulator, self.account_id, self.poller, self.clock = pool, emulator, account_id, poller, clock

    async def poll(self) -> int:
        """One poll of the feed (the next one due); the new items it stored."""
        self.clock.advance(3600)
        (row,) = [r for r in await self.poller.lease(100) if r.id == self.account_id]
        outcome = await self.poller.poll(row)
        assert outcome.error is None, outcome.error
        return outcome.new_items

    async def gaps(self) -> tuple[int, object]:
        row = await self.pool.fetchrow("select feed_gaps, last_feed_gap_at from accounts where id = $1", self.account_id)
        return row["feed_gaps"], row["last_feed_gap_at"]


@pytest.fixture
async def feed(pool, session):
    async with on_loopback(feeds.RssEmulator(window=WINDOW)) as (emulator, base):
        vault = Vault(SECRET)
        async with pool.acquire() as conn:
            ids = await seed(conn)
            # Only the feed is polled here: the seeded WordPress accounts point nowhere.
            await conn.execute("update accounts set enabled = false")
            account_id = await add_account(
                conn, vault, brand_id=ids["brand_a"], platform="rss", name="Revue de presse",
                external_id=feeds.ALERTS_PATH, base_url=base, credentials={}, poll_interval_seconds=300,
            )
        clock = Clock()
        poller = Poller(pool, vault, session, worker_id="w1", clock=clock, rng=random.Random(5))
        yield Feed(pool, emulator, account_id, poller, clock)


async def test_a_feed_that_moved_past_its_window_is_counted_and_shown(feed, pool, db_dsn) -> None:
    publish(feed.emulator, 3)
    assert await feed.poll() == 3
    assert await feed.gaps() == (0, None)  # the first poll has nothing to miss
    publish(feed.emulator, 10)  # 10 new entries; the feed shows only the newest 5
    assert await feed.poll() == WINDOW
    count, when = await feed.gaps()
    assert count == 1 and when is not None
    assert await feed.poll() == 0  # nothing new: no second gap
    assert (await feed.gaps())[0] == 1

    async with client_for(make_app(pool, db_dsn, metrics_token=TOKEN)) as client:
        scraped = samples((await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text)
        await login(client, "owner@a.test")
        page = html.unescape((await client.get("/settings")).text)
    key = (("account", str(feed.account_id)), ("brand", "cafe-a"), ("platform", "rss"))
    assert scraped[("jasette_account_feed_gaps", key)] == 1
    assert f'id="feed-gap-{feed.account_id}"' in page and NOTICE_FR in page
    assert "Raccourcissez l’intervalle de relève de ce flux." in page


async def test_a_feed_that_moved_less_than_its_window_records_no_gap(feed, pool, db_dsn) -> None:
    publish(feed.emulator, 3)
    assert await feed.poll() == 3
    publish(feed.emulator, WINDOW - 1)  # one entry read before is still listed
    assert await feed.poll() == WINDOW - 1
    assert await feed.gaps() == (0, None)
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "owner@a.test")
        page = (await client.get("/settings")).text
    assert "feed-gap-" not in page and NOTICE_FR not in page


async def test_a_first_poll_of_a_long_feed_records_no_gap(feed) -> None:
    publish(feed.emulator, 12)  # more than the window before Jasette ever read it: nothing was read yet
    assert await feed.poll() == WINDOW
    assert await feed.gaps() == (0, None)
