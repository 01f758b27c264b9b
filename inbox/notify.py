"""The LISTEN/NOTIFY channels that tell every process what changed, and the one LISTEN
subscriber (with reconnect) that the web hub, the worker and the alerts worker share."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import asyncpg

from inbox import db
from inbox.db import Conn

log = logging.getLogger(__name__)

# Payload {"brand", "new": [ids], "changed": [ids]}: items stored or changed.
ITEMS_CHANNEL = "jasette_items"
# Payload {"brand", "reply", "item", "state"}: an outbox row changed state.
REPLIES_CHANNEL = "jasette_replies"
# Payload {"brand", "alert"}: an alert was raised (the in-app banner).
ALERTS_CHANNEL = "jasette_alerts"
# Payload {"brand", "item", "user", "name", "what": "viewing"|"typing"|"left"}: who is on an item.
PRESENCE_CHANNEL = "jasette_presence"
# Payload {"user"}: a user's sessions or memberships changed; open websockets re-check theirs.
SESSIONS_CHANNEL = "jasette_sessions"
# PostgreSQL caps a NOTIFY payload at 8,000 bytes; stay well under it.
MAX_PAYLOAD = 7_500


def chunk_payloads(brand_id: int, new_ids: list[int], changed_ids: list[int]) -> list[str]:
    """JSON payloads {"brand", "new", "changed"} each under the NOTIFY cap."""
    payloads: list[str] = []
    body: dict[str, Any] = {"brand": brand_id, "new": [], "changed": []}
    size = len(json.dumps(body))
    for kind, ids in (("new", new_ids), ("changed", changed_ids)):
        for item_id in ids:
            cost = len(str(item_id)) + 1
            if size + cost > MAX_PAYLOAD:
                payloads.append(json.dumps(body, separators=(",", ":")))
                body = {"brand": brand_id, "new": [], "changed": []}
                size = len(json.dumps(body))
            body[kind].append(item_id)
            size += cost
    if body["new"] or body["changed"]:
        payloads.append(json.dumps(body, separators=(",", ":")))
    return payloads


async def notify_items(conn: Conn, brand_id: int, new_ids: list[int], changed_ids: list[int]) -> None:
    """Queue the notifications; PostgreSQL delivers them when the transaction commits."""
    for payload in chunk_payloads(brand_id, new_ids, changed_ids):
        await conn.execute("select pg_notify($1, $2)", ITEMS_CHANNEL, payload)


async def notify(conn: Conn, channel: str, payload: dict[str, Any]) -> None:
    """Send one small JSON notification (delivered at commit when inside a transaction)."""
    await conn.execute("select pg_notify($1, $2)", channel, json.dumps(payload, separators=(",", ":")))


class Subscriber:
    """One LISTEN connection on some channels that reconnects, with backoff, whenever it is lost.

    `handler(channel, payload)` gets every notification. `on_connect(again)` runs each time the
    LISTEN is up; `again` is True after a loss, when notifications sent meanwhile are gone and
    the caller must catch up from the tables. A dedicated connection when `dsn` is given, else
    one held from `pool`.
    """

    def __init__(
        self,
        channels: Iterable[str],
        handler: Callable[[str, str], None],
        *,
        dsn: str | None = None,
        pool: asyncpg.Pool | None = None,
        on_connect: Callable[[bool], None] | None = None,
        name: str = "listen",
        retry_delay: float = 1.0,
        max_delay: float = 10.0,
        ping_seconds: float = 15.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        if dsn is None and pool is None:
            raise ValueError("a Subscriber needs a dsn or a pool")
        self.channels, self.handler, self.on_connect = tuple(channels), handler, on_connect
        self.dsn, self.pool, self.name = dsn, pool, name
        self.retry_delay, self.max_delay, self.ping_seconds, self.sleep = retry_delay, max_delay, ping_seconds, sleep
        self.listening = asyncio.Event()
        self._connected_once = False
        self._down = False  # an outage is logged once, and once again when it ends

    def _notified(self, _conn: object, _pid: int, channel: str, payload: object) -> None:
        self.handler(channel, str(payload))

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Listen until `stop` is set or the task is cancelled, reconnecting after any loss."""
        stop = stop or asyncio.Event()
        delay: float | None = None
        while not stop.is_set():
            conn: Conn | None = None
            lost = asyncio.Event()
            broken = False

            def on_lost(_conn: object, lost: asyncio.Event = lost) -> None:
                lost.set()

            try:
                conn = await (db.connect(self.dsn) if self.dsn else self.pool.acquire())  # type: ignore[union-attr]
                conn.add_termination_listener(on_lost)
                for channel in self.channels:
                    await conn.add_listener(channel, self._notified)
                self.listening.set()
                delay = None
                again, self._connected_once = self._connected_once, True
                if self._down:
                    log.info("%s: listening again", self.name)
                    self._down = False
                if self.on_connect is not None:
                    self.on_connect(again)
                await self._watch(conn, lost, stop)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                broken = True
                if not self._down:
                    log.warning("%s: LISTEN connection lost or refused (%s); reconnecting", self.name, _first_line(exc))
                    self._down = True
            finally:
                self.listening.clear()
                if conn is not None:
                    # Shielded: a cancellation arriving mid-cleanup must not leave a pooled
                    # connection checked out (the pool would wait for it forever on close).
                    await asyncio.shield(self._close(conn, on_lost, broken or lost.is_set()))
            if stop.is_set():
                return
            delay = self.retry_delay if delay is None else min(delay * 2, self.max_delay)
            await _first(self.sleep(max(0.0, delay)), stop.wait())

    async def _watch(self, conn: Conn, lost: asyncio.Event, stop: asyncio.Event) -> None:
        """Return when `stop` is set; raise when the connection is lost or stops answering."""
        while True:
            await _first(lost.wait(), stop.wait(), timeout=self.ping_seconds)
            if stop.is_set():
                return
            if lost.is_set() or conn.is_closed():
                raise ConnectionError("the server closed the connection")
            # Notices a dead server the OS has not told us of.
            await conn.fetchval("select 1", timeout=self.ping_seconds)

    async def _close(self, conn: Conn, on_lost: Callable[[object], None], broken: bool) -> None:
        # A pooled connection the server dropped is already back in the pool, its proxy dead:
        # every call on it raises InterfaceError, and there is nothing left to hand back.
        try:
            conn.remove_termination_listener(on_lost)
            if broken and not conn.is_closed():
                conn.terminate()
            if self.dsn:
                if not conn.is_closed():
                    await conn.close(timeout=2)
                return
            if not conn.is_closed():
                for channel in self.channels:
                    await conn.remove_listener(channel, self._notified)
            await self.pool.release(conn)  # type: ignore[union-attr,arg-type]
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            if self.dsn:
                conn.terminate()
            else:
                await self.pool.release(conn)  # type: ignore[union-attr,arg-type]  # a no-op once released


async def _first(*waits: Awaitable[Any], timeout: float | None = None) -> None:
    """Wait until the first of `waits` completes (or `timeout` passes); cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]
