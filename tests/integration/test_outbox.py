"""The reply outbox end to end: queued rows reach the platform emulator exactly once, through
crashes, timeouts, refusals, rate limits and revoked tokens; every state change is notified."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from polling import PLATFORM, Clock, Site, new_brand, wordpress_account

from collector.base import Account
from collector.outbox_worker import OutboxWorker
from collector.poller import Poller
from collector.registry import collector_class
from inbox import outbox
from inbox.credentials import Vault
from inbox.notify import REPLIES_CHANNEL


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """Replaces the shared five-second session with a two-second one."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as s:
        yield s


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def inbox(pool: asyncpg.Pool, vault: Vault, site: Site, session, clock) -> dict:
    """A brand whose account was polled once: three comments in the inbox."""
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn)
        account_id = await wordpress_account(conn, vault, brand_id, site)
    site.comments(3)
    await Poller(pool, vault, session, worker_id="poller", clock=clock, rng=random.Random(1)).poll_due()
    items = await pool.fetch("select id, external_id, created_at from items order by id")
    assert len(items) == 3
    return {"brand_id": brand_id, "account_id": account_id, "items": [dict(r) for r in items]}


def sender(pool, vault, session, clock, worker_id: str = "w1", **kw) -> OutboxWorker:
    return OutboxWorker(pool, vault, session, worker_id=worker_id, clock=clock, rng=random.Random(3), **kw)


async def queue(pool: asyncpg.Pool, inbox: dict, n: int = 0, *, body: str = "Merci beaucoup!", action: str = "reply", key: str | None = None) -> dict:
    async with pool.acquire() as conn:
        return await outbox.enqueue(
            conn, brand_id=inbox["brand_id"], item_id=inbox["items"][n]["id"], user_id=None, body=body,
            idempotency_key=key or f"{action}-{n}-{body}", action=action,
        )


async def reply_row(pool: asyncpg.Pool, reply_id: int) -> dict:
    return dict(await pool.fetchrow("select * from replies where id = $1", reply_id))


class Listener:
    """NOTIFY payloads of the replies channel, through a connection of their own."""

    def __init__(self) -> None:
        self.payloads: list[dict] = []

    def __call__(self, conn, pid, channel, payload) -> None:
        self.payloads.append(json.loads(payload))

    async def settle(self, count: int) -> None:
        for _ in range(100):
            if len(self.payloads) >= count:
                return
            await asyncio.sleep(0.02)


@pytest.fixture
async def listener(db_dsn: str) -> AsyncIterator[Listener]:
    from inbox import db

    conn = await db.connect(db_dsn)
    found = Listener()
    await conn.add_listener(REPLIES_CHANNEL, found)
    yield found
    await conn.close()


async def test_a_reply_is_sent_once_recorded_and_notified(pool, vault, site, session, clock, inbox, listener) -> None:
    row = await queue(pool, inbox)
    again = await queue(pool, inbox)  # the same idempotency key: a double click
    assert again["id"] == row["id"]
    assert await sender(pool, vault, session, clock).run_once() == 1
    assert await sender(pool, vault, session, clock).run_once() == 0
    assert [r["text"] for r in site.emulator.replies] == ["Merci beaucoup!"]
    assert site.emulator.replies[0]["parent"] == inbox["items"][0]["external_id"]
    done = await reply_row(pool, row["id"])
    assert done["state"] == "sent" and done["external_id"] == site.emulator.replies[0]["id"]
    assert done["attempts"] == 1 and done["error"] is None and done["lease_owner"] is None
    item = await pool.fetchrow("select first_response_at, first_response_seconds, created_at from items where id = $1", inbox["items"][0]["id"])
    assert item["first_response_at"] == clock.now
    assert item["first_response_seconds"] == int((clock.now - item["created_at"]).total_seconds())
    await listener.settle(3)
    assert [(p["reply"], p["state"], p["error"]) for p in listener.payloads] == [
        (row["id"], "queued", None), (row["id"], "sending", None), (row["id"], "sent", None)
    ]
    assert all(p["brand"] == inbox["brand_id"] and p["item"] == inbox["items"][0]["id"] for p in listener.payloads)


