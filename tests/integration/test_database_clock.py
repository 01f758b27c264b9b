"""Workers lease on the database's clock, whatever their machine's clock says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from collector.clock import DatabaseClock


async def test_a_machine_clock_an_hour_ahead_reads_the_database_time(pool):
    skewed = DatabaseClock(local=lambda: datetime.now(UTC) + timedelta(hours=1))
    assert skewed() - datetime.now(UTC) > timedelta(minutes=59)
    await skewed.sync(pool)
    server_now = await pool.fetchval("select now()")
    assert abs(skewed() - server_now) < timedelta(seconds=2)


async def test_two_skewed_workers_agree_on_when_a_lease_ends(pool):
    ahead = DatabaseClock(local=lambda: datetime.now(UTC) + timedelta(minutes=10))
    behind = DatabaseClock(local=lambda: datetime.now(UTC) - timedelta(minutes=10))
    for clock in (ahead, behind):
        await clock.sync(pool)
    assert abs(ahead() - behind()) < timedelta(seconds=2)
