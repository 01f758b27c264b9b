"""Changing a brand's team: roles and removal, never leaving a brand without an owner."""

from __future__ import annotations

from inbox import sessions
from inbox.db import Conn
from inbox.users import ROLES, add_membership, remove_membership


class LastOwner(Exception):
    """The change would leave the brand without an owner."""


async def _check_owners(conn: Conn, brand_id: int, user_id: int) -> str | None:
    """The member's role, after locking the brand's memberships; LastOwner when they are its only owner."""
    # Locking the brand's owner rows serialises two owners demoting each other at once.
    owners = [r["user_id"] for r in await conn.fetch(
        "select user_id from memberships where brand_id = $1 and role = 'owner' for update", brand_id)]
    role: str | None = await conn.fetchval(
        "select role from memberships where brand_id = $1 and user_id = $2", brand_id, user_id)
    if role == "owner" and owners == [user_id]:
        raise LastOwner
    return role


async def change_role(conn: Conn, brand_id: int, user_id: int, role: str) -> bool:
    """Give a member another role; False when they are not a member; LastOwner for the last owner."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    async with conn.transaction():
        if role == "owner":  # promoting never leaves a brand without an owner
            current = await conn.fetchval(
                "select role from memberships where brand_id = $1 and user_id = $2", brand_id, user_id)
        else:
            current = await _check_owners(conn, brand_id, user_id)
        if current is None:
            return False
        await add_membership(conn, user_id, brand_id, role)
        return True


async def remove(conn: Conn, brand_id: int, user_id: int) -> bool:
    """Take a member off the brand: their pages on it stop at once, and with no brand left every
    session of theirs ends. False when not a member; LastOwner for the last owner."""
    async with conn.transaction():
        if await _check_owners(conn, brand_id, user_id) is None:
            return False
        await remove_membership(conn, user_id, brand_id)
        if not await conn.fetchval("select exists (select 1 from memberships where user_id = $1)", user_id):
            await sessions.end_user_sessions(conn, user_id)
        return True