async def test_a_second_reply_keeps_the_first_response_time(pool, vault, site, session, clock, inbox) -> None:
    await queue(pool, inbox, body="Premier")
    await sender(pool, vault, session, clock).run_once()
    first = await pool.fetchval("select first_response_at from items where id = $1", inbox["items"][0]["id"])
    clock.advance(3600)
    await queue(pool, inbox, body="Second")
    await sender(pool, vault, session, clock).run_once()
    assert await pool.fetchval("select first_response_at from items where id = $1", inbox["items"][0]["id"]) == first
    assert len(site.emulator.replies) == 2


async def test_hide_and_unhide_reach_the_platform_and_the_item(pool, vault, site, session, clock, inbox) -> None:
    item = inbox["items"][1]
    await queue(pool, inbox, 1, action="hide", body="")
    await sender(pool, vault, session, clock).run_once()
    assert site.emulator.hidden == {item["external_id"]}
    assert await pool.fetchval("select hidden from items where id = $1", item["id"]) is True
    await queue(pool, inbox, 1, action="unhide", body="")
    await sender(pool, vault, session, clock).run_once()
    assert site.emulator.hidden == set()
    assert await pool.fetchval("select hidden from items where id = $1", item["id"]) is False
    assert site.emulator.replies == []


async def _send_without_recording(pool, vault, session, clock, row_id: int) -> None:
    """A worker that claims the row, gets the reply onto the platform, then dies before recording."""
    async with pool.acquire() as conn:
        claimed = await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=60, limit=10)
    assert [c.id for c in claimed] == [row_id]
    acct = await pool.fetchrow("select * from accounts where id = $1", claimed[0].account_id)
    account = Account(id=acct["id"], platform=PLATFORM, external_id=acct["external_id"], base_url=acct["base_url"],
                      credentials=vault.open(acct["credentials"]), settings=acct["settings"])
    await collector_class(PLATFORM)(account, session).reply(claimed[0].item_external_id, claimed[0].body, claimed[0].idempotency_key)


