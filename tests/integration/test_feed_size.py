"""A big feed arriving in pieces is read whole and every entry stored; one past the documented
limit fails with a health message that says so, not as a "malformed feed" (issue 17, fix 1)."""

from __future__ import annotations

import random

import asyncpg
from collecting import on_loopback
from polling import Clock, new_brand

from collector.poller import Poller
from collector.rss import MAX_BYTES
from emulators import rss as feeds
from inbox.accounts import add_account
from inbox.credentials import Vault


async def feed_account(pool: asyncpg.Pool, vault: Vault, base: str) -> int:
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn, "librairie")
        return await add_account(
            conn, vault, brand_id=brand_id, platform="rss", name="Alertes", external_id=feeds.ALERTS_PATH,
            base_url=base, credentials={}, settings={}, poll_interval_seconds=300,
        )


def publish(emulator: feeds.RssEmulator, count: int, size: int) -> list[str]:
    """`count` entries of about `size` characters each; return their ids."""
    words = "Le café de la rue Saint-Laurent est cité dans cet article de fond. "
    text = (words * (size // len(words) + 1))[:size]
    return [emulator.inject({"kind": "entry", "text": f"{n} {text}", "site": "journal.example"})["external_id"]
            for n in range(count)]


async def test_a_200_kb_feed_in_many_pieces_is_read_whole_and_every_entry_stored(pool, vault, session) -> None:
    async with on_loopback(feeds.RssEmulator(chunk_bytes=16 * 1024)) as (emulator, base):
        ids = publish(emulator, 100, 1800)
        assert 180_000 < len(emulator.render_atom()) < MAX_BYTES
        account_id = await feed_account(pool, vault, base)
        poller = Poller(pool, vault, session, worker_id="w1", clock=Clock(), rng=random.Random(3))
        (outcome,) = await poller.poll_due()
    assert outcome.error is None and outcome.new_items == 100
    stored = await pool.fetch("select external_id from items where account_id = $1", account_id)
    assert sorted(r["external_id"] for r in stored) == sorted(ids)


async def test_a_feed_past_the_limit_says_it_is_too_big_not_malformed(pool, vault, session) -> None:
    async with on_loopback(feeds.RssEmulator(chunk_bytes=256 * 1024)) as (emulator, base):
        publish(emulator, 100, MAX_BYTES // 90)
        assert len(emulator.render_atom()) > MAX_BYTES
        account_id = await feed_account(pool, vault, base)
        poller = Poller(pool, vault, session, worker_id="w1", clock=Clock(), rng=random.Random(3))
        (outcome,) = await poller.poll_due()
    row = await pool.fetchrow("select last_error from accounts where id = $1", account_id)
    assert row["last_error"] == outcome.error
    assert "larger than 5 MB" in row["last_error"] and "malformed" not in row["last_error"]
    assert await pool.fetchval("select count(*) from items where account_id = $1", account_id) == 0

