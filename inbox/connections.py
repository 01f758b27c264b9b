"""Connections made with OAuth: flows waiting for the platform's answer, accounts saved from a
grant, and tokens renewed by a worker under the account's lock.

Renewal takes a transaction-scoped advisory lock per account, so two workers (or a poll and a
reply) that find the same token near expiry refresh it once: the second one waits, then reads
the token the first one stored. Holding a lock, not a row lock, leaves the account's lease and
health free to change meanwhile.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from inbox.credentials import Vault
from inbox.db import Conn

# The advisory lock space of token renewal (first key of pg_advisory_xact_lock(int, int)).
_REFRESH_LOCK = 4111
FLOW_MINUTES = 10


def state_id(state: str) -> str:
    """The key a flow is stored under: the state's SHA-256, never the state itself."""
    return hashlib.sha256(state.encode("utf-8")).hexdigest()


async def start_flow(conn: Conn, *, state: str, brand_id: int, user_id: int, platform: str, account_id: int | None,
                     verifier: str | None, now: datetime) -> None:
    """Remember a started flow for FLOW_MINUTES; old flows are swept on the way."""
    await conn.execute("delete from oauth_flows where expires_at < $1", now)
    await conn.execute(
        "insert into oauth_flows (id, brand_id, user_id, platform, account_id, verifier, created_at, expires_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8)",
        state_id(state), brand_id, user_id, platform, account_id, verifier, now, now + timedelta(minutes=FLOW_MINUTES),
    )


async def take_flow(conn: Conn, *, state: str, user_id: int, platform: str, now: datetime) -> dict[str, Any] | None:
    """The flow this state started, used up (single use); None when unknown, expired, or started
    by another member or for another platform."""
    row = await conn.fetchrow(
        "delete from oauth_flows where id = $1 returning brand_id, user_id, platform, account_id, verifier, expires_at",
        state_id(state),
    )
    if row is None or row["user_id"] != user_id or row["platform"] != platform or row["expires_at"] < now:
        return None
    return dict(row)


async def park_choices(conn: Conn, vault: Vault, *, brand_id: int, user_id: int, platform: str, account_id: int | None,
                       pending: dict[str, Any], now: datetime) -> str:
    """Keep a grant's tokens and choices until the owner picks; return the picker's key."""
    import secrets

    key = secrets.token_urlsafe(24)
    await conn.execute(
        "insert into oauth_flows (id, brand_id, user_id, platform, account_id, pending, created_at, expires_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8)",
        state_id("pick:" + key), brand_id, user_id, platform, account_id, vault.seal(pending), now,
        now + timedelta(minutes=FLOW_MINUTES),
    )
    return key


async def parked(conn: Conn, vault: Vault, *, key: str, brand_id: int, user_id: int, platform: str, now: datetime,
                 take: bool = False) -> dict[str, Any] | None:
    """The parked grant of this picker key (for this member, brand and platform); taken when `take`."""
    verb = "delete from oauth_flows where id = $1 returning *" if take else "select * from oauth_flows where id = $1"
    row = await conn.fetchrow(verb, state_id("pick:" + key))
    if (row is None or row["pending"] is None or row["user_id"] != user_id or row["brand_id"] != brand_id
            or row["platform"] != platform or row["expires_at"] < now):
        return None
    return {"account_id": row["account_id"], **vault.open(row["pending"])}


async def save_connected(conn: Conn, vault: Vault, *, brand_id: int, platform: str, external_id: str, name: str,
                         base_url: str, credentials: dict[str, Any], settings: dict[str, Any],
                         bound: dict[str, Any] | None = None) -> int:
    """Create the account a grant covers, or refresh the brand's existing one (same account: its
    cursor, items and settings stay; a stored refresh token survives an answer without one).
    `bound` settings belong to the grant (a mailbox's sending server, the application that
    granted it) and replace the stored ones: the same address may move from Gmail to Microsoft 365."""
    bound = bound or {}
    existing = await conn.fetchrow(
        "select id, credentials from accounts where brand_id = $1 and platform = $2 and external_id = $3 for update",
        brand_id, platform, external_id,
    )
    if existing is not None:
        previous = _open_quietly(vault, existing["credentials"])
        merged = {**credentials}
        if previous.get("refresh_token") and not merged.get("refresh_token"):
            merged["refresh_token"] = previous["refresh_token"]
        await conn.execute(
            """
            update accounts set credentials = $2, base_url = $3, settings = ($4::jsonb || settings) || $6::jsonb,
                   name = case when name = '' then $5 else name end,
                   enabled = true, health = 'ok', last_error = null, last_error_at = null, consecutive_failures = 0,
                   next_poll_at = now(), updated_at = now(), verified_at = null
            where id = $1
            """,
            existing["id"], vault.seal(merged), base_url, settings, name, bound,
        )
        value: int = existing["id"]
        return value
    created: int = await conn.fetchval(
        """
        insert into accounts (brand_id, platform, name, external_id, base_url, credentials, settings)
        values ($1, $2, $3, $4, $5, $6, $7) returning id
        """,
        brand_id, platform, name, external_id, base_url, vault.seal(credentials), {**settings, **bound},
    )
    return created


def _open_quietly(vault: Vault, sealed: bytes | None) -> dict[str, Any]:
    from inbox.credentials import CredentialsUnreadable

    try:
        return vault.open(sealed)
    except CredentialsUnreadable:
        return {}  # unreadable old credentials are replaced, as a reconnect should


async def lock_for_refresh(conn: Conn, account_id: int) -> None:
    """Hold the account's renewal lock until the transaction ends."""
    await conn.execute("select pg_advisory_xact_lock($1, $2)", _REFRESH_LOCK, account_id)


async def sealed_credentials(conn: Conn, account_id: int) -> bytes | None:
    """The account's credentials as stored (sealed)."""
    value: bytes | None = await conn.fetchval("select credentials from accounts where id = $1", account_id)
    return value


async def store_renewed(conn: Conn, vault: Vault, account_id: int, credentials: dict[str, Any]) -> None:
    """Keep renewed tokens: the same account and platform access, so its proof of access stands."""
    await conn.execute("update accounts set credentials = $2, updated_at = now() where id = $1",
                       account_id, vault.seal(credentials))
