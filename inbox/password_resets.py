"""Forgotten-password links: single use, one hour, stored as digests."""

from __future__ import annotations

import asyncpg

from inbox import sessions
from inbox.db import Conn
from inbox.links import digest, new_token

RESET_MINUTES = 60


async def create(conn: Conn, user_id: int, *, minutes: int = RESET_MINUTES) -> str:
    """A new link for the user (earlier unused ones stop working); its token."""
    token = new_token()
    async with conn.transaction():
        await conn.execute("delete from password_resets where user_id = $1 and used_at is null", user_id)
        await conn.execute(
            "insert into password_resets (token_hash, user_id, expires_at) values ($1, $2, now() + make_interval(mins => $3))",
            digest(token), user_id, minutes,
        )
    # Old rows go here, so the table stays small without a sweeper.
    await conn.execute("delete from password_resets where expires_at < now() - interval '1 day'")
    return token


async def find(conn: Conn, token: str) -> asyncpg.Record | None:
    """The link's user (id, email, name, ui_lang) and state (`expired`, `used_at`), or None."""
    return await conn.fetchrow(
        """
        select r.user_id, r.used_at, r.expires_at <= now() as expired, u.email, u.name, u.ui_lang
        from password_resets r join users u on u.id = r.user_id where r.token_hash = $1
        """,
        digest(token),
    )


async def use(conn: Conn, token: str, password_hash: str) -> int | None:
    """Spend the link: set the new password and end every session of the user; the user's id,
    or None when the link is unknown, used or expired."""
    async with conn.transaction():
        user_id: int | None = await conn.fetchval(
            """
            update password_resets set used_at = now()
            where token_hash = $1 and used_at is null and expires_at > now() returning user_id
            """,
            digest(token),
        )
        if user_id is None:
            return None
        await conn.execute("update users set password_hash = $2 where id = $1", user_id, password_hash)
        await sessions.end_user_sessions(conn, user_id)
        return user_id
