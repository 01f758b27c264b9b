"""Migrations: applied once, safe when processes race, and they build the declared schema."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg

from inbox import db, migrate


async def fresh_database(server_dsn: str) -> str:
    name = f"jasette_m_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect(server_dsn)
    await conn.execute(f'create database "{name}"')
    await conn.close()
    return name


async def drop(server_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(server_dsn)
    await conn.execute(f'drop database if exists "{name}" with (force)')
    await conn.close()


async def test_migrations_are_idempotent(db_dsn):
    conn = await db.connect(db_dsn)
    try:
        assert await migrate.migrate(conn) == []
        versions = [r["version"] for r in await conn.fetch("select version from schema_migrations order by 1")]
        assert versions == [v for v, _ in migrate.available()]
    finally:
        await conn.close()


async def test_concurrent_starters_apply_each_migration_once(server_dsn):
    name = await fresh_database(server_dsn)
    try:
        dsn = db.with_database(server_dsn, name)

        async def start() -> list[str]:
            conn = await db.connect(dsn)
            try:
                return await migrate.migrate(conn)
            finally:
                await conn.close()

        results = await asyncio.gather(*(start() for _ in range(4)))
        applied = [v for r in results for v in r]
        assert sorted(applied) == [v for v, _ in migrate.available()]
    finally:
        await drop(server_dsn, name)


async def test_schema_has_every_table_of_the_product(pool):
    tables = {r["tablename"] for r in await pool.fetch("select tablename from pg_tables where schemaname = 'public'")}
    expected = {
        "brands", "users", "memberships", "accounts", "authors", "items", "item_revisions", "replies",
        "tags", "item_tags", "notes", "saved_replies", "alert_rules", "alerts", "alert_items",
        "alert_deliveries", "weekly_summaries", "audit_log", "schema_migrations", "presence",
    }
    assert expected <= tables


async def test_inbox_hot_path_uses_the_partial_index(pool, brand):
    await pool.execute(
        """
        insert into items (brand_id, platform, external_id, kind, body, created_at, priority, status)
        select $1, 'facebook', 'e' || g, 'comment', 'texte ' || g, now() - g * interval '1 minute',
               (g * 37) % 101, case when g % 3 = 0 then 'done' else 'open' end
        from generate_series(1, 20000) g
        """,
        brand["brand_id"],
    )
    await pool.execute("analyze items")
    plan = await pool.fetchval(
        """explain (format json) select id from items where brand_id = $1 and status <> 'done' and not spam
           order by priority desc, created_at desc, id desc limit 50""",
        brand["brand_id"],
    )
    assert "items_inbox" in str(plan)
