"""Connecting fills accounts.access_expires_at (when the connection stops unless the owner acts):
LinkedIn's refresh token ends after a year, so its end is known and warned a week before; Google's
renews itself for ever, so none is set."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connecting import connect, owner_client, running
from web_app import SECRET, seed

from emulators.linkedin import ORG
from emulators.youtube import CHANNEL_ID
from inbox.alerts.connections import raise_connection_alerts
from inbox.credentials import Vault


async def test_connecting_records_when_the_connection_ends(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
        await conn.execute("update accounts set enabled = false")
    async with running("youtube", "linkedin") as platforms:
        owner = await owner_client(pool, db_dsn, platforms)
        for name in ("youtube", "linkedin"):
            assert (await connect(owner, name)).status_code == 303, name
        await owner.aclose()
    rows = {r["platform"]: r for r in await pool.fetch(
        "select id, platform, credentials, access_expires_at from accounts where external_id = any($1::text[])",
        [CHANNEL_ID, ORG])}
    assert rows["youtube"]["access_expires_at"] is None  # Google's refresh token does not end
    linkedin = rows["linkedin"]
    ends = Vault(SECRET).open(linkedin["credentials"])["refresh_expires_at"]
    assert linkedin["access_expires_at"] == datetime.fromtimestamp(ends, tz=UTC)
    assert linkedin["access_expires_at"] > datetime.now(UTC) + timedelta(days=300)
    # A week before that day the owners are warned, once.
    week_before = linkedin["access_expires_at"] - timedelta(days=6)
    assert await raise_connection_alerts(pool, datetime.now(UTC)) == []
    assert len(await raise_connection_alerts(pool, week_before)) == 1
    assert await raise_connection_alerts(pool, week_before + timedelta(days=1)) == []
