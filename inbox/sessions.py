"""Server-side sessions: opened at log-in, checked on every request, revoked everywhere at once.

The cookie holds a random token; only its SHA-256 is stored, so reading this table opens no
session. Every revocation NOTIFYs the sessions channel: web processes close the open
websockets whose session or membership has gone.
"""

from __future__ import annotations

import hashlib
import secrets

from inbox.db import Conn
from inbox.notify import SESSIONS_CHANNEL, notify
from inbox.users import Member, member

SESSION_DAYS = 14


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(conn: Conn, user_id: int, *, days: int = SESSION_DAYS) -> str:
    """Store a new session for the user; the token the cookie carries."""
    token = secrets.token_urlsafe(32)
    await conn.execute(
        "insert into sessions (id, user_id, expires_at) values ($1, $2, now() + make_interval(days => $3))",
        _key(token), user_id, days,
    )
    # Expired rows go here, at log-in, so the table stays small without a sweeper.
    await conn.execute("delete from sessions where expires_at < now()")
    return token


async def session_member(conn: Conn, token: str, user_id: int, brand_id: int) -> Member | None:
    """The member behind a live session on a brand, or None (ended, expired, someone else's, or no longer a member)."""
    alive = await conn.fetchval(
        "select true from sessions where id = $1 and user_id = $2 and expires_at > now()", _key(token), user_id)
    if not alive:
        return None
    return await member(conn, user_id, brand_id)


async def end_session(conn: Conn, token: str) -> None:
    """End one session (log-out) and tell the web processes."""
    user_id = await conn.fetchval("delete from sessions where id = $1 returning user_id", _key(token))
    if user_id is not None:
        await notify(conn, SESSIONS_CHANNEL, {"user": user_id})


async def end_user_sessions(conn: Conn, user_id: int, *, keep: str | None = None) -> int:
    """End every session of the user (but `keep`, the one asking); how many ended."""
    status = await conn.execute(
        "delete from sessions where user_id = $1 and id <> $2", user_id, _key(keep) if keep else "")
    await notify(conn, SESSIONS_CHANNEL, {"user": user_id})
    return int(status.split()[-1])
