"""`jasette worker`'s body: the poll loop, the outbox loop and the re-analysis loop, side by
side until `stop` is set. Any number of worker processes may run against one database.

Each loop survives a database outage: an iteration that fails on the database is logged once
("database unavailable"), the loop waits and tries again, and logs when it is back. The pool
replaces dead connections on the next acquire.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg

from collector.clock import SYNC_SECONDS, DatabaseClock, utcnow
from collector.oauth import OAuthApps
from collector.outbox_worker import OutboxWorker
from collector.pipeline import Analyzer
from collector.poller import LEASE_SECONDS as POLL_LEASE_SECONDS
from collector.poller import Poller
from collector.reanalyze import reanalyze_once, rescore_once
from collector.registry import collector_class
from collector.token_keeper import TokenKeeper
from inbox import accounts, netguard, outbox
from inbox.credentials import Vault
from inbox.db import CONNECTION_ERRORS, DB_ERRORS
from inbox.notify import REPLIES_CHANNEL, Subscriber

log = logging.getLogger(__name__)

# Longest idle between two looks at the schedule: new accounts and reconnects are seen this fast.
IDLE_SECONDS = 1.0
# How long the outbox waits for a notification before looking anyway (a lost NOTIFY is harmless).
OUTBOX_IDLE_SECONDS = 1.0
# Items stored unanalysed (webhooks, a failed NLP batch) wait at most this long for analysis;
# the look is one indexed query on items_unanalyzed.
REANALYZE_IDLE_SECONDS = 5.0
DB_RETRY_SECONDS = 2.0
# A loop's first retry after a database error comes this soon, doubling up to DB_RETRY_SECONDS:
# a refused connection costs nothing, and a restarted database is used again within a fraction
# of a second (a busy feed scrolls on meanwhile), while a long outage is not hammered.
DB_FIRST_RETRY_SECONDS = 0.25
# In-flight polls get this long to finish at shutdown; then they are cancelled (their
# transactions roll back, their leases expire: nothing is lost).
SHUTDOWN_GRACE_SECONDS = 10.0

_DB_ERRORS = DB_ERRORS + (asyncio.TimeoutError,)
_CONNECTION_ERRORS = CONNECTION_ERRORS


class _DatabaseWatch:
    """Logs database outages once per outage, not once per failed iteration."""

    def __init__(self) -> None:
        self.down: set[str] = set()
        self.misses: dict[str, int] = {}

    def failed(self, loop: str, exc: BaseException) -> float:
        """Note the failure (logged once per outage); seconds until the loop tries again."""
        misses = self.misses[loop] = self.misses.get(loop, 0) + 1
        if loop not in self.down:
            self.down.add(loop)
            if isinstance(exc, (asyncpg.InterfaceError, asyncpg.InternalClientError)):
                first = "the connection was lost"  # asyncpg's own wording here is about its internals
            else:
                first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            what = "database unavailable" if isinstance(exc, _CONNECTION_ERRORS) else "database refused a query"
            log.error("%s loop: %s (%s); retrying, then every %ss", loop, what, first, DB_RETRY_SECONDS)
        return min(DB_RETRY_SECONDS, DB_FIRST_RETRY_SECONDS * 2 ** min(misses - 1, 16))

    def ok(self, loop: str) -> None:
        self.misses.pop(loop, None)
        if loop in self.down:
            self.down.discard(loop)
            log.warning("%s loop: database reachable again", loop)


async def _nap(sleep: Callable[[float], Awaitable[Any]], seconds: float, *events: asyncio.Event) -> None:
    """Sleep `seconds` with the injected sleep, waking early when any event is set."""
    if any(e.is_set() for e in events):
        return
    waiters = [asyncio.ensure_future(sleep(max(0.0, seconds)))] + [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for w in waiters:
            w.cancel()


async def _poll_loop(poller: Poller, concurrency: int, stop: asyncio.Event, sleep: Any, watch: _DatabaseWatch) -> None:
    running: set[asyncio.Task[Any]] = set()
    wake = asyncio.Event()  # a finished poll frees a slot

    def done(task: asyncio.Task[Any]) -> None:
        running.discard(task)
        wake.set()
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            if isinstance(exc, _DB_ERRORS):
                watch.failed("poll", exc)
            else:
                log.error("poll task crashed: %r", exc, exc_info=exc)

    try:
        while not stop.is_set():
            wake.clear()
            idle = IDLE_SECONDS
            try:
                rows = await poller.lease(concurrency - len(running))
                for row in rows:
                    task = asyncio.create_task(poller.poll(row))
                    running.add(task)
                    task.add_done_callback(done)
                if not rows and len(running) < concurrency:
                    async with poller.pool.acquire() as conn:
                        due = await accounts.next_due_at(conn)
                    if due is not None:
                        idle = min(IDLE_SECONDS, max(0.0, (due - poller.clock()).total_seconds()))
                watch.ok("poll")
            except _DB_ERRORS as exc:
                idle = watch.failed("poll", exc)
            except Exception:
                log.exception("poll loop: unexpected error; retrying")
                idle = DB_RETRY_SECONDS
            if len(running) >= concurrency:
                idle = IDLE_SECONDS * 10  # all slots busy: a finishing poll wakes us
            await _nap(sleep, idle, stop, wake)
    finally:
        if running:
            _, pending = await asyncio.wait(set(running), timeout=SHUTDOWN_GRACE_SECONDS)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)


async def _outbox_loop(sender: OutboxWorker, stop: asyncio.Event, wake: asyncio.Event, sleep: Any, watch: _DatabaseWatch) -> None:
    try:
        while not stop.is_set():
            wake.clear()
            sender.freed.clear()
            idle = OUTBOX_IDLE_SECONDS
            try:
                if sender.crashed:
                    raise sender.crashed.pop()  # a send that died on the database
                if await sender.dispatch():
                    idle = 0.0  # there may be more
                elif len(sender.in_flight) < sender.concurrency:
                    async with sender.pool.acquire() as conn:
                        due = await outbox.next_due_at(conn)
                    if due is not None:
                        idle = min(OUTBOX_IDLE_SECONDS, max(0.0, (due - sender.clock()).total_seconds()))
                watch.ok("outbox")
            except _DB_ERRORS as exc:
                idle = watch.failed("outbox", exc)
            except Exception:
                log.exception("outbox loop: unexpected error; retrying")
                idle = DB_RETRY_SECONDS
            if len(sender.in_flight) >= sender.concurrency:
                idle = OUTBOX_IDLE_SECONDS * 10  # every slot busy: a finishing send wakes us
            await _nap(sleep, idle, stop, wake, sender.freed)
    finally:
        await sender.stop(SHUTDOWN_GRACE_SECONDS)


def _reply_subscriber(pool: asyncpg.Pool, wake: asyncio.Event, sleep: Any) -> Subscriber:
    """A LISTEN on the replies channel so a queued reply leaves at once (the outbox loop also
    polls the table, so a lost connection delays replies by a second, never loses them)."""

    def on_reply(_channel: str, payload: str) -> None:
        if '"queued"' in payload:
            wake.set()

    def on_listen(again: bool) -> None:
        if again:
            wake.set()  # whatever was notified while we were deaf

    return Subscriber((REPLIES_CHANNEL,), on_reply, pool=pool, on_connect=on_listen, name="outbox",
                      retry_delay=DB_RETRY_SECONDS, max_delay=DB_RETRY_SECONDS * 8, sleep=sleep)


async def _analysis_loop(step: Callable[[], Awaitable[int]], name: str, stop: asyncio.Event, sleep: Any,
                         watch: _DatabaseWatch, *, failing: str, working: str, broken_idle: float) -> None:
    """Run `step` while it finds work, idle when it does not; log a broken NLP stage once, and once when it works."""
    broken = False
    while not stop.is_set():
        idle = REANALYZE_IDLE_SECONDS
        try:
            if await step():
                idle = 0.0
            watch.ok(name)
        except _DB_ERRORS as exc:
            watch.failed(name, exc)
            idle = DB_RETRY_SECONDS
        except Exception as exc:
            if not broken:
                log.warning(failing, exc)
            broken = True
            idle = broken_idle
        else:
            if broken:
                log.warning(working)
            broken = False
        await _nap(sleep, idle, stop)


def _reanalyze_loop(pool: asyncpg.Pool, analyzer: Analyzer, stop: asyncio.Event, sleep: Any, clock: Any,
                    watch: _DatabaseWatch) -> Coroutine[Any, Any, None]:
    """The fast path catches up on items stored without an analysis."""
    return _analysis_loop(lambda: reanalyze_once(pool, analyzer, clock=clock), "reanalyze", stop, sleep, watch,
                          failing="re-analysis failed (%s); items stay unanalysed until it works",
                          working="re-analysis works again", broken_idle=REANALYZE_IDLE_SECONDS)


def _rescore_loop(pool: asyncpg.Pool, analyzer: Analyzer, stop: asyncio.Event, sleep: Any, clock: Any,
                  watch: _DatabaseWatch) -> Coroutine[Any, Any, None]:
    """The full NLP path re-scores what the fast layer read, least sure first, while there is any."""
    return _analysis_loop(lambda: rescore_once(pool, analyzer, clock=clock), "rescore", stop, sleep, watch,
                          failing="re-scoring with the full NLP path failed (%s); the fast readings stay meanwhile",
                          working="re-scoring with the full NLP path works again",
                          broken_idle=REANALYZE_IDLE_SECONDS * 12)


async def _clock_loop(clock: DatabaseClock, pool: asyncpg.Pool, stop: asyncio.Event, sleep: Any) -> None:
    while not stop.is_set():
        await _nap(sleep, SYNC_SECONDS, stop)
        try:
            await clock.sync(pool)
        except _DB_ERRORS:
            pass  # the other loops report database outages; the last offset stays good meanwhile


async def run_worker(
    pool: asyncpg.Pool,
    vault: Vault,
    *,
    worker_id: str,
    concurrency: int = 4,
    analyzer: Analyzer | None = None,
    full_analyzer: Analyzer | None = None,
    stop: asyncio.Event,
    clock: Callable[[], datetime] = utcnow,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    rng: random.Random | None = None,
    http_timeout: float = 20,
    lease_seconds: float = POLL_LEASE_SECONDS,
    collector_for: Callable[[str], Any] = collector_class,
    policy: netguard.Policy | None = None,
    oauth: OAuthApps | None = None,
) -> None:
    """Poll accounts, send the outbox and catch up on analysis until `stop` is set."""
    rng = rng or random.Random()
    watch = _DatabaseWatch()
    if clock is utcnow:
        # Leases are compared across machines: every worker reads the database's time.
        clock = DatabaseClock()
        try:
            await clock.sync(pool)
        except _DB_ERRORS as exc:
            log.warning("cannot read the database's time yet (%s); using this machine's until it can", exc)
    timeout = aiohttp.ClientTimeout(total=http_timeout)
    async with netguard.client_session(policy or netguard.Policy.from_env(), timeout=timeout) as session:
        # OAuth tokens are renewed by whichever worker needs them first, once (collector/token_keeper.py).
        tokens = TokenKeeper(pool, vault, session, oauth or OAuthApps())
        poller = Poller(
            pool, vault, session, worker_id=worker_id, analyzer=analyzer, clock=clock, rng=rng,
            lease_seconds=lease_seconds, fetch_timeout=http_timeout * 3, collector_for=collector_for, sleep=sleep,
            tokens=tokens,
        )
        sender = OutboxWorker(
            pool, vault, session, worker_id=worker_id, clock=clock, rng=rng,
            send_timeout=http_timeout * 1.5, collector_for=collector_for, sleep=sleep, tokens=tokens,
        )
        wake = asyncio.Event()
        tasks = [
            asyncio.create_task(_poll_loop(poller, max(1, concurrency), stop, sleep, watch), name="poll"),
            asyncio.create_task(_outbox_loop(sender, stop, wake, sleep, watch), name="outbox"),
            asyncio.create_task(_reply_subscriber(pool, wake, sleep).run(stop), name="listen"),
        ]
        if analyzer is not None:
            tasks.append(asyncio.create_task(_reanalyze_loop(pool, analyzer, stop, sleep, clock, watch), name="reanalyze"))
        if full_analyzer is not None:
            tasks.append(asyncio.create_task(_rescore_loop(pool, full_analyzer, stop, sleep, clock, watch), name="rescore"))
        if isinstance(clock, DatabaseClock):
            tasks.append(asyncio.create_task(_clock_loop(clock, pool, stop, sleep), name="clock"))
        log.info("worker %s started (%d accounts at a time)", worker_id, concurrency)
        try:
            await stop.wait()
        finally:
            stop.set()
            results = await asyncio.gather(*tasks, return_exceptions=True)
            for task, result in zip(tasks, results):
                if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
                    log.error("worker %s: %s loop ended with %r", worker_id, task.get_name(), result)
        log.info("worker %s stopped", worker_id)