async def test_a_worker_killed_after_sending_is_not_followed_by_a_resend(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    await _send_without_recording(pool, vault, session, clock, row["id"])
    assert len(site.emulator.replies) == 1
    stuck = await reply_row(pool, row["id"])
    assert stuck["state"] == "sending" and stuck["lease_owner"] == "doomed"
    # Before the lease runs out nobody touches it.
    assert await sender(pool, vault, session, clock, "w2").run_once() == 0
    clock.advance(61)
    assert await sender(pool, vault, session, clock, "w2").run_once() == 1
    done = await reply_row(pool, row["id"])
    assert done["state"] == "sent" and done["external_id"] == site.emulator.replies[0]["id"]
    assert len(site.emulator.replies) == 1


async def test_a_worker_killed_before_sending_leaves_a_row_that_is_sent_once(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    async with pool.acquire() as conn:
        await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=60, limit=10)
    clock.advance(61)
    await sender(pool, vault, session, clock, "w2").run_once()
    assert (await reply_row(pool, row["id"]))["state"] == "sent"
    assert len(site.emulator.replies) == 1


async def test_a_timeout_after_the_request_left_is_checked_before_any_resend(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    site.delay, site.slow_methods = 0.6, ("POST",)
    await sender(pool, vault, session, clock, send_timeout=0.3).run_once()
    waiting = await reply_row(pool, row["id"])
    assert waiting["state"] == "queued" and "did not confirm the reply" in waiting["error"]
    # The platform may list the reply late: the check waits rather than miss it and send again.
    assert (waiting["next_attempt_at"] - clock()).total_seconds() >= 59
    for _ in range(100):  # the platform finishes the request the client gave up on
        if site.emulator.replies:
            break
        await asyncio.sleep(0.02)
    assert len(site.emulator.replies) == 1
    site.delay = 0.0
    clock.to(waiting["next_attempt_at"])
    await sender(pool, vault, session, clock).run_once()
    done = await reply_row(pool, row["id"])
    assert done["state"] == "sent" and done["attempts"] == 2
    assert len(site.emulator.replies) == 1


async def test_a_refusal_fails_at_once_with_the_platforms_words(pool, vault, site, session, clock, inbox) -> None:
    site.emulator.comments.pop(int(inbox["items"][2]["external_id"]))  # the comment was deleted meanwhile
    row = await queue(pool, inbox, 2)
    await sender(pool, vault, session, clock).run_once()
    failed = await reply_row(pool, row["id"])
    assert failed["state"] == "failed" and failed["attempts"] == 1
    assert "Invalid comment ID" in failed["error"]
    clock.advance(86400)
    assert await sender(pool, vault, session, clock).run_once() == 0  # no retry on its own


async def test_rate_limits_and_server_errors_retry_with_backoff_then_give_up(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    async with session.post(f"{site.base}/_control/fault", json={"mode": "rate_limit", "count": 1, "retry_after": 90}):
        pass
    await sender(pool, vault, session, clock).run_once()
    waiting = await reply_row(pool, row["id"])
    assert waiting["state"] == "queued" and (waiting["next_attempt_at"] - clock.now).total_seconds() >= 90
    assert await sender(pool, vault, session, clock).run_once() == 0  # not due yet
    async with session.post(f"{site.base}/_control/fault", json={"mode": "server_error"}):
        pass
    waits = []
    # The rate limit used up no attempt: five server errors are needed to give up.
    for _ in range(5):
        clock.to((await reply_row(pool, row["id"]))["next_attempt_at"])
        before = clock.now
        assert await sender(pool, vault, session, clock).run_once() == 1
        after = await reply_row(pool, row["id"])
        waits.append((after["next_attempt_at"] - before).total_seconds())
        assert after["state"] == ("failed" if len(waits) == 5 else "queued")
    assert after["attempts"] == 5
    assert waits[1] > waits[0] and waits[2] > waits[1]
    assert site.emulator.replies == []


async def _rate_limit(session, site, **fault) -> None:
    async with session.post(f"{site.base}/_control/fault", json={"mode": "rate_limit", **fault}):
        pass


async def _try_when_due(pool, vault, session, clock, reply_id: int) -> tuple[float, dict]:
    """One attempt once the row is due: (seconds it was queued for after that attempt, the row)."""
    tried_at = clock.to((await reply_row(pool, reply_id))["next_attempt_at"])
    assert await sender(pool, vault, session, clock).run_once() == 1
    after = await reply_row(pool, reply_id)
    return (after["next_attempt_at"] - tried_at).total_seconds(), after


@pytest.mark.parametrize("target", ["writes", "all"])  # X's write window; a quota that counts the look too
async def test_a_reply_held_by_a_rate_limit_waits_past_its_attempts_and_then_goes_out(
    pool, vault, site, session, clock, inbox, target
) -> None:
    row = await queue(pool, inbox)
    await _rate_limit(session, site, count=7, retry_after=900, target=target)
    for _ in range(7):  # more refusals than max_attempts (5)
        wait, waiting = await _try_when_due(pool, vault, session, clock, row["id"])
        assert waiting["state"] == "queued" and waiting["error_code"] == "rate_limited"
        assert 900 <= wait <= 1000  # the platform's Retry-After, not growing with the refusals
    _, done = await _try_when_due(pool, vault, session, clock, row["id"])
    assert done["state"] == "sent" and done["attempts"] == 1 and done["error"] is None
    assert [r["text"] for r in site.emulator.replies] == ["Merci beaucoup!"]


async def test_a_reply_still_rate_limited_after_25_hours_fails_in_words(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    await _rate_limit(session, site, retry_after=3600, target="writes")  # until switched off
    give_up = row["created_at"] + outbox.RATE_LIMITED_GIVE_UP
    for _ in range(40):
        _, after = await _try_when_due(pool, vault, session, clock, row["id"])
        if after["state"] != "queued":
            break
        assert clock.now <= give_up  # still waiting within the give-up age
    assert after["state"] == "failed" and clock.now > give_up
    assert after["error"] == "WordPress asked Jasette to slow down" and after["error_code"] == "rate_limited"
    assert site.emulator.replies == []


async def test_staff_retry_a_failed_reply_and_it_goes_out_once(pool, vault, site, session, clock, inbox, listener) -> None:
    site.emulator.comments.pop(int(inbox["items"][2]["external_id"]))
    row = await queue(pool, inbox, 2)
    await sender(pool, vault, session, clock).run_once()
    assert (await reply_row(pool, row["id"]))["state"] == "failed"
    async with pool.acquire() as conn:
        assert await outbox.retry(conn, inbox["brand_id"] + 1000, row["id"]) is None  # another brand's
        again = await outbox.retry(conn, inbox["brand_id"], row["id"])
        assert again is not None and again["state"] == "queued" and again["attempts"] == 0
        assert await outbox.retry(conn, inbox["brand_id"], row["id"]) is None  # only failed rows
    # The platform still refuses: failed again, and nothing reached the site.
    await sender(pool, vault, session, clock).run_once()
    assert (await reply_row(pool, row["id"]))["state"] == "failed"
    assert site.emulator.replies == []
    await listener.settle(6)
    assert [p["state"] for p in listener.payloads] == ["queued", "sending", "failed", "queued", "sending", "failed"]
    assert listener.payloads[2]["error"] and "Invalid comment ID" in listener.payloads[2]["error"]


async def test_a_retried_reply_whose_last_try_timed_out_is_looked_for_before_resending(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    site.delay, site.slow_methods = 0.6, ("POST",)
    # One attempt left: the timeout (after the request reached the site) fails the row for good.
    await pool.execute("update replies set max_attempts = 1 where id = $1", row["id"])
    await sender(pool, vault, session, clock, send_timeout=0.3).run_once()
    assert (await reply_row(pool, row["id"]))["state"] == "failed"
    for _ in range(100):
        if site.emulator.replies:
            break
        await asyncio.sleep(0.02)
    site.delay = 0.0
    async with pool.acquire() as conn:
        await outbox.retry(conn, inbox["brand_id"], row["id"])
    await sender(pool, vault, session, clock).run_once()
    done = await reply_row(pool, row["id"])
    assert done["state"] == "sent" and done["external_id"] == site.emulator.replies[0]["id"]
    assert len(site.emulator.replies) == 1


async def test_a_revoked_token_fails_the_reply_and_flags_the_account(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    async with session.post(f"{site.base}/_control/fault", json={"mode": "expired_token"}):
        pass
    await sender(pool, vault, session, clock).run_once()
    failed = await reply_row(pool, row["id"])
    assert failed["state"] == "failed" and failed["error"] == "WordPress refused the token: reconnect the account"
    assert await pool.fetchval("select health from accounts where id = $1", inbox["account_id"]) == "reauth"
    # Further replies of that account fail at once without calling the platform.
    requests = site.api_requests
    second = await queue(pool, inbox, 1)
    await sender(pool, vault, session, clock).run_once()
    assert (await reply_row(pool, second["id"]))["state"] == "failed"
    assert site.api_requests == requests


async def test_a_removed_account_fails_the_reply_in_plain_words(pool, vault, site, session, clock, inbox) -> None:
    row = await queue(pool, inbox)
    await pool.execute("delete from accounts where id = $1", inbox["account_id"])
    await sender(pool, vault, session, clock).run_once()
    failed = await reply_row(pool, row["id"])
    assert failed["state"] == "failed" and "account" in failed["error"] and "removed" in failed["error"]


async def test_a_platform_without_replies_or_hiding_fails_in_plain_words_without_a_call(pool, vault, session, clock) -> None:
    from datetime import UTC, datetime

    from inbox.accounts import add_account
    from inbox.ingest import ingest_batch
    from inbox.types import NewItem

    async with pool.acquire() as conn:
        brand_id = await new_brand(conn, "feeds")
        account_id = await add_account(conn, vault, brand_id=brand_id, platform="rss", name="Revue de presse",
                                       external_id="feed", base_url="http://127.0.0.1:9", credentials={})
        await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=[
            NewItem(platform="rss", external_id="a1", kind="mention", body="Article", created_at=datetime.now(UTC))])
        item_id = await conn.fetchval("select id from items")
        reply = await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=None, body="Merci", idempotency_key="r")
        hide = await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=None, body="", idempotency_key="h", action="hide")
    assert await sender(pool, vault, session, clock).run_once() == 2
    assert (await reply_row(pool, reply["id"]))["error"] == "RSS does not take replies from Jasette: answer on RSS itself"
    assert "does not let Jasette hide" in (await reply_row(pool, hide["id"]))["error"]



@pytest.fixture
async def page(pool: asyncpg.Pool, vault: Vault, session) -> AsyncIterator[dict]:
    """A Facebook Page emulator (no duplicate-comment guard, as on Facebook) with one comment in the inbox."""
    from datetime import UTC, datetime

    from emulators.base import serve
    from emulators.control import EmulatorControl
    from emulators.facebook import DEMO_ACCOUNT, create_app
    from inbox.accounts import add_account
    from inbox.ingest import ingest_batch
    from inbox.types import NewItem

    runner, url = await serve(create_app())
    control = EmulatorControl(session, url)
    post = await control.inject(kind="page_post", text="Terrasse ouverte")
    comment = await control.inject(kind="comment", parent=post, text="Ouvert dimanche?", author_name="Dana", author_id="5550001")
    async with pool.acquire() as conn:
        brand_id = await new_brand(conn, "cafe")
        account_id = await add_account(
            conn, vault, brand_id=brand_id, platform="facebook", name="Page", external_id=DEMO_ACCOUNT["external_id"],
            base_url=f"{url}/v25.0", credentials=DEMO_ACCOUNT["credentials"], settings=DEMO_ACCOUNT["settings"],
        )
        await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=[NewItem(
            platform="facebook", external_id=comment, kind="comment", body="Ouvert dimanche?",
            created_at=datetime.now(UTC), parent_external_id=post, thread_external_id=post)])
        item_id = await conn.fetchval("select id from items where external_id = $1", comment)
    yield {"brand_id": brand_id, "item_id": item_id, "control": control}
    await runner.cleanup()


async def test_a_row_whose_lease_ran_out_during_the_look_is_not_sent_by_the_slow_worker_too(pool, vault, session, clock, page) -> None:
    """A slow look on the platform outlives the lease; another worker takes the row and sends it:
    the slow worker must not send it a second time once its look ends."""
    async with pool.acquire() as conn:
        row = await outbox.enqueue(conn, brand_id=page["brand_id"], item_id=page["item_id"], user_id=None,
                                   body="Oui, de 9 h à 17 h!", idempotency_key="k1")
        await outbox.claim_due(conn, worker_id="doomed", now=clock(), lease_seconds=60, limit=10)  # died: in doubt
    clock.advance(61)
    base = collector_class("facebook")
    other = sender(pool, vault, session, clock, "fast")

    class SlowLook(base):  # the real collector, whose look takes longer than the lease
        async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str):
            found = await super().find_reply(parent_external_id, idempotency_key, text)
            clock.advance(61)
            assert await other.run_once() == 1  # the lease ran out: the other worker sends it
            return found

    await sender(pool, vault, session, clock, "slow", collector_for=lambda platform: SlowLook).run_once()
    replies = (await page["control"].state())["replies"]
    assert len(replies) == 1
    done = await reply_row(pool, row["id"])
    assert done["state"] == "sent" and done["lease_owner"] is None


async def test_a_hide_then_an_unhide_reach_the_platform_in_that_order(pool, vault, site, session, clock, inbox) -> None:
    """Sent side by side, the two could land in either order and leave the comment hidden while
    the inbox says it is shown: the unhide waits until the hide before it is done."""
    item = inbox["items"][1]
    await queue(pool, inbox, 1, action="hide", body="")
    await queue(pool, inbox, 1, action="unhide", body="")
    await queue(pool, inbox, 0)  # a reply of another item is not held back
    assert await sender(pool, vault, session, clock).run_once() == 2
    assert site.emulator.hidden == {item["external_id"]}
    assert await sender(pool, vault, session, clock).run_once() == 1
    assert site.emulator.hidden == set()
    assert await pool.fetchval("select hidden from items where id = $1", item["id"]) is False
    assert len(site.emulator.replies) == 1



async def test_an_unhide_waiting_for_its_hide_does_not_make_the_sender_spin(pool, vault, site, session, clock, inbox) -> None:
    """While the hide is out under another worker's lease, the soonest due row is that lease's
    end, not the waiting unhide (which would say "due now" for ever and keep the loop busy)."""
    await queue(pool, inbox, 1, action="hide", body="")
    await queue(pool, inbox, 1, action="unhide", body="")
    async with pool.acquire() as conn:
        [hide] = await outbox.claim_due(conn, worker_id="busy", now=clock(), lease_seconds=60, limit=10)
        assert await outbox.claim_due(conn, worker_id="other", now=clock(), lease_seconds=60, limit=10) == []
        assert await outbox.next_due_at(conn) == hide.lease_until
