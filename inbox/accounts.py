"""Platform connections: add and edit them (credentials sealed by the Vault), lease the due ones
to a worker, and record how each poll went (health, last error, next poll).

Leases make several worker processes share the accounts without polling one twice: a worker
takes due rows with `FOR UPDATE SKIP LOCKED` and owns them until `lease_until`. Each lease taken
bumps the account's `lease_token`; renewing, storing a page and recording the outcome all check
that token (fencing), so a holder that lost its lease writes nothing over the next holder's work.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from inbox.credentials import Vault
from inbox.db import Conn
from inbox.types import WorkerAccount

# Seconds between two polls of one account, wherever they are set (the command line, Settings):
# below 10 s a worker spends its time on one feed; above a day a connection is as good as paused.
MIN_POLL_INTERVAL, MAX_POLL_INTERVAL = 10, 86_400

# Columns safe to show on the settings page: everything but the sealed credentials.
_PUBLIC_COLUMNS = """
    id, brand_id, platform, name, external_id, base_url, settings, enabled, poll_interval_seconds,
    next_poll_at, health, last_success_at, last_error, last_error_at, consecutive_failures, usage,
    created_at, updated_at, access_expires_at, feed_gaps, last_feed_gap_at
"""
# What a worker reads of an account (inbox.types.WorkerAccount), with its brand's NLP settings.
_WORKER_COLUMNS = """
    a.id, a.brand_id, a.platform, a.external_id, a.base_url, a.credentials, a.settings, a.cursor,
    a.poll_interval_seconds, a.health, a.consecutive_failures, b.expected_langs, b.response_target_minutes,
    a.verified_at is not null as verified, a.lease_token
"""


async def add_account(
    conn: Conn,
    vault: Vault,
    *,
    brand_id: int,
    platform: str,
    name: str,
    external_id: str,
    base_url: str,
    credentials: dict[str, Any],
    settings: dict[str, Any] | None = None,
    poll_interval_seconds: int = 60,
) -> int:
    """Create the connection, or update it when the brand already has it; return its id."""
    value: int = await conn.fetchval(
        """
        insert into accounts (brand_id, platform, name, external_id, base_url, credentials, settings,
                              poll_interval_seconds)
        values ($1, $2, $3, $4, $5, $6, $7, $8)
        on conflict (brand_id, platform, external_id) do update set
            name = excluded.name, base_url = excluded.base_url, credentials = excluded.credentials,
            settings = excluded.settings, poll_interval_seconds = excluded.poll_interval_seconds,
            enabled = true, health = 'ok', last_error = null, consecutive_failures = 0,
            next_poll_at = now(), updated_at = now(), verified_at = null
        returning id
        """,
        brand_id, platform, name, external_id, base_url, vault.seal(credentials), settings or {},
        poll_interval_seconds,
    )
    return value


async def update_credentials(
    conn: Conn, vault: Vault, *, brand_id: int, account_id: int, credentials: dict[str, Any]
) -> bool:
    """Replace an account's credentials (a reconnect): health back to ok, polled at once."""
    status = await conn.execute(
        """
        update accounts set credentials = $3, health = 'ok', last_error = null, last_error_at = null,
               consecutive_failures = 0, next_poll_at = now(), updated_at = now(), verified_at = null
        where id = $1 and brand_id = $2
        """,
        account_id, brand_id, vault.seal(credentials),
    )
    return status.endswith(" 1")


async def update_details(
    conn: Conn, *, brand_id: int, account_id: int, name: str, base_url: str | None, settings: dict[str, Any],
    cleared: list[str] | None = None,
) -> bool:
    """Rename an account and change its address and settings (merged into the stored ones; the
    `cleared` keys removed, back to their defaults); a new address must prove access again
    before it receives pushed deliveries."""
    status = await conn.execute(
        "update accounts set name = $3, base_url = $4, settings = (settings - $6::text[]) || $5::jsonb,"
        " updated_at = now(), verified_at = case when base_url is distinct from $4 then null else verified_at end"
        " where brand_id = $1 and id = $2",
        brand_id, account_id, name, base_url, settings, list(cleared or []),
    )
    return status.endswith(" 1")


