"""A newsletter reply reaches the mail server exactly once (issue 17, fix 3): 'sent over SMTP' is
recorded before the reply is filed in Sent, so a filing that stalls past the outbox's time limit,
or a worker that dies between the two steps, never sends it again."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from polling import SECRET, Clock, new_brand

from collector.base import Account
from collector.imap import ImapCollector
from collector.outbox_worker import OutboxWorker
from collector.poller import Poller
from emulators.base import serve
from emulators.control import EmulatorControl
from emulators.imap import ImapEmulator, demo_account
from inbox import outbox
from inbox.accounts import add_account, load_for_worker
from inbox.credentials import Vault
from inbox.types import LeasedReply

TEXT = "Oui, jusqu'à 14 h!"


@pytest.fixture
async def mail(session) -> AsyncIterator[tuple[ImapEmulator, EmulatorControl, dict]]:
    emulator = ImapEmulator()
    app = emulator.create_app()
    runner, base = await serve(app)
    yield emulator, EmulatorControl(session, base), demo_account(app)
    await runner.cleanup()  # closes the held APPEND connections too


async def queued_reply(pool: asyncpg.Pool, vault: Vault, session: aiohttp.ClientSession, mail, clock: Clock) -> int:
    """A customer's reply to the newsletter, polled into the inbox, and staff's answer queued."""
    _, control, acct = mail
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn, "cafe")
        await add_account(
            conn, vault, brand_id=brand_id, platform="imap", name=acct["name"], external_id=acct["external_id"],
            base_url=acct["base_url"], credentials=acct["credentials"],
            settings={**acct["settings"], "timeout_seconds": 3}, poll_interval_seconds=3600,
        )
    await control.inject(text="Le menu est-il offert le 24?", author_name="Julie Roy", author_handle="julie@example.ca")
    await Poller(pool, vault, session, worker_id="p", clock=clock, rng=random.Random(1)).poll_due()
    item = await pool.fetchrow("select id, brand_id from items")
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=item["brand_id"], item_id=item["id"], user_id=None,
                                   body=TEXT, idempotency_key="k-24")
    return int(row["id"])


async def received(control: EmulatorControl) -> list[str]:
    """The Message-IDs the mail server accepted over SMTP, from its control state."""
    return [r["id"] for r in (await control.state())["replies"]]


async def test_a_filing_that_stalls_past_the_time_limit_does_not_send_the_mail_twice(pool, session, mail) -> None:
    vault, clock = Vault(SECRET), Clock()
    _, control, _ = mail
    reply_id = await queued_reply(pool, vault, session, mail, clock)
    async with session.post(f"{control.url}/stall_append", json={"count": 5}) as resp:
        assert resp.status == 200
    sender = OutboxWorker(pool, vault, session, worker_id="w1", clock=clock, rng=random.Random(3), send_timeout=1)
    assert await sender.run_once() == 1
    # Every later round (the in-doubt check included) leaves it alone.
    for _ in range(3):
        clock.advance(120)
        await sender.run_once()
    row = await pool.fetchrow("select state, external_id, delivered_at from replies where id = $1", reply_id)
    assert await received(control) == [row["external_id"]]
    assert row["state"] == "sent" and row["delivered_at"] is not None


async def test_a_worker_dead_between_smtp_and_filing_leaves_a_reply_that_is_only_filed(pool, session, mail) -> None:
    vault, clock = Vault(SECRET), Clock()
    _, control, _ = mail
    reply_id = await queued_reply(pool, vault, session, mail, clock)
    async with pool.acquire() as conn:
        (claimed,) = await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=12, limit=1)
        acct = await load_for_worker(conn, claimed.account_id)
    # The doomed worker's two steps: SMTP accepted it and that was recorded; then it died.
    assert isinstance(claimed, LeasedReply) and acct is not None
    doomed = ImapCollector(Account.of(acct, vault.open(acct.credentials)), session)
    sent = await doomed.reply(claimed.item_external_id, TEXT, claimed.idempotency_key)
    async with pool.acquire() as conn:
        assert await outbox.mark_delivered(conn, reply_id, worker_id="doomed", now=clock(), external_id=sent.external_id)
    clock.advance(13)
    assert await OutboxWorker(pool, vault, session, worker_id="w2", clock=clock, rng=random.Random(3)).run_once() == 1
    row = await pool.fetchrow("select state, external_id from replies where id = $1", reply_id)
    assert row["state"] == "sent" and row["external_id"] == sent.external_id
    assert await received(control) == [sent.external_id]
    assert (await control.state())["folders"]["Sent"]["messages"] == 1
