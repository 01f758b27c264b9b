"""What an operator watches, read from the database at scrape time: every web process answers for
the whole install, whichever worker did the work."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from inbox.db import Conn

# Lag is measured on what arrived lately: a backfill of last month's comments is no lag.
LAG_WINDOW_MINUTES = 15


@dataclass(slots=True)
class Snapshot:
    """The figures of one scrape."""

    items_by_platform: dict[str, int] = field(default_factory=dict)
    awaiting_analysis: int = 0
    accounts: list[dict[str, Any]] = field(default_factory=list)
    replies_by_state: dict[str, int] = field(default_factory=dict)
    oldest_waiting_reply_seconds: float = 0.0
    lag_by_platform: dict[str, tuple[float, float]] = field(default_factory=dict)  # p50, p95 seconds


async def snapshot(conn: Conn) -> Snapshot:
    """Counts and ages across every brand."""
    snap = Snapshot()
    for row in await conn.fetch("select platform, count(*) as n from items group by platform"):
        snap.items_by_platform[row["platform"]] = row["n"]
    snap.awaiting_analysis = int(await conn.fetchval("select count(*) from items where analyzed_at is null"))
    rows = await conn.fetch(
        """
        select a.id, a.platform, b.slug as brand, a.health, a.enabled, a.consecutive_failures, a.feed_gaps,
               extract(epoch from now() - a.last_success_at)::float8 as since_success,
               greatest(0, extract(epoch from a.next_poll_at - now()))::float8 as next_poll_in
          from accounts a join brands b on b.id = a.brand_id order by a.id
        """
    )
    snap.accounts = [dict(r) for r in rows]
    for row in await conn.fetch("select state, count(*) as n from replies group by state"):
        snap.replies_by_state[row["state"]] = row["n"]
    oldest = await conn.fetchval(
        "select extract(epoch from now() - min(created_at))::float8 from replies where state in ('queued', 'sending')"
    )
    snap.oldest_waiting_reply_seconds = float(oldest or 0.0)
    for row in await conn.fetch(
        """
        select platform,
               percentile_cont(0.5) within group (order by extract(epoch from collected_at - created_at))::float8 as p50,
               percentile_cont(0.95) within group (order by extract(epoch from collected_at - created_at))::float8 as p95
          from items
         where collected_at > now() - make_interval(mins => $1) and created_at > now() - make_interval(mins => $1)
         group by platform
        """,
        LAG_WINDOW_MINUTES,
    ):
        snap.lag_by_platform[row["platform"]] = (max(0.0, row["p50"]), max(0.0, row["p95"]))
    return snap
