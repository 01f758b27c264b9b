"""A throwaway migrated database for benchmarks: on DATABASE_URL when set, else embedded."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import AsyncIterator

import asyncpg

from inbox import db, migrate


@contextlib.asynccontextmanager
async def bench_database() -> AsyncIterator[str]:
    """Yield the DSN of a fresh migrated database, dropped afterwards."""
    server = os.environ.get("DATABASE_URL")
    embedded = None
    if not server:
        import pgserver

        embedded = pgserver.get_server(tempfile.mkdtemp(prefix="jasette-bench-"), cleanup_mode="delete")
        server = embedded.get_uri()
    name = f"jasette_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(server)
    await admin.execute(f'create database "{name}"')
    dsn = db.with_database(server, name)
    conn = await db.connect(dsn)
    await migrate.migrate(conn)
    await conn.close()
    try:
        yield dsn
    finally:
        await admin.execute(f'drop database if exists "{name}" with (force)')
        await admin.close()
        if embedded is not None:
            embedded.cleanup()
