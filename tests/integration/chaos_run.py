"""A chaos run as an operator would try one (issue 17), shared by tests/integration/test_chaos.py
(small scale) and bench/chaos.py (full scale).

Platform emulators on loopback with random faults on a share of their API requests (emulators/
chaos.py), real `jasette worker` processes reaching PostgreSQL through a proxy that a restart
cuts (outage.PgProxy), comments injected over a period (some answering others), edits of earlier
ones, staff replies queued in the outbox, workers killed with SIGKILL while they hold leases and
replaced as a supervisor would, the database cut and restored; then faults stop and the run
waits for the inbox to converge. Every comment carries a token (`ch000123x`, edits add
`v2`) and every reply one (`rp000123x`), so what was lost, duplicated or left stale is read from
the bodies whatever id each platform uses.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import chaos_figures
from aiohttp import web
from chaos_figures import Figures
from outage import PgProxy

from collector.registry import collector_class
from emulators import catalog
from emulators.base import EMULATOR_KEY, Emulator, serve
from emulators.chaos import RandomFaults
from inbox import db, outbox
from inbox.accounts import add_account
from inbox.credentials import Vault

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "chaos-secret-key"
# Where each platform takes edits the collector sees, and replies to its comments.
EDITABLE = ("wordpress", "facebook", "youtube", "linkedin", "instagram", "google")
NO_REPLY_KIND = ("google", "rss")  # reviews and feed entries: no "reply" kind to inject


@dataclass
class Scale:
    """How big a run is and when things happen (fractions of the injection period)."""

    platforms: tuple[str, ...]
    comments: int
    replies: int
    edits: int
    seconds: float  # injection period
    fault_rate: float = 0.2
    kills: int = 1
    outage_seconds: float = 3.0
    poll_interval: int = 5
    nlp_workers: int = 0
    settle_timeout: float = 60.0
    reply_share: float = 0.14  # comments that answer another comment
    slow_seconds: float = 1.5
    modes: tuple[str, ...] = ("rate_limit", "server_error", "slow", "malformed")


@dataclass
class Site:
    platform: str
    emulator: Emulator
    url: str
    runner: web.AppRunner
    faults: RandomFaults
    top: list[tuple[int, str]] = field(default_factory=list)  # (token, emulator id) of top-level comments


class ChaosRun:
    """One run against the database `dsn` (fresh and migrated); `play()` returns its figures."""

    def __init__(self, dsn: str, scale: Scale, seed: int = 17, log_dir: str | None = None) -> None:
        self.dsn, self.scale, self.rng = dsn, scale, random.Random(seed)
        self.log_dir = log_dir
        self.sites: dict[str, Site] = {}
        self.proxy = PgProxy(dsn)
        self.workers: dict[str, subprocess.Popen[bytes]] = {}
        self.worker_seq = 0
        self.pool: asyncpg.Pool | None = None
        self.figures = Figures()
        self.tokens = 0
        self.injected_at: dict[int, float] = {}  # token -> seconds into the run
        self.started = time.monotonic()
        self.edited: set[int] = set()
        self.reply_tokens: dict[int, int] = {}  # reply token -> outbox row id
        self.replied_items: set[int] = set()
        self._logs: list[Any] = []

    # -- set-up and tear-down ----------------------------------------------------------------
    async def __aenter__(self) -> ChaosRun:
        self.pool = await db.create_pool(self.dsn, min_size=1, max_size=4)
        vault = Vault(SECRET)
        brand_id = await self.pool.fetchval("insert into brands (slug, name) values ('chaos', 'Chaos') returning id")
        for platform in self.scale.platforms:
            options: dict[str, Any] = {"quota_limit": 10_000_000} if platform == "youtube" else {}
            app = catalog.create_app(platform, **options)
            emulator = app[EMULATOR_KEY]
            faults = RandomFaults(emulator, self.scale.fault_rate, random.Random(self.rng.random()),
                                  modes=self.scale.modes, slow_seconds=self.scale.slow_seconds).install(app)
            runner, url = await serve(app)
            self.sites[platform] = Site(platform, emulator, url, runner, faults)
            account = catalog.demo_account(platform, app)
            settings = dict(account.get("settings") or {})
            if platform == "youtube":
                settings["quota_limit"] = 10_000_000  # a chaos run is not a quota test
            async with self.pool.acquire() as conn:
                await add_account(conn, vault, brand_id=brand_id, platform=platform, name=account["name"],
                                  external_id=account["external_id"], base_url=account.get("base_url") or url,
                                  credentials=account["credentials"], settings=settings,
                                  poll_interval_seconds=self.scale.poll_interval)
        await self.proxy.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for name in list(self.workers):
            self._stop_worker(name, signal.SIGTERM)
        for process in self.workers.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        await self.proxy.cut()
        for site in self.sites.values():
            await site.runner.cleanup()
        for fh in self._logs:
            fh.close()
        if self.pool is not None:
            await self.pool.close()

    # -- workers -------------------------------------------------------------------------------
    def start_worker(self) -> str:
        """A `jasette worker` process on the proxied database; its worker id."""
        self.worker_seq += 1
        name = f"chaos-w{self.worker_seq}"
        env = dict(os.environ, DATABASE_URL=self.proxy.dsn, JASETTE_SECRET_KEY=SECRET, PYTHONPATH=ROOT,
                   JASETTE_NLP_WORKERS=str(self.scale.nlp_workers), JASETTE_NLP_FULL="0",
                   JASETTE_LOG_LEVEL=os.environ.get("CHAOS_LOG_LEVEL", "WARNING"), JASETTE_ALLOWED_HOSTS="127.0.0.1,::1,localhost")
        out: Any = subprocess.DEVNULL
        if self.log_dir:
            out = open(os.path.join(self.log_dir, f"{name}.log"), "wb")
            self._logs.append(out)
        self.workers[name] = subprocess.Popen([sys.executable, "-m", "jasette.cli", "worker", "--id", name],
                                              cwd=ROOT, env=env, stdout=out, stderr=out)
        return name

    async def supervise(self, stop: asyncio.Event) -> None:
        """Restart a worker that exited on its own, a second later, as systemd's Restart= would."""
        while not stop.is_set():
            for name, process in list(self.workers.items()):
                if process.poll() is not None:
                    del self.workers[name]
                    self.figures.worker_restarts += 1
                    await asyncio.sleep(1)
                    self.start_worker()
            await asyncio.sleep(0.5)

    def _stop_worker(self, name: str, sig: int) -> None:
        process = self.workers[name]
        if process.poll() is None:
            process.send_signal(sig)

    async def kill_holding_leases(self, prefer_replies: bool = False, wait: float = 15.0) -> None:
        """SIGKILL a worker while it holds account (or reply) leases, start a replacement, and
        measure how soon each account it held is polled again by another worker."""
        assert self.pool is not None
        deadline = time.monotonic() + wait
        victim, held, replies = None, [], []
        while time.monotonic() < deadline:
            for name in self.workers:
                held = [r["id"] for r in await self.pool.fetch(
                    "select id from accounts where lease_owner = $1 and lease_until > now()", name)]
                replies = [r["id"] for r in await self.pool.fetch(
                    "select id from replies where lease_owner = $1 and state = 'sending'", name)]
                if (replies if prefer_replies else held):
                    victim = name
                    break
            if victim:
                break
            await asyncio.sleep(0.02)
        victim = victim or next(iter(self.workers))
        children = chaos_figures.children(self.workers[victim].pid)
        process = self.workers.pop(victim)
        process.kill()  # SIGKILL: no release, no goodbye
        killed_at = await self.pool.fetchval("select clock_timestamp()")
        process.wait()
        self.start_worker()  # its replacement, as a supervisor would start one
        self.figures.leases_held_at_kill.append(len(held))
        self.figures.reply_leases_at_kill.append(len(replies))
        asyncio.get_running_loop().create_task(self._orphans_after(children))
        if held:
            retaken, finished = await chaos_figures.repolled(self.pool, held, victim, killed_at)
            self.figures.repoll_seconds.append(round(retaken, 1))
            self.figures.repoll_done_seconds.append(round(finished, 1))

    async def _orphans_after(self, children: list[int]) -> None:
        await asyncio.sleep(3)
        self.figures.orphans += sum(1 for pid in children if chaos_figures.alive(pid))

    # -- the outside world ---------------------------------------------------------------------
    def inject(self) -> None:
        """One comment on a platform taken in turn; some answer an earlier comment."""
        platforms = self.scale.platforms
        site = self.sites[platforms[self.tokens % len(platforms)]]
        self.tokens += 1
        token = self.tokens
        self.injected_at[token] = time.monotonic() - self.started
        kinds = site.emulator.state()["kinds"]
        text = f"ch{token:06d}x {self.rng.choice(TEXTS)}"
        payload: dict[str, Any] = {"kind": kinds[0], "text": text, "author_name": f"Client {token % 97}",
                                   "author_handle": f"client{token % 97}"}
        answer = site.platform not in NO_REPLY_KIND and site.top and self.rng.random() < self.scale.reply_share
        if answer and "reply" in kinds:
            payload.update(kind="reply", parent=self.rng.choice(site.top)[1])
            site.emulator.inject(payload)
        else:
            site.top.append((token, site.emulator.inject(payload)["external_id"]))

    def edit(self) -> None:
        """Change the text of an earlier top-level comment on a platform whose edits are read."""
        editable = [s for s in self.sites.values() if s.platform in EDITABLE and len(s.top) > 3]
        if not editable:
            return
        site = self.rng.choice(editable)
        token, external_id = self.rng.choice(site.top[: len(site.top) - 3])  # not the newest: seen first
        if token in self.edited:
            return
        self.edited.add(token)
        site.emulator.inject({"edit": external_id, "text": f"ch{token:06d}x v2 {self.rng.choice(TEXTS)} (modifié)"})

    async def queue_replies(self, count: int) -> int:
        """Staff answer stored top-level comments, one reply each; how many were queued."""
        assert self.pool is not None
        able = [p for p in self.scale.platforms if collector_class(p).can_reply]
        rows = await self.pool.fetch(
            "select id, brand_id from items where platform = any($1::text[]) and body ~ '^(@\\S+ )*ch[0-9]{6}x'"
            " and kind <> 'reply' and not (id = any($2::bigint[])) order by random() limit $3",
            able, list(self.replied_items), count)
        for row in rows:
            self.replied_items.add(row["id"])
            token = len(self.reply_tokens) + 1
            async with self.pool.acquire() as conn:
                queued = await outbox.enqueue(conn, brand_id=row["brand_id"], item_id=row["id"], user_id=None,
                                              body=f"rp{token:06d}x Merci, on s'en occupe!", idempotency_key=f"chaos-{token}")
            self.reply_tokens[token] = queued["id"]
        return len(rows)

    def faults(self, on: bool) -> None:
        """Switch the random faults on (the scale's rate) or off everywhere."""
        for site in self.sites.values():
            site.faults.rate = self.scale.fault_rate if on else 0.0

    async def outage(self, after: list[asyncio.Task[Any]]) -> None:
        """The database goes away for the scale's outage seconds, then comes back; not before the
        kills in `after` were measured (a re-poll must be timed against a kill alone)."""
        await asyncio.gather(*after)
        await self.proxy.cut()
        await asyncio.sleep(self.scale.outage_seconds)
        await self.proxy.start()

    # -- the run -------------------------------------------------------------------------------
    async def play(self) -> Figures:
        """Run the whole scenario; the figures once converged (or after the settle timeout)."""
        assert self.pool is not None
        started = self.started = time.monotonic()
        scale = self.scale
        self.start_worker()
        self.start_worker()
        stop_supervising = asyncio.Event()
        supervisor = asyncio.create_task(self.supervise(stop_supervising))
        # Something to poll (and answer) from the start: at most 40 a platform, fewer than a feed
        # keeps (100 entries), or the oldest would scroll off before anyone could read them.
        for _ in range(min(scale.replies, scale.comments // 5, 40 * len(self.sites))):
            self.inject()
        await self._until(self._some_poll_done, 120)
        edits_at = sorted(self.rng.uniform(0.2, 0.9) for _ in range(scale.edits))
        kill_at = [0.3 + 0.4 * i / max(1, scale.kills - 1) for i in range(scale.kills)]  # 0.3, then up to 0.7
        jobs: list[asyncio.Task[Any]] = []
        kills: list[asyncio.Task[Any]] = []
        events = sorted([(f, "kill", i) for i, f in enumerate(kill_at)] + [(0.5, "outage", 0)]
                        + [(0.35 + 0.45 * i / 4, "replies", i) for i in range(4)])
        begin = time.monotonic()
        remaining = scale.comments - self.tokens
        step = scale.seconds / max(1, remaining)
        for n in range(remaining):
            due = begin + n * step
            fraction = n / max(1, remaining)
            while events and events[0][0] <= fraction:
                _, what, i = events.pop(0)
                if what == "kill":
                    kills.append(asyncio.create_task(self.kill_holding_leases(prefer_replies=i % 2 == 1)))
                    jobs.append(kills[-1])
                elif what == "outage":
                    jobs.append(asyncio.create_task(self.outage(list(kills))))
                else:
                    share = scale.replies // 4 + (scale.replies % 4 if i == 3 else 0)
                    jobs.append(asyncio.create_task(self.queue_replies(share)))
            while edits_at and edits_at[0] <= fraction:
                edits_at.pop(0)
                self.edit()
            self.inject()
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        await asyncio.gather(*jobs)
        # Replies the batches could not place (too few items stored yet, polls backing off under
        # the faults) are queued as items arrive, faults still on.
        deadline = time.monotonic() + max(10.0, scale.seconds)
        while len(self.reply_tokens) < scale.replies and time.monotonic() < deadline:
            await self.queue_replies(scale.replies - len(self.reply_tokens))
            await asyncio.sleep(0.5)
        self.faults(False)
        faults_off = time.monotonic()
        faults_off_db = await self.pool.fetchval("select clock_timestamp()")
        f = self.figures
        ours = await self._until(lambda: self._converged(x_window=True), scale.settle_timeout)
        if ours:
            f.converged_excluding_x_window_seconds = round(time.monotonic() - faults_off, 1)
        held = await chaos_figures.x_window_waiting(self)
        f.x_window_replies = len(held)
        if held:
            # Replies X holds until its write window reopens wait for it, as they would on X; so
            # does the run (to the window's end and two minutes more): their delivery is measured.
            left = chaos_figures.x_window_left(self)
            f.x_window_reopened_seconds = round(time.monotonic() - faults_off + left, 1)

            async def delivered() -> bool:
                return await chaos_figures.settled_after(self.pool, held, faults_off_db) is not None

            await self._until(delivered, left + 120)
            f.x_window_delivered_seconds = await chaos_figures.settled_after(self.pool, held, faults_off_db)
        if ours and await self._until(self._converged, 30):
            f.converged_seconds = round(time.monotonic() - faults_off, 1)
        stop_supervising.set()
        await supervisor
        last = await self.pool.fetchval(
            "select greatest((select max(collected_at) from items), (select max(edited_at) from items),"
            " (select max(coalesce(sent_at, updated_at)) from replies where state in ('sent', 'failed')))")
        self.figures.last_change_seconds = round(max(0.0, (last - faults_off_db).total_seconds()), 1) if last else None
        await self.measure()
        self.figures.wall_seconds = round(time.monotonic() - started, 1)
        return self.figures

    async def _some_poll_done(self) -> bool:
        assert self.pool is not None
        # Every account polled once: the run starts with the system up (a first poll that came
        # late, behind the workers' start, would let a feed's oldest entries scroll off).
        polled = await self.pool.fetchval("select count(*) from accounts where last_success_at is not null")
        return bool(polled >= len(self.sites))

    async def _until(self, probe: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await probe():
                return True
            await asyncio.sleep(0.5)
        return False

    async def _converged(self, x_window: bool = False) -> bool:
        """Everything stored, edits fresh, every reply settled (`x_window`: apart from those X's
        write window holds, chaos_figures.x_window_waiting)."""
        stored = await chaos_figures.stored_tokens(self.pool)
        if len(stored) < self.tokens or any(" v2 " not in stored.get(t, [""])[0] for t in self.edited):
            return False
        assert self.pool is not None
        waiting = await self.pool.fetchval("select count(*) from replies where state in ('queued', 'sending')")
        return waiting <= (len(await chaos_figures.x_window_waiting(self)) if x_window else 0)

    async def measure(self) -> None:
        """Lost, duplicated, stale; replies sent, doubled, silently lost; faults injected."""
        await chaos_figures.measure(self)


TEXTS = (
    "Le service était vraiment lent aujourd'hui, je suis déçu",
    "Merci pour le pain au levain, il est délicieux",
    "Are you open on Sunday? I'd like to order a cake",
    "Ma commande est arrivée brisée, je veux un remboursement",
    "Super accueil, on revient la semaine prochaine",
    "The croissants were stale this morning",
)
