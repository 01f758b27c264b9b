"""A real PostgreSQL for every test that needs one: DATABASE_URL when set, else an embedded
server started once per run. Migrations run once into a template; each test gets a copy."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator

import asyncpg
import pytest

from inbox import db, migrate

# The emulators, receivers and SMTP servers of the tests listen on loopback: the tests allow it the
# way an administrator allows a private host (child processes inherit it). Tests of the guard
# itself build their own narrower policy.
os.environ["JASETTE_ALLOWED_HOSTS"] = "127.0.0.1,::1,localhost"

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")


@pytest.fixture(scope="session")
def server_dsn() -> Iterator[str]:
    """DSN of a PostgreSQL server the tests may create databases on."""
    configured = os.environ.get("DATABASE_URL")
    if configured:
        yield configured
        return
    import pgserver

    # Not under pytest's temporary folder: the server runs as another user, and a second pytest
    # session on the machine re-locks /tmp/pytest-of-<user>, which would pull the data folder
    # from under the running server. 'delete' removes the folder when the run ends.
    folder = tempfile.mkdtemp(prefix="jasette-test-pg-")
    server = pgserver.get_server(folder, cleanup_mode="delete")
    yield server.get_uri()
    server.cleanup()


async def _admin(dsn: str, *statements: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def _migrate(dsn: str) -> None:
    conn = await db.connect(dsn)
    try:
        await migrate.migrate(conn)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def template_db(server_dsn: str) -> Iterator[str]:
    """Name of a database migrated once for the whole run."""
    name = f"jasette_tpl_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(server_dsn, f'create database "{name}"'))
    asyncio.run(_migrate(db.with_database(server_dsn, name)))
    yield name
    asyncio.run(_admin(server_dsn, f'drop database if exists "{name}" with (force)'))


@pytest.fixture
async def db_dsn(server_dsn: str, template_db: str) -> AsyncIterator[str]:
    """DSN of a fresh, migrated database for this test alone."""
    name = f"jasette_t_{uuid.uuid4().hex[:12]}"
    await _admin(server_dsn, f'create database "{name}" template "{template_db}"')
    yield db.with_database(server_dsn, name)
    await _admin(server_dsn, f'drop database if exists "{name}" with (force)')


@pytest.fixture
async def pool(db_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on this test's database, with the project's codecs."""
    p = await db.create_pool(db_dsn, min_size=1, max_size=5)
    yield p
    await p.close()


@pytest.fixture
async def brand(pool: asyncpg.Pool) -> dict:
    """A brand with one account, the minimum most store tests need."""
    brand_id = await pool.fetchval(
        "insert into brands (slug, name) values ('cafe-test', 'Café Test') returning id"
    )
    account_id = await pool.fetchval(
        "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'facebook', 'page-1', 'http://127.0.0.1:9') returning id",
        brand_id,
    )
    return {"brand_id": brand_id, "account_id": account_id}
