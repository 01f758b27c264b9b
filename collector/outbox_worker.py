"""Sends what staff queued in the outbox (replies, hides, unhides) through each platform's
collector, under a lease, with bounded retries, and never the same reply twice.

A row claimed while still 'sending' (its worker died after the request left), or one retried
after a timeout, may already be on the platform: the collector's `find_reply` is asked first,
and a platform that cannot answer that question gets no blind resend.

Rows are sent side by side, up to `concurrency` at a time, each under its own time limit:
`dispatch` claims only as many rows as there are free slots, so a send stuck on one slow
platform holds one slot, never the replies behind it. A short lease, renewed by a heartbeat
while the send runs, lets another worker take over a dead worker's rows within seconds.
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

from collector import backoff, heartbeat
from collector.base import (
    Account,
    AuthFailed,
    Collector,
    CollectorError,
    FetchFailed,
    RateLimited,
    Refused,
    SentReply,
)
from collector.clock import utcnow
from collector.registry import collector_class, display_name
from collector.token_keeper import TokenKeeper
from inbox import accounts, outbox, reply_reasons
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.db import DB_ERRORS
from inbox.types import LeasedReply, WorkerAccount

log = logging.getLogger(__name__)

# A dead worker's rows are taken over once their lease runs out; the heartbeat renews it every
# quarter lease while a send runs, so a live worker keeps its rows through any slow send.
LEASE_SECONDS = 12.0
# Sends in flight per worker: one stuck send holds one slot, the others keep going.
CONCURRENCY = 10
# Retries of a transient failure start sooner than polls do: someone is waiting for the reply.
RETRY_BASE_SECONDS = 5.0
RETRY_CAP_SECONDS = 900.0
# A send that timed out or broke off may have reached the platform, which can take a while to
# list it: look for it only after this long, so the check does not miss it and send it twice.
IN_DOUBT_SECONDS = 60.0
# A rate limit uses up no attempts, so its backoff never grows past the first step: when the
# platform does not say how long to wait, wait this long rather than knock every 5 s for a day.
RATE_LIMITED_SECONDS = 60.0


class _Outcome(Exception):
    """How a send ended when it did not succeed: 'failed' for good, or 'retry' later, with the
    reason's code (inbox.reply_reasons) and the platform's own words when it gave some."""

    def __init__(self, kind: str, code: str, platform: str = "", detail: str | None = None,
                 retry_after: float | None = None, in_doubt: bool = False) -> None:
        self.message = reply_reasons.sentence(code, platform, detail)
        super().__init__(self.message)
        self.kind, self.code, self.detail, self.retry_after, self.in_doubt = kind, code, detail, retry_after, in_doubt


class _Found(Exception):
    """An earlier attempt's reply is already on the platform: record it as sent, send nothing."""

    def __init__(self, external_id: str | None) -> None:
        super().__init__(external_id)
        self.external_id = external_id


@dataclass(slots=True)
class _Held:
    """The collector a send goes through, rebuilt when its token is renewed."""

    cls: type[Collector]
    name: str
    account: WorkerAccount
    credentials: dict[str, Any]
    collector: Collector


class _LeaseLost(Exception):
    """Another worker claimed the row while this one was looking: it, not us, carries it out."""


