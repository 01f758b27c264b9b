"""The one place that opens PostgreSQL connections: codecs, timeouts and pool size; the server's clock."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeAlias

import asyncpg

if TYPE_CHECKING:
    from asyncpg.pool import PoolConnectionProxy

# What every query function takes: a connection of the pool, or one opened alone (LISTEN, tests).
Conn: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"

# What a database outage raises through asyncpg (a dropped connection can surface as any of
# these): callers that talk to platforms too must never blame the platform for them.
DB_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresError, asyncpg.InterfaceError, asyncpg.InternalClientError, OSError,
)
# ... of which those of a database that is down or restarting, as opposed to one refusing a
# statement: worth waiting out.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    asyncpg.PostgresConnectionError, asyncpg.InterfaceError, asyncpg.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError, OSError, TimeoutError,
)


class DatabaseUnavailable(RuntimeError):
    """The database named by the DSN cannot be reached or refused us."""


async def _init_connection(conn: Conn) -> None:
    # jsonb in and out as Python objects, everywhere, so no caller encodes by hand.
    for typename in ("jsonb", "json"):
        await conn.set_type_codec(typename, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def connect(dsn: str, **kwargs: Any) -> asyncpg.Connection[asyncpg.Record]:
    """One connection with the project's codecs (for LISTEN and one-off commands)."""
    try:
        conn = await asyncpg.connect(dsn, timeout=10, **kwargs)
    except (OSError, asyncpg.PostgresError, ValueError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database ({_describe(exc)})") from exc
    await _init_connection(conn)
    opened: asyncpg.Connection[asyncpg.Record] = conn
    return opened


async def create_pool(dsn: str, *, min_size: int = 1, max_size: int = 10, **kwargs: Any) -> asyncpg.Pool:
    """A pool with the project's codecs; statements time out rather than hang forever."""
    try:
        pool = await asyncpg.create_pool(
            dsn,
            min_size=min_size,
            max_size=max_size,
            init=_init_connection,
            command_timeout=60,
            timeout=10,
            # Drop idle connections so a database restart heals without a process restart.
            max_inactive_connection_lifetime=300,
            **kwargs,
        )
    except (OSError, asyncpg.PostgresError, ValueError) as exc:
        raise DatabaseUnavailable(f"cannot connect to the database ({_describe(exc)})") from exc
    assert pool is not None
    return pool


async def server_now(conn: Conn | asyncpg.Pool[asyncpg.Record]) -> datetime:
    """The database server's time: the one clock every process and browser can agree on."""
    value: datetime = await conn.fetchval("select now()")
    return value


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def with_database(dsn: str, database: str) -> str:
    """The same server DSN pointing at another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    return urlunsplit(parts._replace(path="/" + database))