async def set_enabled(conn: Conn, *, brand_id: int, account_id: int, enabled: bool) -> bool:
    """Pause or resume polling of one account."""
    status = await conn.execute(
        "update accounts set enabled = $3, next_poll_at = now(), updated_at = now() where id = $1 and brand_id = $2",
        account_id, brand_id, enabled,
    )
    return status.endswith(" 1")


async def list_accounts(conn: Conn, brand_id: int) -> list[dict[str, Any]]:
    """A brand's accounts with their health, without credentials (for the settings page)."""
    rows = await conn.fetch(
        f"select {_PUBLIC_COLUMNS} from accounts where brand_id = $1 order by platform, name, id", brand_id
    )
    return [dict(r) for r in rows]


async def set_poll_interval(conn: Conn, *, brand_id: int, account_id: int, seconds: int) -> bool:
    """Change how often one account is polled. A shorter interval brings the next poll forward to
    now + the new interval at most (an owner shortening an hourly feed should not wait the hour);
    a longer one keeps the next poll's time, and the polls after it follow the new interval."""
    status = await conn.execute(
        "update accounts set poll_interval_seconds = $3, updated_at = now(),"
        " next_poll_at = least(next_poll_at, now() + $3::integer * interval '1 second')"
        " where id = $1 and brand_id = $2",
        account_id, brand_id, seconds,
    )
    return status.endswith(" 1")


async def poll_now(conn: Conn, *, brand_id: int, account_id: int) -> dict[str, Any] | None:
    """Make one account due now, so the next idle worker polls it (within a second); its
    enabled and health columns say whether it will (paused and re-authorisation are skipped)."""
    row = await conn.fetchrow(
        "update accounts set next_poll_at = now() where id = $1 and brand_id = $2 returning enabled, health",
        account_id, brand_id,
    )
    return dict(row) if row else None


async def list_everywhere(conn: Conn, brand_id: int | None = None) -> list[dict[str, Any]]:
    """Accounts of one brand or of all, with their brand's slug and without credentials (the CLI)."""
    rows = await conn.fetch(
        f"select b.slug as brand, {', '.join('a.' + c.strip() for c in _PUBLIC_COLUMNS.split(','))}"
        " from accounts a join brands b on b.id = a.brand_id where $1::bigint is null or a.brand_id = $1"
        " order by a.id",
        brand_id,
    )
    return [dict(r) for r in rows]


async def brand_of(conn: Conn, account_id: int) -> int | None:
    """The brand an account belongs to, or None when there is no such account."""
    value: int | None = await conn.fetchval("select brand_id from accounts where id = $1", account_id)
    return value


async def get_account(conn: Conn, brand_id: int, account_id: int) -> dict[str, Any] | None:
    """One account of the brand without credentials (the settings page's edit form)."""
    row = await conn.fetchrow(
        f"select {_PUBLIC_COLUMNS} from accounts where id = $1 and brand_id = $2", account_id, brand_id
    )
    return dict(row) if row else None


async def connected(conn: Conn, platform: str, external_id: str) -> list[dict[str, Any]]:
    """The accounts (id, brand_id) pushed deliveries for one platform account go to: enabled, proved
    access with working credentials, not waiting for re-authorisation. Naming a Page id is not enough."""
    rows = await conn.fetch(
        "select id, brand_id from accounts where platform = $1 and external_id = $2 and enabled"
        " and verified_at is not null and health <> 'reauth'",
        platform, external_id,
    )
    return [dict(r) for r in rows]


async def needing_reauth(conn: Conn, brand_id: int) -> list[dict[str, Any]]:
    """The brand's connections waiting for re-authorisation (the notice on every page)."""
    rows = await conn.fetch(
        "select id, platform, name, external_id from accounts where brand_id = $1 and health = 'reauth'"
        " order by reauth_since nulls last, id limit 20", brand_id)
    return [dict(r) for r in rows]


