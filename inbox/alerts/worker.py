"""The alerts worker: evaluate rules when items arrive, sweep windows, deliver, send summaries.

LISTEN on the items and alerts channels makes alerts prompt; the periodic sweep makes them certain (spike
and dip windows, items analysed late, digests at the end of quiet hours, retries, Mondays).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from inbox import db, netguard
from inbox.alerts.connections import raise_connection_alerts
from inbox.alerts.delivery import deliver_due, next_due
from inbox.alerts.evaluate import evaluate_brands
from inbox.alerts.message import Describe
from inbox.alerts.store import release_digests
from inbox.credentials import Vault
from inbox.notify import ALERTS_CHANNEL, ITEMS_CHANNEL, Subscriber
from inbox.smtp import SmtpConfig
from inbox.summary.schedule import send_due_summaries

__all__ = ["SmtpConfig", "run_alerts_worker"]

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The real clock (tests inject their own)."""
    return datetime.now(UTC)


class _Listener:
    """What the LISTEN connection tells the loop: which brands changed, and when to wake."""

    def __init__(self) -> None:
        self.wake = asyncio.Event()
        self.dirty: set[int] = set()
        self.resync = False  # notifications were lost while reconnecting: sweep everything

    def notified(self, channel: str, payload: str) -> None:
        """An item changed (evaluate its brand) or an alert was raised elsewhere (deliver now)."""
        if channel == ITEMS_CHANNEL:
            try:
                self.dirty.add(int(json.loads(payload)["brand"]))
            except (ValueError, KeyError, TypeError):
                return
        self.wake.set()

    def connected(self, again: bool) -> None:
        """After a reconnection, catch up with a full sweep at once."""
        if again:
            self.resync = True
            self.wake.set()


async def _wait(wake: asyncio.Event, stop: asyncio.Event, sleep: Callable[[float], Awaitable[Any]], seconds: float) -> None:
    tasks = [asyncio.ensure_future(wake.wait()), asyncio.ensure_future(stop.wait()),
             asyncio.ensure_future(sleep(max(0.0, seconds)))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    wake.clear()


async def run_alerts_worker(
    pool: asyncpg.Pool,
    *,
    smtp: SmtpConfig | None = None,
    base_url: str = "http://127.0.0.1:8000",
    stop: asyncio.Event,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    dsn: str | None = None,
    sweep_seconds: float = 30.0,
    summaries: bool = True,
    platform_name: Callable[[str, str], str] | None = None,
    policy: netguard.Policy | None = None,
    describe: Describe | None = None,
    vault: Vault | None = None,
) -> None:
    """Run until `stop` is set; every step's state is in PostgreSQL, so stopping loses nothing.

    `describe` (nlp.reasons.describe, passed by jasette) puts reasons in words in e-mails and webhooks."""
    smtp = smtp or SmtpConfig()
    listener = _Listener()
    subscriber = Subscriber((ITEMS_CHANNEL, ALERTS_CHANNEL), listener.notified, dsn=dsn, pool=pool,
                            on_connect=listener.connected, name="alerts worker", sleep=sleep)
    listening = asyncio.create_task(subscriber.run(stop))
    next_sweep: datetime | None = None
    healthy = True
    async with netguard.client_session(policy or netguard.Policy.from_env()) as session:
        try:
            while not stop.is_set():
                if listener.resync:
                    listener.resync, next_sweep = False, None
                now = clock()
                full = next_sweep is None or now >= next_sweep
                brands, listener.dirty = sorted(listener.dirty), set()
                try:
                    if full or brands:
                        await evaluate_brands(pool, None if full else brands, now)
                    # Every wake-up, not only sweeps: an account turning to "re-authorisation
                    # needed" NOTIFYs (migration 1100) and its owners hear of it within a second.
                    await raise_connection_alerts(pool, now, platform_name=platform_name)
                    if full:
                        async with pool.acquire() as conn:
                            await release_digests(conn, now)
                        if summaries:
                            await send_due_summaries(pool, smtp=smtp, base_url=base_url, now=now,
                                                     platform_name=platform_name, describe=describe)
                        next_sweep = now + timedelta(seconds=sweep_seconds)
                    while len(await deliver_due(pool, smtp=smtp, base_url=base_url, now=clock(), session=session,
                                                describe=describe, platform_name=platform_name, vault=vault)) >= 20:
                        pass
                    due = await next_due(pool)
                    if not healthy:
                        log.info("alerts worker: database reachable again")
                    healthy = True
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, db.DatabaseUnavailable) as exc:
                    if healthy:
                        log.warning("alerts worker: database error (%s); retrying at the next sweep", exc)
                    healthy, due = False, None
                    next_sweep = clock() + timedelta(seconds=sweep_seconds)
                except Exception:  # one bad alert or brand must not stop the worker: log, go on
                    if healthy:
                        log.exception("alerts worker: unexpected error; retrying at the next sweep")
                    healthy, due = False, None
                    next_sweep = clock() + timedelta(seconds=sweep_seconds)
                wait = (next_sweep - clock()).total_seconds() if next_sweep else sweep_seconds
                if due is not None:
                    wait = min(wait, (due - clock()).total_seconds())
                await _wait(listener.wake, stop, sleep, wait)
        finally:
            listening.cancel()
            await asyncio.gather(listening, return_exceptions=True)
