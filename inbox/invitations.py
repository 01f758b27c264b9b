"""Invitations to a brand: created by an owner, accepted once through a link that expires."""

from __future__ import annotations

import asyncpg

from inbox.db import Conn
from inbox.links import digest, new_token
from inbox.users import ROLES, add_membership

INVITE_DAYS = 7


async def invite(conn: Conn, *, brand_id: int, email: str, role: str, lang: str, invited_by: int | None,
                 days: int = INVITE_DAYS) -> tuple[int, str]:
    """A pending invitation (renewed, with a new link, when one is already pending); its id and token."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    token = new_token()
    invitation_id: int = await conn.fetchval(
        """
        insert into invitations (brand_id, email, role, lang, token_hash, invited_by, expires_at)
        values ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))
        on conflict (brand_id, lower(email)) where accepted_at is null do update
          set role = excluded.role, lang = excluded.lang, token_hash = excluded.token_hash,
              invited_by = excluded.invited_by, created_at = now(), expires_at = excluded.expires_at
        returning id
        """,
        brand_id, email.strip(), role, lang, digest(token), invited_by, days,
    )
    return invitation_id, token


async def renew(conn: Conn, brand_id: int, invitation_id: int, *, days: int = INVITE_DAYS) -> tuple[asyncpg.Record, str] | None:
    """A new link and expiry for a pending invitation of the brand (the old link stops working)."""
    token = new_token()
    row = await conn.fetchrow(
        """
        update invitations set token_hash = $3, created_at = now(), expires_at = now() + make_interval(days => $4)
        where id = $1 and brand_id = $2 and accepted_at is null
        returning id, email, role, lang
        """,
        invitation_id, brand_id, digest(token), days,
    )
    return (row, token) if row is not None else None


async def cancel(conn: Conn, brand_id: int, invitation_id: int) -> bool:
    """Withdraw a pending invitation of the brand; False when there is none."""
    status = await conn.execute(
        "delete from invitations where id = $1 and brand_id = $2 and accepted_at is null", invitation_id, brand_id)
    return status.endswith(" 1")


async def pending(conn: Conn, brand_id: int) -> list[asyncpg.Record]:
    """The brand's invitations not yet accepted (expired ones too, flagged), newest first."""
    return await conn.fetch(
        """
        select i.id, i.email, i.role, i.lang, i.created_at, i.expires_at, i.expires_at <= now() as expired,
               coalesce(u.name, '') as invited_by_name
        from invitations i left join users u on u.id = i.invited_by
        where i.brand_id = $1 and i.accepted_at is null order by i.created_at desc, i.id desc
        """,
        brand_id,
    )


async def find(conn: Conn, token: str) -> asyncpg.Record | None:
    """The invitation behind a link (whatever its state: `expired`, `accepted_at`), with its brand."""
    return await conn.fetchrow(
        """
        select i.id, i.brand_id, i.email, i.role, i.lang, i.expires_at, i.accepted_at, i.expires_at <= now() as expired,
               b.name as brand_name, coalesce(u.name, '') as invited_by_name
        from invitations i join brands b on b.id = i.brand_id left join users u on u.id = i.invited_by
        where i.token_hash = $1
        """,
        digest(token),
    )


async def accept(conn: Conn, token: str, user_id: int) -> asyncpg.Record | None:
    """Use the link once: the user joins the brand with the invited role. None when the link is
    unknown, used or expired (two clicks at once: one wins, the row lock decides)."""
    async with conn.transaction():
        row = await conn.fetchrow(
            """
            select id, brand_id, role from invitations
            where token_hash = $1 and accepted_at is null and expires_at > now() for update
            """,
            digest(token),
        )
        if row is None:
            return None
        existing = await conn.fetchval(
            "select role from memberships where user_id = $1 and brand_id = $2", user_id, row["brand_id"])
        # An owner who is invited again as an agent stays an owner: an invitation never demotes.
        if existing != "owner":
            await add_membership(conn, user_id, row["brand_id"], row["role"])
        await conn.execute("update invitations set accepted_at = now(), accepted_by = $2 where id = $1", row["id"], user_id)
        return row