class OutboxWorker:
    """Claims due outbox rows for one worker and carries them out on the platforms."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        vault: Vault,
        session: aiohttp.ClientSession,
        *,
        worker_id: str,
        clock: Callable[[], datetime] = utcnow,
        rng: random.Random | None = None,
        lease_seconds: float = LEASE_SECONDS,
        send_timeout: float = 30.0,
        concurrency: int = CONCURRENCY,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        collector_for: Callable[[str], Any] = collector_class,
        tokens: TokenKeeper | None = None,
    ) -> None:
        self.pool, self.vault, self.session = pool, vault, session
        # Renews OAuth tokens before a send and once after a 401 (None: tokens used as stored).
        self.tokens = tokens
        self.worker_id = worker_id
        self.clock = clock
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.lease_seconds = lease_seconds
        # The heartbeat keeps the lease ahead of a send however long it runs; the time limit
        # only bounds how long one slot stays taken.
        self.send_timeout = send_timeout
        self.heartbeat_seconds = lease_seconds / 4
        self.concurrency = max(1, concurrency)
        self.collector_for = collector_for
        self.in_flight: set[asyncio.Task[None]] = set()
        self.freed = asyncio.Event()  # a send ended: a slot is free
        self.crashed: list[BaseException] = []  # database errors of finished sends, for the loop to report

    async def run_once(self, limit: int = 10) -> int:
        """Claim up to `limit` due rows and wait until each is carried out; return how many."""
        rows = await self._claim(limit)
        results = await asyncio.gather(*(self.carry(row) for row in rows), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result  # a database error: the worker loop reports it; leases expire
        return len(rows)

    async def dispatch(self) -> int:
        """Claim as many due rows as there are free slots and start sending each; return how many."""
        free = self.concurrency - len(self.in_flight)
        if free <= 0:
            return 0
        rows = await self._claim(free)
        for row in rows:
            task = asyncio.create_task(self.carry(row), name=f"reply-{row.id}")
            self.in_flight.add(task)
            task.add_done_callback(self._done)
        return len(rows)

    def _done(self, task: asyncio.Task[None]) -> None:
        self.in_flight.discard(task)
        self.freed.set()
        if not task.cancelled() and task.exception() is not None:
            self.crashed.append(task.exception())  # type: ignore[arg-type]

    async def stop(self, grace: float) -> None:
        """Give the sends in flight `grace` seconds, then cancel the rest (their leases expire)."""
        if not self.in_flight:
            return
        _, pending = await asyncio.wait(set(self.in_flight), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def _claim(self, limit: int) -> list[LeasedReply]:
        async with self.pool.acquire() as conn:
            return await outbox.claim_due(
                conn, worker_id=self.worker_id, now=self.clock(), lease_seconds=self.lease_seconds, limit=limit
            )

    async def carry(self, row: LeasedReply) -> None:
        """Carry out one claimed row with its lease renewed by a heartbeat until it is recorded."""
        async with heartbeat.kept(lambda: self._renew(row.id), every=self.heartbeat_seconds, sleep=self.sleep,
                                  what=f"reply {row.id}"):
            await self.handle(row)

    async def _renew(self, reply_id: int) -> bool:
        async with self.pool.acquire() as conn:
            return await outbox.renew(
                conn, reply_id, worker_id=self.worker_id, now=self.clock(), lease_seconds=self.lease_seconds
            )

    async def handle(self, row: LeasedReply) -> None:
        """Carry out one claimed row and record the outcome."""
        found = False
        try:
            external_id = await self._perform(row)
        except _Outcome as outcome:
            await self._record(row, outcome)
            return
        except _LeaseLost:
            log.warning("reply %s: lease lost before sending; left to the worker that took it", row.id)
            return
        except _Found as earlier:
            external_id, found = earlier.external_id, True
        async with self.pool.acquire() as conn:
            done = await outbox.mark_sent(
                conn, row.id, worker_id=self.worker_id, now=self.clock(), external_id=external_id, found=found
            )
        if done is None:
            log.warning("reply %s: done on the platform, but the lease was lost before recording it", row.id)

    async def _perform(self, row: LeasedReply) -> str | None:
        held = await self._collector(row)
        collector, name = held.collector, held.name
        if row.action == "reply" and not collector.can_reply:
            raise _Outcome("failed", "no_replies", name)
        if row.action != "reply" and not collector.can_hide:
            raise _Outcome("failed", "no_moderation", name)
        try:
            try:
                return await self._act(row, held.collector)
            except AuthFailed:
                # A refused token is renewed once (when it can be) and the action tried once more:
                # a 401 means the platform did not take the reply, so trying again cannot double it.
                if not await self._renew_token(held):
                    raise
                return await self._act(row, held.collector)
        except (_Outcome, _LeaseLost, _Found):
            raise
        except Refused as exc:
            raise _Outcome("failed", "refused", name, _short(exc)) from exc
        except AuthFailed as exc:
            message = reply_reasons.sentence("reauth", name)
            assert row.account_id is not None  # _collector fails rows whose account was removed
            async with self.pool.acquire() as conn:
                await accounts.flag_reauth(conn, row.account_id, error=message, now=self.clock())
            raise _Outcome("failed", "reauth", name) from exc
        except RateLimited as exc:
            raise _Outcome("retry", "rate_limited", name, retry_after=exc.retry_after) from exc
        except (TimeoutError, FetchFailed, aiohttp.ClientError) as exc:
            log.info("reply %s: transient failure: %r", row.id, exc)
            raise _Outcome("retry", "unreachable", name) from exc
        except DB_ERRORS:
            raise  # the database, not the platform: the worker loop reports it; the lease expires
        except Exception as exc:
            log.exception("reply %s: unexpected error in the %s collector", row.id, name)
            raise _Outcome("retry", "unexpected", name) from exc

    async def _act(self, row: LeasedReply, collector: Collector) -> str | None:
        if row.action == "reply":
            return await self._reply(row, collector)
        # Hiding is idempotent on every platform: doing it twice shows the customer nothing.
        await asyncio.wait_for(collector.hide(row.item_external_id, row.action == "hide"), self.send_timeout)
        return None

    async def _renew_token(self, held: _Held) -> bool:
        """Renew the token after a refusal; False when it cannot be renewed (the owner must reconnect)."""
        if self.tokens is None or not self.tokens.renewable(held.account.platform, held.credentials):
            return False
        renewed = await asyncio.wait_for(self.tokens.fresh(held.account, held.credentials, force=True), self.send_timeout)
        if renewed is held.credentials:
            return False
        held.credentials = renewed
        held.collector = held.cls(Account.of(held.account, renewed), self.session)
        return True

    async def _reply(self, row: LeasedReply, collector: Collector) -> str | None:
        parent, key, text = row.item_external_id, row.idempotency_key, row.body
        if row.delivered_at is not None:
            # An earlier attempt got it accepted and died or stalled before the end: finish only.
            log.info("reply %s: already accepted by the platform as %s; not sending again", row.id, row.external_id)
            await self._file(row, collector, SentReply(external_id=row.external_id or ""))
            return row.external_id
        # Any earlier attempt (a crash, a timeout, a failure staff retried) may have posted it.
        in_doubt = row.was == "sending" or row.attempts > 1 or row.error is not None
        if in_doubt:
            if type(collector).find_reply is Collector.find_reply:
                # No way to check: a duplicate reply is public, a missing one can be retried by staff.
                raise _Outcome("failed", "unconfirmed")
            try:
                found: SentReply | None = await asyncio.wait_for(collector.find_reply(parent, key, text), self.send_timeout)
            except RateLimited as exc:
                # The platform's limit stopped the look (a daily quota counts reads too): still in
                # doubt, never sent blind, and waiting out a limit like a send does (no attempt used).
                raise _Outcome("retry", "rate_limited", display_name(collector.account.platform, type(collector)),
                               retry_after=exc.retry_after, in_doubt=True) from exc
            except (TimeoutError, FetchFailed, aiohttp.ClientError) as exc:
                # Could not look: still in doubt, and still never sent blind.
                raise _Outcome("retry", "not_confirmed", in_doubt=True) from exc
            if found is not None:
                log.info("reply %s: already on the platform as %s; not sending again", row.id, found.external_id)
                raise _Found(found.external_id)
        async with self.pool.acquire() as conn:
            if not await outbox.renew(
                conn, row.id, worker_id=self.worker_id, now=self.clock(), lease_seconds=self.lease_seconds
            ):
                raise _LeaseLost()
        try:
            sent: SentReply = await asyncio.wait_for(collector.reply(parent, text, key), self.send_timeout)
        except (TimeoutError, FetchFailed, aiohttp.ClientError) as exc:
            log.info("reply %s: outcome unknown after %r; checking on the platform later", row.id, exc)
            raise _Outcome("retry", "not_confirmed", retry_after=IN_DOUBT_SECONDS, in_doubt=True) from exc
        # Accepted: say so durably before any second step, so nothing after this sends it twice.
        try:
            async with self.pool.acquire() as conn:
                if not await outbox.mark_delivered(
                    conn, row.id, worker_id=self.worker_id, now=self.clock(), external_id=sent.external_id
                ):
                    log.warning("reply %s: accepted by the platform, but the lease was lost before recording it", row.id)
        finally:
            # Even when the database is away: a filed e-mail is what the in-doubt check finds.
            await self._file(row, collector, sent)
        return sent.external_id

    async def _file(self, row: LeasedReply, collector: Collector, sent: SentReply) -> None:
        """The second step of a two-step send; its failure never fails a reply that has left."""
        try:
            await asyncio.wait_for(collector.file_reply(row.item_external_id, row.body, row.idempotency_key, sent),
                                   self.send_timeout)
        except (TimeoutError, CollectorError, aiohttp.ClientError, OSError) as exc:
            log.warning("reply %s: sent as %s but not filed: %r", row.id, sent.external_id, exc)

    async def _collector(self, row: LeasedReply) -> _Held:
        if row.account_id is None:
            raise _Outcome("failed", "account_removed")
        async with self.pool.acquire() as conn:
            acct = await accounts.load_for_worker(conn, row.account_id)
        if acct is None:
            raise _Outcome("failed", "account_removed")
        try:
            cls = self.collector_for(acct.platform)
        except Exception as exc:
            raise _Outcome("failed", "unknown_platform", display_name(acct.platform)) from exc
        name = display_name(acct.platform, cls)
        if acct.health == "reauth":
            raise _Outcome("failed", "reauth", name)
        try:
            credentials = self.vault.open(acct.credentials)
        except CredentialsUnreadable as exc:
            raise _Outcome("failed", "credentials_unreadable", name) from exc
        if self.tokens is not None:
            try:
                credentials = await asyncio.wait_for(self.tokens.fresh(acct, credentials), self.send_timeout)
            except AuthFailed as exc:
                async with self.pool.acquire() as conn:
                    await accounts.flag_reauth(conn, acct.id, error=reply_reasons.sentence("renew_refused", name), now=self.clock())
                raise _Outcome("failed", "renew_refused", name) from exc
            except RateLimited as exc:
                raise _Outcome("retry", "rate_limited", name, retry_after=exc.retry_after) from exc
            except (TimeoutError, FetchFailed, aiohttp.ClientError) as exc:
                raise _Outcome("retry", "renew_unreachable", name) from exc
        return _Held(cls, name, acct, credentials, cls(Account.of(acct, credentials), self.session))

    async def _record(self, row: LeasedReply, outcome: _Outcome) -> None:
        async with self.pool.acquire() as conn:
            if outcome.kind == "failed":
                done = await outbox.mark_failed(conn, row.id, worker_id=self.worker_id, error=outcome.message,
                                                code=outcome.code, detail=outcome.detail)
            else:
                # A rate limit says "later", not "no": it uses up no attempts (see outbox).
                counted = outcome.code != "rate_limited"
                retry_after = outcome.retry_after if counted else outcome.retry_after or RATE_LIMITED_SECONDS
                delay = backoff.failure_delay(
                    row.attempts, self.rng, retry_after=retry_after,
                    base=RETRY_BASE_SECONDS, cap=RETRY_CAP_SECONDS,
                )
                now = self.clock()
                done = await outbox.mark_retry(
                    conn, row.id, worker_id=self.worker_id, error=outcome.message,
                    next_attempt_at=now + timedelta(seconds=delay),
                    code=outcome.code, detail=outcome.detail, in_doubt=outcome.in_doubt,
                    counted=counted, now=now,
                )
        if done is not None and done["state"] == "failed":
            log.warning("reply %s failed: %s", row.id, done["error"])


def _short(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"
