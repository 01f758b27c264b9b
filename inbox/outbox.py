"""The reply outbox: staff queue replies and moderation actions; workers send them.

A row's idempotency key is unique: asking twice for the same reply queues it once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from inbox import workflow
from inbox.db import Conn
from inbox.notify import REPLIES_CHANNEL, notify
from inbox.types import LeasedReply


async def enqueue(
    conn: Conn,
    *,
    brand_id: int,
    item_id: int,
    user_id: int | None,
    body: str,
    idempotency_key: str,
    action: str = "reply",
) -> dict[str, Any]:
    """Queue a reply (or hide/unhide) for an item of the brand; return the outbox row."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            insert into replies (brand_id, item_id, account_id, user_id, action, body, idempotency_key)
            select i.brand_id, i.id, i.account_id, $3, $4, $5, $6 from items i
            where i.id = $2 and i.brand_id = $1
            on conflict (idempotency_key) do nothing
            returning *
            """,
            brand_id, item_id, user_id, action, body, idempotency_key,
        )
        if row is None:
            existing = await conn.fetchrow(
                "select * from replies where idempotency_key = $1 and brand_id = $2", idempotency_key, brand_id
            )
            if existing is None:
                raise LookupError(f"item {item_id} does not exist in this brand")
            return dict(existing)
        await notify(conn, REPLIES_CHANNEL, {"brand": brand_id, "reply": row["id"], "item": item_id, "state": "queued", "error": None})
        return dict(row)


# -- the sending side: workers claim due rows under a lease and record the outcome ------------

# A hide and the unhide after it must reach the platform in that order: a moderation action
# waits while an earlier one of the same item is still queued or sending.
_IN_TURN = """(r.action = 'reply' or not exists (
    select 1 from replies e where e.item_id = r.item_id and e.id < r.id
      and e.action <> 'reply' and e.state in ('queued', 'sending')))"""

_NOTIFY_STATE = (
    "select pg_notify($1, json_build_object('brand', $2::bigint, 'reply', $3::bigint, 'item', $4::bigint,"
    " 'state', $5::text, 'error', $6::text)::text)"
)


async def _notify_state(conn: Conn, row: Any) -> None:
    await conn.execute(_NOTIFY_STATE, REPLIES_CHANNEL, row["brand_id"], row["id"], row["item_id"], row["state"], row["error"])


async def _reopen_if_failed(conn: Conn, row: Any) -> None:
    if row["state"] == "failed" and row["action"] == "reply":
        await workflow.reopen_after_failed_reply(conn, row["brand_id"], row["item_id"])


async def claim_due(
    conn: Conn, *, worker_id: str, now: datetime, lease_seconds: float, limit: int
) -> list[LeasedReply]:
    """Take up to `limit` rows to send: queued and due, or 'sending' under an expired lease.

    Each row comes with `was` (its state before the claim: 'sending' means its outcome is
    unknown and the platform must be asked before any resend), the item's external id, and
    `attempts` already counting this one.
    """
    if limit <= 0:
        return []
    async with conn.transaction():
        rows = await conn.fetch(
            f"""
            with due as (
                select id, state as was from replies r
                where ((state = 'queued' and next_attempt_at <= $2)
                       or (state = 'sending' and (lease_until is null or lease_until < $2)))
                  and {_IN_TURN}
                order by next_attempt_at, id
                limit $4
                for update skip locked
            )
            update replies r set state = 'sending', lease_owner = $1, lease_until = $3,
                   attempts = r.attempts + 1, updated_at = now(),
                   -- taken over from a worker that died mid-send: its outcome is unknown
                   outcome = case when due.was = 'sending' and r.delivered_at is null then 'in_doubt'
                                  else r.outcome end
            from due, items i
            where r.id = due.id and i.id = r.item_id
            returning r.id, r.brand_id, r.item_id, r.account_id, r.action, r.body, r.idempotency_key, r.state,
                      r.attempts, r.error, r.lease_until, due.was, i.external_id as item_external_id,
                      r.delivered_at, r.external_id
            """,
            worker_id, now, now + timedelta(seconds=lease_seconds), limit,
        )
        for row in rows:
            if row["was"] == "queued" or row["delivered_at"] is None:
                await _notify_state(conn, row)  # queued -> sending, or in doubt after a takeover
    return [LeasedReply(**r) for r in rows]


async def renew(
    conn: Conn, reply_id: int, *, worker_id: str, now: datetime, lease_seconds: float
) -> bool:
    """Extend our lease right before the platform call; False when another worker holds the row.

    The call then starts with a whole lease ahead of it: however long the look for an earlier
    attempt took, no other worker can claim the row while the request is in flight.
    """
    status = await conn.execute(
        """
        update replies set lease_until = $3, updated_at = now()
        where id = $1 and lease_owner = $2 and state = 'sending'
        """,
        reply_id, worker_id, now + timedelta(seconds=lease_seconds),
    )
    return status.endswith(" 1")


async def mark_delivered(
    conn: Conn, reply_id: int, *, worker_id: str, now: datetime, external_id: str | None
) -> bool:
    """Record that the platform accepted the reply, before any second step (filing a sent e-mail).

    From here on the row is never sent again: a worker that takes it over only finishes it.
    False when the lease was lost.
    """
    status = await conn.execute(
        """
        update replies set delivered_at = $3, external_id = $4, updated_at = now()
        where id = $1 and lease_owner = $2 and state = 'sending'
        """,
        reply_id, worker_id, now, external_id,
    )
    return status.endswith(" 1")


async def mark_sent(
    conn: Conn, reply_id: int, *, worker_id: str, now: datetime, external_id: str | None, found: bool = False
) -> dict[str, Any] | None:
    """Record a reply or moderation action the platform accepted; None when the lease was lost.

    `found`: an earlier attempt's reply was found on the platform and this one was not sent.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            update replies set state = 'sent', sent_at = $3, external_id = $4, error = null,
                   error_code = null, error_detail = null,
                   outcome = case when $5 then 'found' end,
                   lease_owner = null, lease_until = null, updated_at = now()
            where id = $1 and lease_owner = $2 and state = 'sending'
            returning *
            """,
            reply_id, worker_id, now, external_id, found,
        )
        if row is None:
            return None
        if row["action"] == "reply":
            # The first answer the customer saw: response-time figures start from here.
            await conn.execute(
                """
                update items set first_response_at = $2,
                       first_response_seconds = greatest(0, floor(extract(epoch from ($2 - created_at))))::int,
                       updated_at = now()
                where id = $1 and first_response_at is null
                """,
                row["item_id"], now,
            )
        else:
            await conn.execute(
                "update items set hidden = $2, updated_at = now() where id = $1",
                row["item_id"], row["action"] == "hide",
            )
        await _notify_state(conn, row)
    return dict(row)


async def mark_failed(
    conn: Conn, reply_id: int, *, worker_id: str, error: str, code: str | None = None, detail: str | None = None
) -> dict[str, Any] | None:
    """Give up on a row with the reason (`code`, see inbox.reply_reasons) and the platform's own
    words (`detail`); staff may retry it."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            update replies set state = 'failed', error = $3, error_code = $4, error_detail = $5,
                   lease_owner = null, lease_until = null, updated_at = now()
            where id = $1 and lease_owner = $2 and state = 'sending'
            returning *
            """,
            reply_id, worker_id, error, code, detail,
        )
        if row is not None:
            await _notify_state(conn, row)
            await _reopen_if_failed(conn, row)
    return dict(row) if row else None


# A reply held by a platform's rate limit is not failing: the platform will take it once its
# window reopens, so those waits use up no attempts. X's write window is 15 minutes; YouTube's
# daily quota resets within 24 hours, so a reply still refused after 25 hours is given up on,
# visibly, rather than left waiting forever.
RATE_LIMITED_GIVE_UP = timedelta(hours=25)


async def mark_retry(
    conn: Conn, reply_id: int, *, worker_id: str, error: str, next_attempt_at: datetime,
    code: str | None = None, detail: str | None = None, in_doubt: bool = False,
    counted: bool = True, now: datetime | None = None,
) -> dict[str, Any] | None:
    """Put a row back in the queue after a transient failure, or fail it once attempts run out.

    `in_doubt`: the request may have reached the platform (a timeout after it left) and nobody
    has looked yet; otherwise the platform did not take it (or a look found it absent).
    `counted=False` (a rate limit): the attempt is given back, and the row fails only once it
    has waited RATE_LIMITED_GIVE_UP since it was queued (`now`: the worker's clock).
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            update replies set
                -- the right-hand sides see the row as claimed: attempts already counts this one
                state = case
                    when $8 then case when attempts >= max_attempts then 'failed' else 'queued' end
                    when created_at + $10::interval < coalesce($9::timestamptz, now()) then 'failed'
                    else 'queued' end,
                attempts = case when $8 then attempts else greatest(0, attempts - 1) end,
                error = $3, next_attempt_at = $4, error_code = $5, error_detail = $6,
                outcome = case when $7 then 'in_doubt' end,
                lease_owner = null, lease_until = null, updated_at = now()
            where id = $1 and lease_owner = $2 and state = 'sending'
            returning *
            """,
            reply_id, worker_id, error, next_attempt_at, code, detail, in_doubt, counted, now,
            RATE_LIMITED_GIVE_UP,
        )
        if row is not None:
            await _notify_state(conn, row)
            await _reopen_if_failed(conn, row)
    return dict(row) if row else None


async def retry(conn: Conn, brand_id: int, reply_id: int) -> dict[str, Any] | None:
    """Staff ask to try a failed reply again: back to the queue with fresh attempts.

    The last error stays until the next outcome: it tells the sender an earlier attempt may
    have reached the platform, so it looks there before sending again.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            update replies set state = 'queued', attempts = 0, next_attempt_at = now(),
                   updated_at = now()
            where id = $1 and brand_id = $2 and state = 'failed'
            returning *
            """,
            reply_id, brand_id,
        )
        if row is not None:
            await _notify_state(conn, row)
    return dict(row) if row else None


async def next_due_at(conn: Conn) -> datetime | None:
    """When the soonest queued row becomes due (to know how long the sender may idle)."""
    value: datetime | None = await conn.fetchval(
        "select min(case when state = 'queued' then next_attempt_at else lease_until end)"
        f" from replies r where state in ('queued', 'sending') and {_IN_TURN}"
    )
    return value
