"""Live updates: one LISTEN connection per web process fans NOTIFY events out to websockets.

Per batch of notifications the hub reads the changed rows once per brand, encodes each message
once per interface language, and hands the same string to every client's queue; each client's
sender coalesces what is queued into one frame (a JSON array). A slow client never holds up
the others: when its queue overflows it is disconnected and resumes from its last item.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from starlette.websockets import WebSocket, WebSocketDisconnect

from inbox import queries, sessions
from inbox.alerts import message as alert_message
from inbox.alerts import person as alert_person
from inbox.alerts import store as alert_store
from inbox.notify import (
    ALERTS_CHANNEL,
    ITEMS_CHANNEL,
    PRESENCE_CHANNEL,
    REPLIES_CHANNEL,
    SESSIONS_CHANNEL,
    Subscriber,
)
from nlp import reasons
from web import api_json, i18n
from web.auth import member_of
from web.presence import Keeper
from web.security import same_origin

log = logging.getLogger(__name__)
CHANNELS = (ITEMS_CHANNEL, REPLIES_CHANNEL, ALERTS_CHANNEL, PRESENCE_CHANNEL, SESSIONS_CHANNEL)
CLIENT_QUEUE = 2_000
# Catch-up reads updated_at, stamped at its transaction's start; a transaction that began
# before the browser's last item but committed after it is still caught with this overlap.
RESUME_OVERLAP = timedelta(seconds=60)
CATCH_UP_PAGE = 500
CATCH_UP_PAGES = 40  # up to 20,000 changed items; beyond that the page reloads instead


def _dumps(value: Any) -> bytes:
    # Encoded to UTF-8 once here, then shared by every client: frames go out as binary so the
    # server never re-encodes the same text per client (the page decodes with TextDecoder).
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode("utf-8")


class Client:
    """One websocket: its member, its language and a queue of encoded messages."""

    def __init__(self, ws: WebSocket, brand_id: int, user_id: int, lang: str, tz: str, *, only: str | None = None,
                 session: str = "") -> None:
        self.ws, self.brand_id, self.user_id, self.lang, self.tz = ws, brand_id, user_id, lang, tz
        self.session = session  # the cookie's session token, re-checked when the user's sessions change
        self.revoked = asyncio.Event()
        self.name = ""  # shown to colleagues in presence; refreshed when the user renames themselves
        # Pages other than the inbox only show the alert banner: they take alerts and nothing else.
        self.only = only
        self.id = secrets.token_hex(6)
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(CLIENT_QUEUE)
        self.overflowed = asyncio.Event()
        self.viewing: int | None = None  # the item this browser shows (presence)

    def offer(self, message: bytes) -> None:
        """Queue a message; on overflow mark the client for disconnection (it will resume)."""
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()

    async def sender(self) -> None:
        """Send queued messages, coalescing whatever is waiting into one frame."""
        while True:
            parts = [await self.queue.get()]
            while not self.queue.empty() and len(parts) < 500:
                parts.append(self.queue.get_nowait())
            await self.ws.send_bytes(b"[" + b",".join(parts) + b"]")


class Hub:
    """The process's LISTEN connection and its websocket clients, grouped by brand."""

    def __init__(self, pool: asyncpg.Pool, dsn: str, *, retry_delay: float = 1.0) -> None:
        self.pool = pool
        self.catch_up_page, self.catch_up_pages = CATCH_UP_PAGE, CATCH_UP_PAGES
        self.clients: dict[int, set[Client]] = defaultdict(set)
        self.presence = Keeper(pool, self.clients)
        self.events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue(100_000)
        self.subscriber = Subscriber(CHANNELS, self._on_notify, dsn=dsn, on_connect=self._on_listen,
                                     name="live", retry_delay=retry_delay)
        self._tasks: list[asyncio.Task[None]] = []
        self._checks: set[asyncio.Task[None]] = set()

    @property
    def listening(self) -> asyncio.Event:
        """Set while the LISTEN connection is up."""
        return self.subscriber.listening

    @property
    def retry_delay(self) -> float:
        """The first pause before reconnecting the LISTEN connection (it doubles while down)."""
        return self.subscriber.retry_delay

    @retry_delay.setter
    def retry_delay(self, seconds: float) -> None:
        self.subscriber.retry_delay = seconds

    async def start(self) -> None:
        """Start listening (reconnecting forever) and dispatching."""
        self._tasks = [asyncio.create_task(self.subscriber.run()), asyncio.create_task(self._dispatch()),
                       asyncio.create_task(self.presence.run())]

    async def stop(self) -> None:
        """Stop both tasks."""
        for task in (*self._tasks, *self._checks):
            task.cancel()
        await asyncio.gather(*self._tasks, *self._checks, return_exceptions=True)

    def _on_notify(self, channel: str, payload: str) -> None:
        try:
            data = json.loads(payload)
        except ValueError:
            return
        if channel == SESSIONS_CHANNEL:
            if isinstance(data, dict) and isinstance(data.get("user"), int):
                self._check_later(data["user"])
            return
        if isinstance(data, dict) and isinstance(data.get("brand"), int) and data["brand"] in self.clients:
            try:
                self.events.put_nowait((channel, data))
            except asyncio.QueueFull:
                log.warning("live: event queue full, dropping %s", channel)

    def _on_listen(self, again: bool) -> None:
        if again:
            # Notifications sent while we were away are gone: browsers catch up themselves,
            # and every open socket's session is checked again (a log-out may have been missed).
            self.broadcast_all(_dumps({"t": "resync"}))
            self._check_later(None)

    def _check_later(self, user_id: int | None) -> None:
        task = asyncio.get_running_loop().create_task(self.check_sessions(user_id))
        self._checks.add(task)
        task.add_done_callback(self._checks.discard)

    async def check_sessions(self, user_id: int | None) -> None:
        """Close the sockets of `user_id` (None: everyone) whose session or membership has ended."""
        targets = [c for group in self.clients.values() for c in group if user_id is None or c.user_id == user_id]
        try:
            async with self.pool.acquire() as conn:
                for client in targets:
                    found = await sessions.session_member(conn, client.session, client.user_id, client.brand_id)
                    if found is None:
                        client.revoked.set()
                    else:
                        client.name = found.name or found.email
        except Exception:
            log.exception("live: session check failed")

    def broadcast_all(self, message: bytes) -> None:
        """Queue one message for every client of every brand."""
        for group in self.clients.values():
            for client in group:
                client.offer(message)

    async def _dispatch(self) -> None:
        while True:
            batch = [await self.events.get()]
            while not self.events.empty() and len(batch) < 2_000:
                batch.append(self.events.get_nowait())
            try:
                await self._fan_out(batch)
            except Exception:
                log.exception("live: dispatch failed")

    async def _fan_out(self, batch: list[tuple[str, dict[str, Any]]]) -> None:
        per_brand: dict[int, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
        for channel, data in batch:
            per_brand[data["brand"]][channel].append(data)
        for brand_id, events in per_brand.items():
            group = self.clients.get(brand_id)
            if not group:
                continue
            messages = await self._messages(brand_id, events, {(c.lang, c.tz) for c in group})
            for client in list(group):
                for kind, message in messages.get((client.lang, client.tz), []):
                    # "alert@<user>": an alert addressed to one person shows on their pages only.
                    kind, _, user = kind.partition("@")
                    if user and user != str(client.user_id):
                        continue
                    if client.only is None or client.only == kind:
                        client.offer(message)

    async def _messages(self, brand_id: int, events: dict[str, list[Any]],
                        langs: set[tuple[str, str]]) -> dict[tuple[str, str], list[tuple[str, bytes]]]:
        item_ids = {i for e in events.get(ITEMS_CHANNEL, []) for key in ("new", "changed") for i in e.get(key, []) if isinstance(i, int)}
        reply_ids = {e["reply"] for e in events.get(REPLIES_CHANNEL, []) if isinstance(e.get("reply"), int)}
        alert_ids = {e["alert"] for e in events.get(ALERTS_CHANNEL, []) if isinstance(e.get("alert"), int)}
        async with self.pool.acquire() as conn:
            rows = await queries.items_by_ids(conn, brand_id, sorted(item_ids)) if item_ids else []
            replies = [r for r in [await queries.reply_row(conn, brand_id, i) for i in sorted(reply_ids)] if r]
            # Read back under the brand: a NOTIFY naming another brand's alert shows nothing.
            alerts = await alert_store.banner_rows(conn, brand_id, sorted(alert_ids)) if alert_ids else []
        out: dict[tuple[str, str], list[tuple[str, bytes]]] = {}
        for lang, tz in langs:
            encoded = []
            if rows:
                encoded.append(("items", _dumps({"t": "items", "items": [api_json.item(r, lang, tz) for r in rows]})))
            for r in replies:
                encoded.append(("reply", _dumps({"t": "reply", "reply": api_json.reply(r, lang, tz)})))
            for a in alerts:
                person = alert_person.addressed_to(a["details"])
                encoded.append((f"alert@{person}" if person else "alert", _dumps(_alert_message(a, lang))))
            for e in events.get(PRESENCE_CHANNEL, []):
                encoded.append(("presence", _dumps({"t": "presence", "item": e.get("item"), "user": e.get("user"),
                                                    "name": str(e.get("name", "")), "what": e.get("what"), "conn": e.get("conn"),
                                                    "at": e.get("at")})))
            out[(lang, tz)] = encoded
        return out

    async def serve(self, ws: WebSocket) -> None:
        """The websocket endpoint: check origin and session, catch up, then stream."""
        settings = ws.app.state.settings
        # A page served over HTTPS (JASETTE_HTTPS, or wss: reaching us) has an https: origin; a
        # plain-http page of the same host and port is another origin and must not get in.
        scheme = "https" if settings.https or ws.url.scheme == "wss" else "http"
        if not same_origin(ws.headers.get("origin"), ws.headers.get("host"), scheme=scheme, also=(settings.base_url,)):
            await ws.close(code=4403)
            return
        member = await member_of(ws)
        if member is None:
            await ws.close(code=4401)
            return
        await ws.accept()
        lang = i18n.pick(member.ui_lang)
        only = "alert" if ws.query_params.get("only") == "alert" else None
        client = Client(ws, member.brand_id, member.user_id, lang, member.timezone or i18n.DEFAULT_TZ, only=only,
                        session=str(ws.session.get("sid", "")))
        client.name = member.name or member.email
        # Register before catching up: anything committed from now on arrives live, anything
        # before is in the catch-up; the browser drops duplicates by id.
        self.clients[member.brand_id].add(client)
        sender = asyncio.create_task(client.sender())
        receiver: asyncio.Task[None] | None = None
        overflow = asyncio.create_task(client.overflowed.wait())
        revoked = asyncio.create_task(client.revoked.wait())
        try:
            await self._catch_up(client, ws.query_params.get("since"))
            client.offer(_dumps({"t": "hello", "conn": client.id, "user": member.user_id}))
            if only is None:  # who is already on which item: a newcomer sees them at once
                client.offer(await self.presence.snapshot(member.brand_id))
            receiver = asyncio.create_task(self._receive(ws, client))
            await asyncio.wait({sender, receiver, overflow, revoked}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sender, receiver, overflow, revoked):
                if task is not None:
                    task.cancel()
            group = self.clients.get(member.brand_id)
            if group is not None:
                group.discard(client)
                if not group:
                    del self.clients[member.brand_id]
            try:
                await self.presence.left(client)
                # 4401: the session ended (the page goes to log-in); 4000: come back and resume.
                await ws.close(code=4401 if client.revoked.is_set() else 4000)
            except Exception:  # already closed, or the pool is shutting down: nothing to tell
                pass

    async def _catch_up(self, client: Client, since: str | None) -> None:
        if not since:
            return
        try:
            # A "+" left unencoded in the query string arrives as a space.
            moment = datetime.fromisoformat(since.replace(" ", "+"))
        except ValueError:
            return
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        after = queries.ChangeCursor(moment - RESUME_OVERLAP, 0)
        for _ in range(self.catch_up_pages):
            async with self.pool.acquire() as conn:
                rows = await queries.changed_after(conn, client.brand_id, after, limit=self.catch_up_page)
            if rows:
                client.offer(_dumps({"t": "items", "items": [api_json.item(r, client.lang, client.tz) for r in rows]}))
            if len(rows) < self.catch_up_page:
                return
            after = queries.ChangeCursor.of(rows[-1])
        client.offer(_dumps({"t": "reload"}))  # away so long that a fresh page is quicker than catching up

    async def _receive(self, ws: WebSocket, client: Client) -> None:
        """Presence messages from the browser: {"t": "view"|"typing"|"left", "item": id}."""
        try:
            while True:
                try:
                    data = json.loads(await ws.receive_text())
                except ValueError:
                    continue
                if not isinstance(data, dict):
                    continue
                what, item_id = data.get("t"), data.get("item")
                if what not in ("view", "typing", "left") or not isinstance(item_id, int) or isinstance(item_id, bool):
                    continue
                await self.presence.said(client, what, item_id)
        except WebSocketDisconnect:
            return


def _alert_message(row: Any, lang: str) -> dict[str, Any]:
    """The banner message: the alert's title rebuilt in the reader's language when possible."""
    try:
        title = alert_message.title(row["kind"], row["details"] or {}, lang, row["brand_name"], reasons.describe)
    except (KeyError, TypeError, ValueError):  # details of an older shape: the stored title
        title = row["title"]
    label = alert_message.words(lang).get(row["kind"], row["kind"])
    found = {"t": "alert", "alert": row["id"], "kind": row["kind"], "label": label, "title": title[:500]}
    # A connection's alert leads to its Reconnect button in Settings rather than to /alerts.
    path = alert_message.account_path(row["details"] or {}) if row["kind"] in alert_message.ACCOUNT_KINDS else None
    if path is not None:
        found.update(link=path, link_label=alert_message.words(lang)["reconnect"])
    return found
