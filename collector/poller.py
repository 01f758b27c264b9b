"""The shared polling core: lease due accounts, fetch pages through each platform's collector,
store them through the pipeline, and keep every account's schedule and health.

No platform is named here (house rule 2): collectors fetch and map; this module owns time,
retries, backoff, health and leases. Health changes are logged once; the UI shows last_error,
which is written in words a shop owner understands.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from collector import backoff, heartbeat, pipeline
from collector.base import (
    Account,
    AuthFailed,
    Collector,
    FetchFailed,
    RateLimited,
    Refused,
)
from collector.clock import utcnow
from collector.hedge import read_hedged
from collector.registry import collector_class, display_name
from collector.token_keeper import TokenKeeper
from inbox import accounts
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.db import CONNECTION_ERRORS, DB_ERRORS
from inbox.types import WorkerAccount

log = logging.getLogger(__name__)

# A dead worker's accounts are polled again once their lease runs out; a heartbeat renews it
# every third of a lease for the whole poll (fetching, the NLP analysis, storing, the cursor), so
# a live worker keeps its accounts however long the platform or the analysis takes (a lapse
# under load let another worker redo the poll later while a busy feed scrolled off). The lease
# is on the database's clock; every write of the poll carries its token (fencing).
LEASE_SECONDS = 10.0
# A page walk (Batch.more) continues within one lease, up to this many pages; then the account
# is due again at once, so one busy account cannot hold a worker slot for ever.
MAX_PAGES_PER_LEASE = 50
# A fetch of an account polled at least this often (a busy feed) that is still unanswered after
# one poll interval gets a twin, the first answer winning: a request hanging until the 20 s time
# limit would let a feed that keeps its newest 100 entries scroll past unread (chaos run: 5 a
# second). A read of such an account that fails outright (an error, a body cut short: not a
# refusal, nor a request to slow down) is made once more at once: two failed polls in a row,
# each followed by a backoff, left the feed unread for 20 s and more. Reads only, and only for
# such accounts: a platform counting requests sees few extra.
HEDGE_UP_TO_INTERVAL = 30.0
HEDGE_MIN_SECONDS = 5.0
# A page fetched and analysed is stored once the database is back when it went away meanwhile (a
# restart): the heartbeat keeps trying to renew the lease, whose token still says it is ours
# unless another worker took the account, so an outage costs its own length, not a redone poll.
STORE_RETRY_SECONDS = 30.0
STORE_RETRY_EVERY = 1.0
# Transient failures in a row before the UI shows the account as failing: one blip is noise.
FAILING_AFTER = 2
RATE_LIMITS_BEFORE_FAILING = 3
# A platform module that cannot load is retried rarely: only an upgrade fixes it.
BROKEN_MODULE_DELAY = 3600.0


def in_words(seconds: float) -> str:
    """A delay as plain words: 'a minute', '5 minutes', '2 hours'."""
    if seconds < 90:
        return "a minute"
    if seconds < 5400:
        return f"{round(seconds / 60)} minutes"
    hours = round(seconds / 3600)
    return "an hour" if hours == 1 else f"{hours} hours"


@dataclass(slots=True)
class PollOutcome:
    """What one lease of one account achieved."""

    account_id: int
    pages: int = 0
    new_items: int = 0
    changed_items: int = 0
    error: str | None = None
    health: str = "ok"
    next_poll_at: datetime | None = None


@dataclass(slots=True)
class _Session:
    """The collector of one leased account, rebuilt when its token is renewed mid-lease."""

    cls: type[Collector]
    name: str
    credentials: dict[str, Any]
    collector: Collector
    renewed: bool = False


class _Failure(Exception):
    """A failed poll, already put in plain words with its health and delay."""

    def __init__(self, message: str, health: str, delay: float) -> None:
        super().__init__(message)
        self.message, self.health, self.delay = message, health, delay


class Poller:
    """Polls leased accounts for one worker; every decision about time lives here."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        vault: Vault,
        session: aiohttp.ClientSession,
        *,
        worker_id: str,
        analyzer: pipeline.Analyzer | None = None,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        lease_seconds: float = LEASE_SECONDS,
        fetch_timeout: float = 60.0,
        max_pages: int = MAX_PAGES_PER_LEASE,
        hedge_seconds: float = HEDGE_MIN_SECONDS,
        collector_for: Callable[[str], Any] = collector_class,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        tokens: TokenKeeper | None = None,
    ) -> None:
        self.pool, self.vault, self.session = pool, vault, session
        # Renews OAuth tokens before they expire and once after a 401 (None: tokens used as stored).
        self.tokens = tokens
        self.worker_id = worker_id
        self.analyzer = analyzer
        self.clock = clock
        self.rng = rng or random.Random()
        self.lease_seconds = lease_seconds
        self.heartbeat_seconds = lease_seconds / 3
        self.sleep = sleep
        # One fetch may make several HTTP requests (each under the session's own timeout); the
        # heartbeat keeps the lease ahead of it, this bounds how long one slot stays taken.
        self.fetch_timeout = fetch_timeout
        self.max_pages = max_pages
        self.hedge_seconds = hedge_seconds
        self.collector_for = collector_for

    async def lease(self, limit: int) -> list[WorkerAccount]:
        """Take up to `limit` due accounts for this worker."""
        async with self.pool.acquire() as conn, conn.transaction():
            return await accounts.lease_due(
                conn, worker_id=self.worker_id, now=self.clock(), lease_seconds=self.lease_seconds, limit=limit
            )

    async def poll_due(self, limit: int = 100) -> list[PollOutcome]:
        """Lease what is due and poll it one account after another (tests, bench, one-shot runs)."""
        return [await self.poll(row) for row in await self.lease(limit)]

    async def poll(self, row: WorkerAccount) -> PollOutcome:
        """Poll one leased account until its pages run out; record health and the next poll."""
        outcome = PollOutcome(account_id=row.id)
        try:
            # One heartbeat for the whole poll: a slow analysis or store never lets the lease lapse
            # while this worker lives; if another worker took the account anyway (this one was
            # stalled past its lease), the token check of every write stops this poll's.
            async with heartbeat.kept(lambda: self._renew(row), every=self.heartbeat_seconds, sleep=self.sleep,
                                      what=f"account {row.id}") as beat:
                held = await self._open(row)
                await self._walk(row, held, outcome, beat)
        except _Failure as failure:
            await self._record_failure(row, outcome, failure)
        except pipeline.LeaseLost as exc:
            # Another worker has the account now; it will record the outcome of its own poll.
            log.warning("account %s: %s; leaving it to the worker that took over", row.id, exc)
            outcome.error = str(exc)
        except asyncio.CancelledError:
            # Shutdown in the middle of a walk: what was stored stays (cursor included), the
            # page in flight rolls back, and the account goes back to the pool at once.
            await asyncio.shield(self._release(row))
            raise
        except CONNECTION_ERRORS as exc:
            # The database went away mid-poll (opening, renewing, recording the outcome): what was
            # stored stays. Hand the account back as soon as the database returns, instead of
            # holding it until the lease runs out: a busy feed scrolls past its entries meanwhile.
            log.warning("account %s: database unavailable during the poll (%s); account handed back once it returns",
                        row.id, _short(exc))
            outcome.error = f"database unavailable: {_short(exc)}"
            await self._release_once_back(row)
        return outcome

    async def _renew(self, row: WorkerAccount) -> bool:
        async with self.pool.acquire() as conn:
            return await accounts.renew_lease(
                conn, row.id, worker_id=self.worker_id, lease_token=row.lease_token, now=self.clock(),
                lease_seconds=self.lease_seconds,
            )

    async def _release(self, row: WorkerAccount) -> None:
        try:
            async with self.pool.acquire() as conn:
                await accounts.release_lease(conn, row.id, worker_id=self.worker_id, lease_token=row.lease_token)
        except DB_ERRORS as exc:
            log.info("account %s: lease not released (%s); it expires by itself", row.id, exc)

    async def _release_once_back(self, row: WorkerAccount) -> None:
        waited = 0.0
        while waited < STORE_RETRY_SECONDS:
            try:
                async with self.pool.acquire() as conn:
                    await accounts.release_lease(conn, row.id, worker_id=self.worker_id, lease_token=row.lease_token)
                return
            except CONNECTION_ERRORS:
                await self.sleep(STORE_RETRY_EVERY)
                waited += STORE_RETRY_EVERY
        log.info("account %s: lease not released; it expires by itself", row.id)

    # -- the walk ------------------------------------------------------------------------------
    async def _open(self, row: WorkerAccount) -> _Session:
        platform = row.platform
        try:
            cls = self.collector_for(platform)
        except Exception as exc:
            log.error("account %s: cannot load the %s collector: %r", row.id, platform, exc)
            raise _Failure(
                f"This version of Jasette cannot read {display_name(platform)} accounts; "
                "an update or a fix is needed", "failing", BROKEN_MODULE_DELAY,
            ) from exc
        name = display_name(platform, cls)
        try:
            credentials = self.vault.open(row.credentials)
        except CredentialsUnreadable as exc:
            raise _Failure(
                f"The saved {name} credentials cannot be read (the secret key changed?): reconnect the account",
                "reauth", 0.0,
            ) from exc
        if self.tokens is not None:
            # A token about to expire is renewed before the poll starts, not after it fails.
            credentials = await self._call(row, name, self.tokens.fresh(row, credentials))
        return _Session(cls, name, credentials, cls(Account.of(row, credentials), self.session))

    async def _platform(self, row: WorkerAccount, held: _Session, call: Callable[[Collector], Awaitable[Any]],
                        failures: int | None = None) -> Any:
        """One call through the account's collector; after a refusal of the token, the token is
        renewed once (when it can be) and the call made once more before anyone is told."""
        try:
            return await self._call(row, held.name, call(held.collector), failures)
        except _Failure as failure:
            if (held.renewed or self.tokens is None or not isinstance(failure.__cause__, AuthFailed)
                    or not self.tokens.renewable(row.platform, held.credentials)):
                raise
            renewed = await self._call(row, held.name, self.tokens.fresh(row, held.credentials, force=True), failures)
            held.renewed = True
            held.credentials = renewed
            held.collector = held.cls(Account.of(row, renewed), self.session)
            log.info("account %s: token renewed after a refusal; trying once more", row.id)
            return await self._call(row, held.name, call(held.collector), failures)

    async def _prove(self, row: WorkerAccount, held: _Session) -> tuple[str, bytes | None]:
        """Before its first poll (and after every change of address or credentials) an account
        proves it may read what it names; pushed deliveries reach it only after that."""
        if not row.verified and await self._platform(row, held, lambda c: c.prove_access()) is False:
            raise _Failure(
                f"These {held.name} credentials do not give access to this account ({row.external_id[:80]}):"
                " reconnect it with its own token", "reauth", 0.0,
            )
        return row.base_url, row.credentials

    async def _walk(self, row: WorkerAccount, held: _Session, outcome: PollOutcome, beat: heartbeat.Beat) -> None:
        name = held.name
        proved_for = await self._prove(row, held)
        cursor: dict[str, Any] = dict(row.cursor or {})
        usage: dict[str, Any] = {}
        more = False
        while True:
            # A failure after stored pages counts as a first one: the walk resumes from the
            # saved cursor soon, instead of backing off as if nothing had worked.
            failures = 1 if outcome.pages else row.consecutive_failures + 1
            batch = await self._fetch(row, held, cursor, failures)
            if beat.lost:  # no analysis for a page this worker may no longer store
                raise pipeline.LeaseLost(f"lease on account {row.id} taken by another worker during a fetch")
            for problem in batch.problems:
                log.info("account %s (%s): %s", row.id, name, problem)
            result = await self._store(row, batch)
            outcome.pages += 1
            outcome.new_items += len(result.new_ids)
            outcome.changed_items += len(result.changed_ids)
            cursor = dict(batch.cursor)
            usage.update(batch.usage or {})
            more = batch.more
            # Stop walking when the platform's allowance runs low: the rest waits for the
            # slowed-down next poll rather than risk a block (platform-apis.md section 1.6).
            if not more or outcome.pages >= self.max_pages or backoff.usage_pressure(usage) > backoff.PAUSE_ABOVE:
                break
            if beat.lost or not await self._renew(row):
                raise pipeline.LeaseLost(f"lease on account {row.id} taken by another worker during a page walk")
        now = self.clock()
        if more and backoff.usage_pressure(usage) <= backoff.PAUSE_ABOVE:
            delay = 0.0  # pages left: due again at once, under a fresh lease
        else:
            delay = backoff.next_poll_delay(row.poll_interval_seconds, usage, self.rng)
        outcome.next_poll_at = now + timedelta(seconds=delay)
        async with self.pool.acquire() as conn:
            previous = await accounts.record_success(
                conn, row.id, worker_id=self.worker_id, lease_token=row.lease_token, now=now, next_poll_at=outcome.next_poll_at, usage=usage,
                proved_for=proved_for,
            )
        if previous is not None and previous != "ok":
            log.warning("account %s (%s): healthy again", row.id, name)

    async def _store(self, row: WorkerAccount, batch: Any) -> Any:
        waited = 0.0
        while True:
            try:
                return await pipeline.store(
                    self.pool, account=row, batch=batch, worker_id=self.worker_id, now=self.clock(),
                    analyzer=self.analyzer,
                )
            except CONNECTION_ERRORS as exc:
                if waited >= STORE_RETRY_SECONDS:
                    raise
                log.info("account %s: page not stored (%s); trying again once the database is back", row.id, exc)
            await self.sleep(STORE_RETRY_EVERY)
            waited += STORE_RETRY_EVERY

    async def _fetch(self, row: WorkerAccount, held: _Session, cursor: dict[str, Any], failures: int) -> Any:
        interval = float(row.poll_interval_seconds)
        if interval > HEDGE_UP_TO_INTERVAL:
            return await self._platform(row, held, lambda c: c.fetch(dict(cursor)), failures)
        after = max(self.hedge_seconds, interval)

        async def read(c: Collector) -> Any:
            return await read_hedged(lambda: c.fetch(dict(cursor)), after=after, interval=interval,
                                     account_id=row.id, sleep=self.sleep)

        return await self._platform(row, held, read, failures)

    async def _call(self, row: WorkerAccount, name: str, call: Awaitable[Any], failures: int | None = None) -> Any:
        """One call to the platform, its errors turned into the account's health and next try."""
        failures = row.consecutive_failures + 1 if failures is None else failures
        interval = float(row.poll_interval_seconds)
        try:
            # The poll's heartbeat (Poller.poll) keeps the lease meanwhile.
            return await asyncio.wait_for(call, timeout=self.fetch_timeout)
        except AuthFailed as exc:
            log.info("account %s: auth failed: %s", row.id, exc)
            raise _Failure(f"{name} refused the token: reconnect the account", "reauth", 0.0) from exc
        except RateLimited as exc:
            delay = backoff.failure_delay(failures, self.rng, retry_after=exc.retry_after, interval=interval)
            health = "failing" if failures >= RATE_LIMITS_BEFORE_FAILING else row.health or "ok"
            raise _Failure(
                f"{name} asked Jasette to slow down; it will try again in {in_words(delay)}", health, delay
            ) from exc
        except (TimeoutError, FetchFailed, aiohttp.ClientError) as exc:
            delay = backoff.failure_delay(failures, self.rng, interval=interval)
            log.info("account %s: fetch failed: %r", row.id, exc)
            what = "did not answer in time" if isinstance(exc, asyncio.TimeoutError) else "could not be reached or answered with an error"
            if isinstance(exc, FetchFailed) and exc.plain:
                what = exc.plain
            health = "failing" if failures >= FAILING_AFTER else row.health or "ok"
            raise _Failure(f"{name} {what}; Jasette will try again in {in_words(delay)}", health, delay) from exc
        except Refused as exc:
            delay = backoff.failure_delay(failures, self.rng, base=300.0, cap=6 * 3600.0)
            raise _Failure(f"{name} refused to share the comments ({_short(exc)})", "failing", delay) from exc
        except DB_ERRORS:
            raise  # the database, not the platform: the worker loop reports it
        except Exception as exc:
            delay = backoff.failure_delay(failures, self.rng, interval=interval)
            log.exception("account %s: unexpected error in the %s collector", row.id, name)
            raise _Failure(
                f"Jasette could not understand what {name} sent; it will try again in {in_words(delay)}",
                "failing" if failures >= FAILING_AFTER else row.health or "ok", delay,
            ) from exc

    async def _record_failure(self, row: WorkerAccount, outcome: PollOutcome, failure: _Failure) -> None:
        now = self.clock()
        outcome.error, outcome.health = failure.message, failure.health
        outcome.next_poll_at = now + timedelta(seconds=failure.delay)
        async with self.pool.acquire() as conn:
            recorded = await accounts.record_failure(
                conn, row.id, worker_id=self.worker_id, lease_token=row.lease_token, now=now, error=failure.message,
                health=failure.health, next_poll_at=outcome.next_poll_at, progressed=outcome.pages > 0,
            )
        if recorded is None:
            log.warning("account %s: lease lost before the failure could be recorded", row.id)
            return
        previous, _ = recorded
        if previous != failure.health:
            log.warning("account %s: health %s -> %s: %s", row.id, previous, failure.health, failure.message)


def _short(exc: BaseException, limit: int = 200) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
