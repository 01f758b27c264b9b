"""The clocks: the machine's (`utcnow`, the default of collectors and workers), and one clock for
every worker: the database's. Leases and due times are compared across machines, so a worker
whose own clock runs ahead must not take an account or a reply another worker still holds."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import asyncpg

from inbox import db

log = logging.getLogger(__name__)

# Machine clocks drift slowly: checking the offset every few minutes is plenty.
SYNC_SECONDS = 300.0


def utcnow() -> datetime:
    """The machine's wall clock, timezone-aware UTC (injected wherever behaviour depends on time)."""
    return datetime.now(UTC)


class DatabaseClock:
    """The machine's clock corrected by its measured offset from the database server's."""

    def __init__(self, local: Callable[[], datetime] = utcnow) -> None:
        self._local = local
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return self._local() + self.offset

    async def sync(self, pool: asyncpg.Pool) -> None:
        """Measure the offset again (half the round trip is the best guess of the read's moment)."""
        started, tick = self._local(), time.monotonic()
        server_now = await db.server_now(pool)
        elapsed = timedelta(seconds=time.monotonic() - tick)
        offset = server_now - (started + elapsed / 2)
        if abs(offset - self.offset) > timedelta(seconds=5):
            log.warning("this machine's clock is %.1f s off the database's; using the database's", offset.total_seconds())
        self.offset = offset