async def item_count(conn: Conn, *, brand_id: int, account_id: int) -> int:
    """How many items an account brought in (the removal confirmation says they stay)."""
    value: int = await conn.fetchval(
        "select count(*) from items where brand_id = $1 and account_id = $2", brand_id, account_id)
    return value


async def claimed_elsewhere(conn: Conn, *, brand_id: int, platform: str, external_id: str) -> bool:
    """True when another brand holds this platform account with proved access (verified_at), enabled
    or not: a pushed platform's account belongs to one brand until that brand removes it."""
    found = await conn.fetchval(
        "select 1 from accounts where platform = $1 and external_id = $2 and brand_id <> $3"
        " and verified_at is not null limit 1",
        platform, external_id, brand_id,
    )
    return found is not None


async def remove_account(conn: Conn, *, brand_id: int, account_id: int) -> bool:
    """Disconnect an account; its items stay in the inbox (their account_id becomes null)."""
    status = await conn.execute("delete from accounts where id = $1 and brand_id = $2", account_id, brand_id)
    return status.endswith(" 1")


async def load_for_worker(conn: Conn, account_id: int) -> WorkerAccount | None:
    """One account with its sealed credentials, for a worker about to call the platform."""
    row = await conn.fetchrow(
        f"select {_WORKER_COLUMNS} from accounts a join brands b on b.id = a.brand_id where a.id = $1", account_id
    )
    return WorkerAccount(**row) if row else None


async def lease_due(
    conn: Conn, *, worker_id: str, now: datetime, lease_seconds: float, limit: int
) -> list[WorkerAccount]:
    """Take up to `limit` due accounts for `worker_id` until now + lease_seconds."""
    if limit <= 0:
        return []
    rows = await conn.fetch(
        f"""
        with due as (
            select id from accounts
            where enabled and health <> 'reauth' and next_poll_at <= $2
              and (lease_until is null or lease_until < $2)
            order by next_poll_at
            limit $4
            for update skip locked
        )
        update accounts a set lease_owner = $1, lease_until = $3, lease_token = a.lease_token + 1
        from due, brands b
        where a.id = due.id and b.id = a.brand_id
        returning {_WORKER_COLUMNS}
        """,
        worker_id, now, now + timedelta(seconds=lease_seconds), limit,
    )
    return [WorkerAccount(**r) for r in rows]


async def renew_lease(
    conn: Conn, account_id: int, *, worker_id: str, lease_token: int, now: datetime, lease_seconds: float
) -> bool:
    """Extend our lease to now + lease_seconds; False when another lease was taken since ours.

    The token, not the time, says whose the account is: a lease that ran out while nobody took
    the account (a database restart longer than a lease) is still ours to renew and use."""
    status = await conn.execute(
        """
        update accounts set lease_until = $4
        where id = $1 and lease_owner = $2 and lease_token = $3
        """,
        account_id, worker_id, lease_token, now + timedelta(seconds=lease_seconds),
    )
    return status.endswith(" 1")


async def holds_lease(conn: Conn, account_id: int, *, worker_id: str, lease_token: int) -> bool:
    """Lock the account row and say whether our lease (its token) is still the account's: call
    inside the transaction that stores a page, so no one takes the account before it commits."""
    found = await conn.fetchval(
        "select 1 from accounts where id = $1 and lease_owner = $2 and lease_token = $3 for update",
        account_id, worker_id, lease_token,
    )
    return found is not None


async def record_feed_gap(conn: Conn, account_id: int, *, worker_id: str, lease_token: int, now: datetime) -> bool:
    """Count a read that found none of the feed's entries read before (entries may have scrolled
    off unread); call in the transaction that stores the page, so the count moves with the cursor."""
    status = await conn.execute(
        "update accounts set feed_gaps = feed_gaps + 1, last_feed_gap_at = $4"
        " where id = $1 and lease_owner = $2 and lease_token = $3",
        account_id, worker_id, lease_token, now,
    )
    return status.endswith(" 1")


