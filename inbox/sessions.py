"""Server-side sessions: opened at log-in, checked on every request, revoked everywhere at once.

The cookie holds a random token; only its SHA-256 is stored, so reading this table opens no
session. Every revocation NOTIFYs the sessions channel: web processes close the open
websockets whose session or membership has gone.
"""

from __future__ import annotations

import asyncpg

from inbox.db import Conn
from inbox.links import digest as _key
from inbox.links import new_token
from inbox.notify import SESSIONS_CHANNEL, notify
from inbox.users import Member, member

SESSION_DAYS = 14
# "Last seen" is written at most this often per session: not one write per request.
SEEN_EVERY_SECONDS = 60


async def open_session(conn: Conn, user_id: int, *, days: int = SESSION_DAYS, user_agent: str = "") -> str:
    """Store a new session for the user (with the browser that opened it); the token the cookie carries."""
    token = new_token()
    await conn.execute(
        """
        insert into sessions (id, user_id, expires_at, user_agent)
        values ($1, $2, now() + make_interval(days => $3), $4)
        """,
        _key(token), user_id, days, user_agent[:300],
    )
    # Expired rows go here, at log-in, so the table stays small without a sweeper.
    await conn.execute("delete from sessions where expires_at < now()")
    return token


async def session_member(conn: Conn, token: str, user_id: int, brand_id: int) -> Member | None:
    """The member behind a live session on a brand, or None (ended, expired, someone else's, or no longer a member)."""
    stale = await conn.fetchval(
        """
        select last_seen_at < now() - make_interval(secs => $3) from sessions
        where id = $1 and user_id = $2 and expires_at > now()
        """,
        _key(token), user_id, SEEN_EVERY_SECONDS)
    if stale is None:
        return None
    if stale:
        await conn.execute("update sessions set last_seen_at = now() where id = $1", _key(token))
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


async def list_sessions(conn: Conn, user_id: int, current: str | None) -> list[asyncpg.Record]:
    """The user's live sessions, most recently used first; `current` marks the one asking."""
    return await conn.fetch(
        """
        select num, user_agent, created_at, last_seen_at, id = $2 as current from sessions
        where user_id = $1 and expires_at > now() order by id = $2 desc, last_seen_at desc, num desc
        """,
        user_id, _key(current) if current else "",
    )


async def end_numbered(conn: Conn, user_id: int, num: int) -> bool:
    """End one of the user's own sessions by its number; False when it is not theirs or gone."""
    ended = await conn.fetchval("delete from sessions where user_id = $1 and num = $2 returning true", user_id, num)
    if ended:
        await notify(conn, SESSIONS_CHANNEL, {"user": user_id})
    return bool(ended)
