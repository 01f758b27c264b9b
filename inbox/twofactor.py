"""Two-step login storage: the TOTP secret (sealed with the install's key), the last time step
used, and the recovery codes (digests only, each usable once)."""

from __future__ import annotations

from inbox import sessions
from inbox.db import Conn
from inbox.links import digest


async def secret(conn: Conn, user_id: int) -> bytes | None:
    """The sealed TOTP secret of a user who turned two-step login on, else None."""
    value: bytes | None = await conn.fetchval("select totp_secret from users where id = $1", user_id)
    return value


async def set_pending(conn: Conn, user_id: int, sealed: bytes | None) -> None:
    """Keep (or forget, with None) the secret the user is enrolling and has not confirmed yet."""
    await conn.execute("update users set totp_pending = $2 where id = $1", user_id, sealed)


async def pending(conn: Conn, user_id: int) -> bytes | None:
    """The sealed secret being enrolled, or None."""
    value: bytes | None = await conn.fetchval("select totp_pending from users where id = $1", user_id)
    return value


async def enable(conn: Conn, user_id: int, sealed: bytes, step: int, recovery_codes: list[str]) -> None:
    """Turn two-step login on with the confirmed secret and fresh recovery codes (the old ones go)."""
    async with conn.transaction():
        await conn.execute(
            "update users set totp_secret = $2, totp_pending = null, totp_last_step = $3 where id = $1",
            user_id, sealed, step)
        await conn.execute("delete from recovery_codes where user_id = $1", user_id)
        await conn.executemany("insert into recovery_codes (user_id, code_hash) values ($1, $2)",
                               [(user_id, digest(normalise(code))) for code in recovery_codes])


async def replace_recovery_codes(conn: Conn, user_id: int, recovery_codes: list[str]) -> bool:
    """New recovery codes for a user with two-step login on (the old ones go); False when it is off."""
    async with conn.transaction():
        if await secret(conn, user_id) is None:
            return False
        await conn.execute("delete from recovery_codes where user_id = $1", user_id)
        await conn.executemany("insert into recovery_codes (user_id, code_hash) values ($1, $2)",
                               [(user_id, digest(normalise(code))) for code in recovery_codes])
        return True


async def disable(conn: Conn, user_id: int) -> None:
    """Turn two-step login off and drop the recovery codes."""
    async with conn.transaction():
        await conn.execute("update users set totp_secret = null, totp_pending = null, totp_last_step = 0 where id = $1", user_id)
        await conn.execute("delete from recovery_codes where user_id = $1", user_id)


async def claim_step(conn: Conn, user_id: int, step: int) -> bool:
    """Record a code's time step as used; False when it (or a later one) was used already (no replay)."""
    return bool(await conn.fetchval(
        "update users set totp_last_step = $2 where id = $1 and totp_last_step < $2 returning true", user_id, step))


def normalise(code: str) -> str:
    """A recovery code as stored: lowercase, without spaces or dashes."""
    return "".join(ch for ch in code.lower() if ch.isalnum())


async def use_recovery_code(conn: Conn, user_id: int, code: str) -> bool:
    """Spend one recovery code; False when it is unknown or used."""
    return bool(await conn.fetchval(
        """
        update recovery_codes set used_at = now()
        where user_id = $1 and code_hash = $2 and used_at is null returning true
        """,
        user_id, digest(normalise(code))))


async def recovery_codes_left(conn: Conn, user_id: int) -> int:
    """How many recovery codes the user has not used."""
    value: int = await conn.fetchval(
        "select count(*) from recovery_codes where user_id = $1 and used_at is null", user_id)
    return value


async def brands_requiring(conn: Conn, user_id: int) -> list[str]:
    """The names of the user's brands that require two-step log-in."""
    rows = await conn.fetch(
        """
        select b.name from memberships m join brands b on b.id = m.brand_id
        where m.user_id = $1 and b.require_two_step order by b.name
        """,
        user_id)
    return [r["name"] for r in rows]


async def brand_requires(conn: Conn, brand_id: int) -> bool:
    """True when the brand requires two-step log-in of its members."""
    return bool(await conn.fetchval("select require_two_step from brands where id = $1", brand_id))


async def members_with_it(conn: Conn, brand_id: int) -> set[int]:
    """The ids of the brand's members who turned two-step log-in on."""
    rows = await conn.fetch(
        """
        select u.id from memberships m join users u on u.id = m.user_id
        where m.brand_id = $1 and u.totp_secret is not null
        """,
        brand_id)
    return {r["id"] for r in rows}


async def require(conn: Conn, brand_id: int, on: bool) -> list[int]:
    """Require (or stop requiring) two-step log-in on the brand; turning it on ends every session
    of the members without it (they set it up at their next log-in). The ids whose sessions ended."""
    async with conn.transaction():
        await conn.execute("update brands set require_two_step = $2 where id = $1", brand_id, on)
        if not on:
            return []
        without = [r["id"] for r in await conn.fetch(
            """
            select u.id from memberships m join users u on u.id = m.user_id
            where m.brand_id = $1 and u.totp_secret is null
            """,
            brand_id)]
        for user_id in without:
            await sessions.end_user_sessions(conn, user_id)
        return without
