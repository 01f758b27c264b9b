"""The newsletter-reply collector against the emulator's real IMAP and SMTP servers on loopback."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from polling import SECRET, Clock, new_brand

from collector.base import Account, AuthFailed, FetchFailed, RateLimited, Refused
from collector.imap import ImapCollector
from collector.outbox_worker import OutboxWorker
from collector.poller import Poller
from emulators.base import serve
from emulators.control import EmulatorControl
from emulators.imap import ADDRESS, NEWSLETTERS, ImapEmulator, demo_account
from inbox import outbox
from inbox.accounts import add_account
from inbox.credentials import Vault

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imap"
NEWSLETTER = NEWSLETTERS[-1][0]


class Mailbox:
    """One running emulator: the object, its app and its control API."""

    def __init__(self, emulator: ImapEmulator, app: web.Application, control: EmulatorControl) -> None:
        self.emulator, self.app, self.control = emulator, app, control

    def collector(self, session: aiohttp.ClientSession, **settings: Any) -> ImapCollector:
        """A fresh collector (a new process, as far as it knows) for the demo account."""
        acct = demo_account(self.app)
        account = Account(
            id=1, platform="imap", external_id=acct["external_id"], base_url=acct["base_url"],
            credentials=dict(acct["credentials"]), settings={**acct["settings"], **settings},
        )
        return ImapCollector(account, session)


@pytest.fixture
async def box(session) -> AsyncIterator[Mailbox]:
    emulator = ImapEmulator()
    app = emulator.create_app()
    runner, base = await serve(app)
    yield Mailbox(emulator, app, EmulatorControl(session, base))
    await runner.cleanup()


async def poll(collector: ImapCollector, cursor: dict[str, Any]) -> tuple[list[Any], dict[str, Any], list[str]]:
    """Fetch until nothing more is ready; the cursor goes through JSON as the store keeps it."""
    items: list[Any] = []
    problems: list[str] = []
    while True:
        batch = await collector.fetch(cursor)
        items.extend(batch.items)
        problems.extend(batch.problems)
        cursor = json.loads(json.dumps(batch.cursor))
        if not batch.more:
            return items, cursor, problems


async def test_polling_across_restarts_loses_nothing_and_repeats_nothing(box, session) -> None:
    first = await box.control.inject_many(120, text="Réponse {i} à l'infolettre", author_name="Client", author_handle="client@example.ca")
    batch = await box.collector(session, batch_size=50).fetch({})
    assert batch.more and len(batch.items) == 50
    # Each step is a new collector from the saved cursor; mail keeps arriving in between.
    cursor = json.loads(json.dumps(batch.cursor))
    seen = [i.external_id for i in batch.items]
    second = await box.control.inject_many(7, text="Plus tard {i}", author_name="Ann", author_handle="ann@example.ca")
    while True:
        step = await box.collector(session, batch_size=50).fetch(cursor)
        seen.extend(i.external_id for i in step.items)
        cursor = json.loads(json.dumps(step.cursor))
        if not step.more:
            break
    assert seen == first + second
    nothing, _, _ = await poll(box.collector(session), cursor)
    assert nothing == []  # "UID n:*" still names the last message; the collector drops it
    # EXAMINE and BODY.PEEK: the people who read this mailbox still see every message unread.
    assert all(not m.flags for m in box.emulator.inbox.messages)


async def test_items_carry_the_reply_text_author_thread_and_aware_dates(box, session) -> None:
    when = datetime(2026, 11, 18, 15, 2, tzinfo=UTC)
    first = await box.control.inject(text="Avez-vous des options véganes?", author_name="Hélène Côté",
                                     author_handle="helene@example.ca", created_at=when.isoformat())
    follow = await box.control.inject(kind="reply", parent=first, text="Et sans gluten?", author_name="Hélène Côté",
                                      author_handle="helene@example.ca", created_at=(when + timedelta(minutes=5)).isoformat())
    collector = box.collector(session, lookback_days=36500)
    items, _, problems = await poll(collector, {})
    assert problems == []
    one, two = items
    assert (one.external_id, one.kind, one.body) == (first, "message", "Avez-vous des options véganes?")
    assert (one.author.name, one.author.external_id) == ("Hélène Côté", "helene@example.ca")
    assert (one.parent_external_id, one.thread_external_id) == (NEWSLETTER, NEWSLETTER)
    assert (two.external_id, two.parent_external_id, two.thread_external_id) == (follow, first, NEWSLETTER)
    assert two.body == "Et sans gluten?"
    assert one.created_at == when and one.created_at.tzinfo is not None


async def test_a_first_poll_reads_only_the_lookback_window(box, session) -> None:
    now = datetime.now(UTC)
    await box.control.inject(text="vieux", author_handle="a@example.ca", created_at=(now - timedelta(days=40)).isoformat())
    recent = await box.control.inject(text="récent", author_handle="b@example.ca", created_at=(now - timedelta(days=2)).isoformat())
    items, _, _ = await poll(box.collector(session, lookback_days=14), {})
    assert [i.external_id for i in items] == [recent]


async def test_a_first_poll_with_only_old_mail_never_brings_that_mail_later(box, session) -> None:
    old = (datetime.now(UTC) - timedelta(days=40)).isoformat()
    await box.control.inject_many(3, text="vieux {i}", author_handle="a@example.ca", created_at=old)
    for message in box.emulator.inbox.messages:  # inject_many dates them now: make them old
        message.internaldate = datetime.fromisoformat(old)
    items, cursor, _ = await poll(box.collector(session, lookback_days=14), {})
    assert items == [] and cursor["last_uid"] == 3
    new = await box.control.inject(text="nouveau", author_handle="b@example.ca")
    items, _, _ = await poll(box.collector(session, lookback_days=14), cursor)
    assert [i.external_id for i in items] == [new]


async def test_a_new_uidvalidity_rereads_from_the_last_date_and_says_so(box, session) -> None:
    old = await box.control.inject(text="avant", author_handle="a@example.ca")
    collector = box.collector(session)
    items, cursor, _ = await poll(collector, {})
    assert [i.external_id for i in items] == [old]
    box.emulator.inbox.rebuild()  # the provider restored the folder: every UID changed
    new = await box.control.inject(text="après", author_handle="b@example.ca")
    items, cursor, problems = await poll(collector, cursor)
    # The old one comes again (ingest drops it by Message-ID); the new one is not missed.
    assert [i.external_id for i in items] == [old, new]
    assert any("UIDVALIDITY" in p for p in problems)
    assert cursor["uidvalidity"] == box.emulator.inbox.uidvalidity
    again, _, _ = await poll(collector, cursor)
    assert again == []


async def test_odd_mail_is_read_with_a_problem_line_and_the_rest_flows(box, session) -> None:
    for name in ("fr_windows1252.eml", "malformed_mime.eml", "html_only.eml", "out_of_office.eml"):
        box.emulator.inject({"raw": (FIXTURES / name).read_bytes().decode("latin-1")})
    box.emulator.inbox.messages[0].raw = (FIXTURES / "fr_windows1252.eml").read_bytes()  # byte-exact
    huge = await box.control.inject(text="gros " * 40_000, author_handle="big@example.ca")
    fine = await box.control.inject(text="Tout va bien", author_handle="ok@example.ca")
    items, _, problems = await poll(box.collector(session, max_message_bytes=20_000, lookback_days=36500), {})
    bodies = {i.external_id: i.body for i in items}
    assert bodies["<CAF3x9q+helene@mail.example.ca>"].endswith("Ma belle-mère adore vos bûches.")
    assert bodies["<broken-1@example.com>"] == "Allo, avez-vous des croissants aux amandes?"
    assert bodies["<html-only-1@example.org>"].startswith("J'adore « La Bûche »")
    assert bodies[huge].startswith("gros gros") and len(bodies[huge]) < 20_000
    assert bodies[fine] == "Tout va bien"
    assert "<ooo-1@example.com>" not in bodies
    said = " | ".join(problems)
    assert "message 2: MIME defects" in said and "unreadable Date header" in said
    assert "read only the first 20000" in said
    assert "skipped 1 automatic replies" in said
    broken = next(i for i in items if i.external_id == "<broken-1@example.com>")
    assert broken.created_at is not None  # no usable Date: the server's INTERNALDATE stands in


async def test_a_wrong_password_is_an_auth_failure(box, session) -> None:
    collector = box.collector(session)
    collector.password = "not-the-password"
    with pytest.raises(AuthFailed, match="AUTHENTICATIONFAILED"):
        await collector.fetch({})


@pytest.mark.parametrize(
    ("mode", "error"),
    [("expired_token", AuthFailed), ("rate_limit", RateLimited), ("quota", RateLimited),
     ("server_error", FetchFailed), ("malformed", FetchFailed), ("slow", None)],
)
async def test_imap_faults_map_to_shared_errors_and_polling_resumes(box, session, mode, error) -> None:
    ids = await box.control.inject_many(3, text="allo {i}", author_handle="c@example.ca")
    collector = box.collector(session)
    await box.control.fault(mode, count=1, delay=0.05)
    if error is None:
        items, _, _ = await poll(collector, {})
        assert [i.external_id for i in items] == ids
        return
    with pytest.raises(error) as caught:
        await collector.fetch({})
    assert caught.value.__cause__ is not None or mode in ("expired_token",)
    items, _, _ = await poll(collector, {})
    assert [i.external_id for i in items] == ids


async def test_a_server_that_never_answers_or_is_not_there_is_a_fetch_failure(box, session) -> None:
    await box.control.inject(text="allo", author_handle="c@example.ca")
    await box.control.fault("timeout", count=1)
    with pytest.raises(FetchFailed):
        await box.collector(session, timeout_seconds=0.3).fetch({})
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    closed = box.collector(session)
    closed.account.base_url = f"imap://127.0.0.1:{port}"
    with pytest.raises(FetchFailed):
        await closed.fetch({})
    items, _, _ = await poll(box.collector(session), {})
    assert len(items) == 1


async def test_a_reply_reaches_smtp_once_threaded_and_find_reply_finds_it(box, session) -> None:
    parent = await box.control.inject(text="Livrez-vous à Verdun?", author_name="Julie Roy", author_handle="julie@example.ca")
    collector = box.collector(session)
    assert await collector.find_reply(parent, "key-1", "Oui!") is None
    sent = await collector.reply(parent, "Oui, le samedi! À bientôt.", "key-1")
    await collector.file_reply(parent, "Oui, le samedi! À bientôt.", "key-1", sent)
    # A worker that took over files it again: it is already in Sent, so it stays there once.
    await box.collector(session).file_reply(parent, "Oui, le samedi! À bientôt.", "key-1", sent)
    state = await box.control.state()
    assert [r["id"] for r in state["replies"]] == [sent.external_id]
    reply = state["replies"][0]
    assert reply["to"] == ["julie@example.ca"] and reply["from"] == ADDRESS
    assert reply["parent"] == parent and reply["references"] == [NEWSLETTER, parent]
    assert reply["subject"].startswith("Re: ") and reply["text"] == "Oui, le samedi! À bientôt."
    # After a crash the outbox asks first: a fresh collector finds it in Sent and does not resend.
    found = await box.collector(session).find_reply(parent, "key-1", "Oui, le samedi! À bientôt.")
    assert found is not None and found.external_id == sent.external_id
    assert await collector.find_reply(parent, "key-2", "Oui, le samedi! À bientôt.") is None
    assert len(box.emulator.sent.messages) == 1 and state["folders"]["Sent"]["messages"] == 1
    assert len(box.emulator.sent_raw) == 1


@pytest.mark.parametrize(
    ("mode", "error"),
    [("expired_token", AuthFailed), ("quota", RateLimited), ("rate_limit", RateLimited),
     ("server_error", FetchFailed), ("malformed", FetchFailed)],
)
async def test_smtp_faults_map_to_shared_errors_and_nothing_is_sent(box, session, mode, error) -> None:
    parent = await box.control.inject(text="Question?", author_handle="q@example.ca")
    async with session.post(f"{box.control.url}/fault_target", json={"protocol": "smtp"}) as resp:
        assert resp.status == 200
    await box.control.fault(mode, count=1)
    collector = box.collector(session)
    with pytest.raises(error):
        await collector.reply(parent, "Réponse", "key-f")
    assert box.emulator.replies == [] and box.emulator.sent.messages == []
    assert await collector.find_reply(parent, "key-f", "Réponse") is None
    await collector.reply(parent, "Réponse", "key-f")
    assert len(box.emulator.replies) == 1


async def test_replying_to_a_message_that_is_gone_is_refused(box, session) -> None:
    with pytest.raises(Refused, match="no longer"):
        await box.collector(session).reply("<nowhere@example.com>", "Allo", "k")
    assert box.emulator.replies == []


async def test_the_control_api_publishes_the_servers_and_takes_demo_traffic(box, session) -> None:
    state = await box.control.state()
    assert state["kinds"] == ["message"]
    assert state["imap_url"] == demo_account(box.app)["base_url"]
    assert state["smtp_url"] == demo_account(box.app)["settings"]["smtp_url"]
    # The traffic generator sends handles, not addresses, and never names a subject.
    external_id = await box.control.inject(kind="message", text="Bravo!", author_name="Léa", author_handle="lea.gagnon",
                                           author_id="1", followers=12, rating=5)
    items, _, _ = await poll(box.collector(session), {})
    assert [(i.external_id, i.author.external_id) for i in items] == [(external_id, "lea.gagnon@example.com")]
    validity = state["folders"]["INBOX"]["uidvalidity"]
    await box.control.reset()
    after = await box.control.state()
    assert after["folders"]["INBOX"] == {"messages": 0, "uidvalidity": validity + 1}


# -- through the real poller and outbox, with an account set up as `jasette demo` sets it up ----------


async def _demo_account_row(pool, vault, box: Mailbox) -> int:
    acct = demo_account(box.app)
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn, "cafe")
        return await add_account(
            conn, vault, brand_id=brand_id, platform="imap", name=acct["name"], external_id=acct["external_id"],
            base_url=acct["base_url"], credentials=acct["credentials"], settings=acct["settings"], poll_interval_seconds=60,
        )


async def test_the_poller_brings_replies_into_the_inbox_and_the_outbox_answers_once(pool, box, session) -> None:
    vault, clock = Vault(SECRET), Clock()
    account_id = await _demo_account_row(pool, vault, box)
    parent = await box.control.inject(text="Le menu est-il offert le 24?", author_name="Julie Roy", author_handle="julie@example.ca")
    await Poller(pool, vault, session, worker_id="p", clock=clock, rng=random.Random(1)).poll_due()
    rows = await pool.fetch("select id, brand_id, external_id, kind, body, parent_external_id from items where account_id = $1", account_id)
    assert [(r["external_id"], r["kind"], r["body"], r["parent_external_id"]) for r in rows] == [
        (parent, "message", "Le menu est-il offert le 24?", NEWSLETTER)
    ]
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=rows[0]["brand_id"], item_id=rows[0]["id"], user_id=None,
                                   body="Oui, jusqu'à 14 h!", idempotency_key="k-24", action="reply")
        # A worker claims it, sends it and dies before recording anything.
        claimed = await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=60, limit=10)
    assert [c.id for c in claimed] == [row["id"]]
    doomed = box.collector(session)
    sent = await doomed.reply(parent, "Oui, jusqu'à 14 h!", claimed[0].idempotency_key)
    await doomed.file_reply(parent, "Oui, jusqu'à 14 h!", claimed[0].idempotency_key, sent)
    clock.advance(61)
    worker = OutboxWorker(pool, vault, session, worker_id="w2", clock=clock, rng=random.Random(3))
    assert await worker.run_once() == 1
    done = await pool.fetchrow("select state, external_id from replies where id = $1", row["id"])
    assert done["state"] == "sent" and done["external_id"] == box.emulator.replies[0]["id"]
    assert len(box.emulator.replies) == 1  # found in Sent by its Message-ID: not sent again
