"""Users, brands and memberships: who may work on which brand, in which role."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from inbox.db import Conn
from inbox.notify import SESSIONS_CHANNEL, notify

ROLES = ("owner", "agent")


@dataclass(frozen=True, slots=True)
class Member:
    """A user acting on one brand (the session's current brand)."""

    user_id: int
    brand_id: int
    role: str
    ui_lang: str
    name: str
    email: str
    brand_name: str = ""
    timezone: str = "America/Montreal"


async def create_brand(conn: Conn, slug: str, name: str, lang: str = "fr", timezone: str = "America/Montreal") -> int:
    """Create a brand (or return the existing one with that slug); its id."""
    value: int = await conn.fetchval(
        """
        insert into brands (slug, name, lang, timezone) values ($1, $2, $3, $4)
        on conflict (slug) do update set slug = excluded.slug
        returning id
        """,
        slug, name, lang, timezone,
    )
    return value


async def brand_id_by_slug(conn: Conn, slug: str) -> int | None:
    """The id of the brand with that slug, or None."""
    value: int | None = await conn.fetchval("select id from brands where slug = $1", slug)
    return value


async def all_brands(conn: Conn) -> list[asyncpg.Record]:
    """Every brand (slug, name, lang, timezone), by slug."""
    return await conn.fetch("select id, slug, name, lang, timezone from brands order by slug")


async def has_users(conn: Conn) -> bool:
    """True once anyone can log in (the first-run setup page is closed from then on)."""
    return bool(await conn.fetchval("select exists (select 1 from users)"))


async def create_first_owner(conn: Conn, *, email: str, name: str, password_hash: str, ui_lang: str,
                             brand_slug: str, brand_name: str, brand_lang: str, timezone: str) -> int | None:
    """The first user, owner of the first brand; None when someone already exists (race-safe)."""
    async with conn.transaction():
        # Taken until commit: a second submit waits here, then sees the first owner and stops.
        await conn.execute("lock table users in share row exclusive mode")
        if await has_users(conn):
            return None
        brand_id = await create_brand(conn, brand_slug, brand_name, brand_lang, timezone)
        user_id: int = await conn.fetchval(
            "insert into users (email, name, password_hash, ui_lang, timezone) values ($1, $2, $3, $4, $5) returning id",
            email.strip(), name, password_hash, ui_lang, timezone,
        )
        await add_membership(conn, user_id, brand_id, "owner")
        return user_id


async def all_users(conn: Conn) -> list[asyncpg.Record]:
    """Every user with their brands and roles ("slug:role" strings), by e-mail."""
    return await conn.fetch(
        """
        select u.id, u.email, u.name, coalesce(array_agg(b.slug || ':' || m.role order by b.slug)
               filter (where b.id is not null), '{}') as brands
        from users u left join memberships m on m.user_id = u.id left join brands b on b.id = m.brand_id
        group by u.id order by lower(u.email)
        """,
    )


async def create_user(conn: Conn, email: str, name: str, password_hash: str, ui_lang: str = "fr") -> int:
    """Create a user, or return the id of the one with that e-mail (e-mail is case-insensitive)."""
    existing = await conn.fetchval("select id from users where lower(email) = lower($1)", email)
    if existing is not None:
        return int(existing)
    value: int = await conn.fetchval(
        "insert into users (email, name, password_hash, ui_lang) values ($1, $2, $3, $4) returning id",
        email.strip(), name, password_hash, ui_lang,
    )
    return value


ensure_user = create_user


async def insert_user(conn: Conn, email: str, name: str, password_hash: str, ui_lang: str = "fr") -> int:
    """Create a user; asyncpg.UniqueViolationError when the e-mail is taken (case-insensitive)."""
    value: int = await conn.fetchval(
        "insert into users (email, name, password_hash, ui_lang) values ($1, $2, $3, $4) returning id",
        email.strip(), name, password_hash, ui_lang,
    )
    return value


async def add_membership(conn: Conn, user_id: int, brand_id: int, role: str) -> None:
    """Give a user a role on a brand (changing the role when already a member)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}, not {role!r}")
    await conn.execute(
        """
        insert into memberships (user_id, brand_id, role) values ($1, $2, $3)
        on conflict (user_id, brand_id) do update set role = excluded.role
        """,
        user_id, brand_id, role,
    )


async def remove_membership(conn: Conn, user_id: int, brand_id: int) -> bool:
    """Take a user off a brand; their open pages on it lose the live stream. False when not a member."""
    status = await conn.execute("delete from memberships where user_id = $1 and brand_id = $2", user_id, brand_id)
    await notify(conn, SESSIONS_CHANNEL, {"user": user_id})
    return bool(status.endswith(" 1"))


async def user_by_email(conn: Conn, email: str) -> asyncpg.Record | None:
    """The user row for an e-mail, or None."""
    return await conn.fetchrow("select * from users where lower(email) = lower($1)", email.strip())


async def user_email(conn: Conn, user_id: int) -> str | None:
    """The user's e-mail address, None when the user is gone."""
    value: str | None = await conn.fetchval("select email from users where id = $1", user_id)
    return value


async def password_hash(conn: Conn, user_id: int) -> str | None:
    """The user's password hash (a session is tied to it), None when the user is gone."""
    value: str | None = await conn.fetchval("select password_hash from users where id = $1", user_id)
    return value


async def brands_of(conn: Conn, user_id: int) -> list[asyncpg.Record]:
    """The brands a user belongs to, with their role, by name."""
    return await conn.fetch(
        """
        select b.id, b.slug, b.name, m.role from memberships m join brands b on b.id = m.brand_id
        where m.user_id = $1 order by b.name, b.id
        """,
        user_id,
    )


async def member(conn: Conn, user_id: int, brand_id: int) -> Member | None:
    """The user's membership of the brand, or None when they are not a member."""
    row = await conn.fetchrow(
        """
        select u.id, u.name, u.email, u.ui_lang, u.timezone, m.role, m.brand_id, b.name as brand_name
        from memberships m join users u on u.id = m.user_id join brands b on b.id = m.brand_id
        where m.user_id = $1 and m.brand_id = $2
        """,
        user_id, brand_id,
    )
    if row is None:
        return None
    return Member(row["id"], row["brand_id"], row["role"], row["ui_lang"], row["name"], row["email"],
                  row["brand_name"], row["timezone"])


async def members_of(conn: Conn, brand_id: int) -> list[asyncpg.Record]:
    """Everyone who works on a brand (for the assign menu)."""
    return await conn.fetch(
        """
        select u.id, u.name, u.email, m.role from memberships m join users u on u.id = m.user_id
        where m.brand_id = $1 order by u.name, u.id
        """,
        brand_id,
    )


async def set_ui_lang(conn: Conn, user_id: int, lang: str) -> None:
    """Remember the user's interface language."""
    if lang not in ("fr", "en"):
        raise ValueError("language must be fr or en")
    await conn.execute("update users set ui_lang = $2 where id = $1", user_id, lang)


# Throttling: failures in this window count; past the limits, log-in is refused for a while.
THROTTLE_WINDOW_MINUTES = 15
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_IP = 30


async def claim_login_attempt(conn: Conn, email: str, ip: str) -> bool:
    """Count an attempt as failed before its password is checked; False when already blocked.

    Counting and checking happen under per-e-mail and per-address locks, so parallel attempts
    queue here and at most the documented number ever reach the password check. A success
    then clears the e-mail's count (`clear_login_failures`).
    """
    async with conn.transaction():
        # Two-key advisory locks: class 1 for e-mails, 2 for addresses, always in that order (no deadlock).
        await conn.execute("select pg_advisory_xact_lock(1, hashtext(lower($1)))", email)
        await conn.execute("select pg_advisory_xact_lock(2, hashtext($1))", ip)
        row = await conn.fetchrow(
            """
            select
              (select count(*) from login_failures where lower(email) = lower($1)
                 and at > now() - make_interval(mins => $3)) as by_email,
              (select count(*) from login_failures where ip = $2
                 and at > now() - make_interval(mins => $3)) as by_ip
            """,
            email, ip, THROTTLE_WINDOW_MINUTES,
        )
        assert row is not None  # an aggregate always answers one row
        if row["by_email"] >= MAX_FAILURES_PER_EMAIL or row["by_ip"] >= MAX_FAILURES_PER_IP:
            return False
        await conn.execute("insert into login_failures (email, ip) values ($1, $2)", email[:320], ip)
    # Old rows are pruned here so the table stays small.
    await conn.execute("delete from login_failures where at < now() - interval '1 day'")
    return True


async def clear_login_failures(conn: Conn, email: str) -> None:
    """A successful log-in forgets the e-mail's failures."""
    await conn.execute("delete from login_failures where lower(email) = lower($1)", email)


async def set_password(conn: Conn, user_id: int, password_hash: str) -> None:
    """Replace a user's password hash."""
    await conn.execute("update users set password_hash = $2 where id = $1", user_id, password_hash)


async def set_name(conn: Conn, user_id: int, name: str) -> None:
    """Change the name colleagues see (assignee lists, presence, notes)."""
    await conn.execute("update users set name = $2 where id = $1", user_id, name)
    # Open pages re-read the member: presence shows the new name without a reconnection.
    await notify(conn, SESSIONS_CHANNEL, {"user": user_id})


async def urgent_sound(conn: Conn, user_id: int) -> bool:
    """Whether the user asked for a sound when an urgent item arrives live."""
    return bool(await conn.fetchval("select urgent_sound from users where id = $1", user_id))


async def set_urgent_sound(conn: Conn, user_id: int, on: bool) -> None:
    """Turn the urgent-item sound on or off for the user (every brand, every browser)."""
    await conn.execute("update users set urgent_sound = $2 where id = $1", user_id, on)