async def record_success(
    conn: Conn,
    account_id: int,
    *,
    worker_id: str,
    lease_token: int,
    now: datetime,
    next_poll_at: datetime,
    usage: dict[str, Any] | None,
    proved_for: tuple[str, bytes | None] | None = None,
) -> str | None:
    """Healthy again: release the lease, schedule the next poll, keep the platform's latest
    usage report (none means low usage, platform-apis.md 1.6); return the previous health.

    `proved_for` (base_url, sealed credentials) marks the account verified, only if neither
    changed since the proof (an owner's edit in between must prove again)."""
    base_url, sealed = proved_for or (None, None)
    value: str | None = await conn.fetchval(
        """
        with old as (select id, health from accounts where id = $1 for update)
        update accounts a set health = 'ok', last_success_at = $3, consecutive_failures = 0,
               last_error = null, next_poll_at = $4, usage = $5,
               lease_owner = null, lease_until = null, updated_at = now(),
               verified_at = case when $6 and a.base_url = $7 and a.credentials is not distinct from $8
                                  then coalesce(a.verified_at, $3) else a.verified_at end
        from old where a.id = old.id and a.lease_owner = $2 and a.lease_token = $9
        returning old.health
        """,
        account_id, worker_id, now, next_poll_at, usage or {}, proved_for is not None, base_url, sealed, lease_token,
    )
    return value


async def record_failure(
    conn: Conn,
    account_id: int,
    *,
    worker_id: str,
    lease_token: int,
    now: datetime,
    error: str,
    health: str,
    next_poll_at: datetime,
    progressed: bool = False,
) -> tuple[str, int] | None:
    """Note a failed poll in plain words and release the lease; return (previous health, failures).

    `progressed`: pages were stored before the failure, so the count of failures in a row starts
    again at one (the walk resumes from its saved cursor; backing off harder would starve it).
    """
    row = await conn.fetchrow(
        """
        with old as (select id, health from accounts where id = $1 for update)
        update accounts a set health = $4, last_error = $5, last_error_at = $3,
               consecutive_failures = case when $7 then 1 else a.consecutive_failures + 1 end,
               next_poll_at = $6, lease_owner = null, lease_until = null, updated_at = now()
        from old where a.id = old.id and a.lease_owner = $2 and a.lease_token = $8
        returning old.health, a.consecutive_failures
        """,
        account_id, worker_id, now, health, error, next_poll_at, progressed, lease_token,
    )
    return (row["health"], row["consecutive_failures"]) if row else None


async def flag_reauth(conn: Conn, account_id: int, *, error: str, now: datetime) -> str | None:
    """Stop polling an account whose credentials the platform refused; return the previous health."""
    value: str | None = await conn.fetchval(
        """
        with old as (select id, health from accounts where id = $1 for update)
        update accounts a set health = 'reauth', last_error = $2, last_error_at = $3,
               consecutive_failures = a.consecutive_failures + 1, updated_at = now()
        from old where a.id = old.id
        returning old.health
        """,
        account_id, error, now,
    )
    return value


async def release_lease(conn: Conn, account_id: int, *, worker_id: str, lease_token: int) -> None:
    """Give an account back without touching its schedule (shutdown in the middle of a poll)."""
    await conn.execute(
        "update accounts set lease_owner = null, lease_until = null"
        " where id = $1 and lease_owner = $2 and lease_token = $3",
        account_id, worker_id, lease_token,
    )


async def next_due_at(conn: Conn) -> datetime | None:
    """When the soonest enabled, healthy-enough account is due (to know how long to idle)."""
    value: datetime | None = await conn.fetchval(
        "select min(greatest(next_poll_at, coalesce(lease_until, next_poll_at))) from accounts"
        " where enabled and health <> 'reauth'"
    )
    return value
