"""Process wiring: database start-up, the web server, the workers, and their shutdown."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import asyncpg

from inbox import db, embedded, migrate, sealed
from inbox.credentials import Vault
from jasette.errors import UserError
from web.settings import Settings

log = logging.getLogger("jasette")
T = TypeVar("T")


def resolve_dsn(settings: Settings) -> str:
    """DATABASE_URL, or the embedded server's DSN (started on demand), announced once."""
    if settings.database_url:
        return settings.database_url
    data_dir = embedded.jasette_home() / "pgdata"
    print(
        f"jasette: using the embedded PostgreSQL in {data_dir} (kept across runs); "
        "set DATABASE_URL to use your own server instead.",
        flush=True,
    )
    return embedded.start(data_dir)


async def open_pool(dsn: str, *, max_size: int = 10, vault: Vault | None = None) -> asyncpg.Pool:
    """Migrate (and seal any secret an earlier version kept in clear), then open the pool every
    part of the process shares."""
    conn = await db.connect(dsn)
    try:
        applied = await migrate.migrate(conn)
        if vault is not None:
            moved = await sealed.seal_clear(conn, vault)
            if moved:
                log.info("sealed the clear alert webhook secrets of %d brand(s)", moved)
    finally:
        await conn.close()
    if applied:
        log.info("applied migrations: %s", ", ".join(applied))
    return await db.create_pool(dsn, max_size=max_size)


async def with_pool(action: Callable[[asyncpg.Pool], Awaitable[T]]) -> T:
    """Run `action` with a migrated pool on the configured database."""
    settings = Settings.from_env()
    pool = await open_pool(resolve_dsn(settings))
    try:
        return await action(pool)
    finally:
        await pool.close()


def check_port_free(host: str, port: int) -> None:
    """Fail early, in one line, when the port is taken."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UserError(f"cannot listen on {host}: unknown address") from exc
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"port {port} on {host} is already in use; choose another with --port") from exc


def server_settings(settings: Settings, args: argparse.Namespace) -> Settings:
    """Settings with --host/--port applied."""
    from dataclasses import replace

    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port
    base_url = settings.base_url
    if not os.environ.get("JASETTE_BASE_URL"):
        base_url = f"http://{host}:{port}"
    return replace(settings, host=host, port=port, base_url=base_url)


WS_PING_SECONDS = 5.0


class _Server:
    """uvicorn's server without its own signal handling: `stop_on_signals` owns SIGINT/SIGTERM for
    every part of the process, and uvicorn would otherwise re-raise the signal after its shutdown."""

    @staticmethod
    def build(config: Any) -> Any:
        import uvicorn

        class Server(uvicorn.Server):
            @contextlib.contextmanager
            def capture_signals(self) -> Iterator[None]:
                yield

        return Server(config)


async def serve_web(settings: Settings, pool: asyncpg.Pool, vault: Vault, dsn: str, stop: asyncio.Event) -> None:
    """The Starlette app under uvicorn until `stop` is set."""
    import uvicorn

    from web.app import create_app
    from web.webhooks import meta_routes

    extra = meta_routes(
        pool, app_secret=settings.meta_app_secrets(), verify_token=settings.meta_verify_token, vault=vault
    )
    app = create_app(settings, pool, vault, dsn=dsn, extra_routes=extra)
    # Websocket pings every 5 s, 5 s to answer: a browser whose network dropped without closing
    # its socket is noticed within 10 s (uvicorn's default is 20 + 20), and its presence ends.
    # Browsers answer pings in their network stack, so a background tab is never dropped.
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="warning", ws_per_message_deflate=False,
        proxy_headers=True, lifespan="on", ws_ping_interval=WS_PING_SECONDS, ws_ping_timeout=WS_PING_SECONDS,
    )
    server = _Server.build(config)
    task = asyncio.create_task(server.serve())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await task
    stopper.cancel()


async def serve_workers(settings: Settings, pool: asyncpg.Pool, vault: Vault, dsn: str, stop: asyncio.Event,
                        *, worker_id: str | None = None) -> None:
    """Collectors, reply outbox, re-analysis, alerts and summaries until `stop` is set."""
    from collector.worker import run_worker
    from inbox.alerts.worker import run_alerts_worker
    from nlp.encoder import EncoderMissing
    from nlp.pool import Analyzer
    from nlp.reasons import describe
    from web.i18n import platform_name

    name = worker_id or f"{socket.gethostname()}-{os.getpid()}"
    full: Analyzer | None = None
    if settings.nlp_full:
        try:
            # One process: re-scoring is background work and must leave the cores to ingest.
            full = Analyzer(workers=1, model="full")
        except EncoderMissing as exc:
            log.warning("items keep the fast NLP reading: %s", exc)
    async with Analyzer(workers=settings.nlp_workers) as analyzer:
        try:
            await asyncio.gather(
                run_worker(pool, vault, worker_id=name, concurrency=settings.worker_concurrency,
                           analyzer=analyzer, full_analyzer=full, stop=stop, policy=settings.policy,
                           oauth=settings.oauth),
                run_alerts_worker(pool, smtp=settings.smtp, base_url=settings.base_url, stop=stop, dsn=dsn,
                                  platform_name=platform_name, policy=settings.policy, describe=describe,
                                  vault=vault),
            )
        finally:
            if full is not None:
                await full.close()


def stop_on_signals(stop: asyncio.Event) -> None:
    """SIGINT/SIGTERM end the process gracefully: leases are released, nothing is lost."""
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):
            pass


async def _main(settings: Settings, parts: list[str], args: argparse.Namespace,
                prepare: Callable[[asyncpg.Pool, str, asyncio.Event], Awaitable[list[Awaitable[Any]]]] | None = None) -> int:
    vault = settings.vault()
    if "web" in parts:
        check_port_free(settings.host, settings.port)
    dsn = await asyncio.to_thread(resolve_dsn, settings)
    pool = await open_pool(dsn, max_size=20, vault=vault)
    stop = asyncio.Event()
    stop_on_signals(stop)
    try:
        jobs: list[Awaitable[Any]] = []
        if prepare is not None:
            jobs.extend(await prepare(pool, dsn, stop))
        if "worker" in parts:
            jobs.append(serve_workers(settings, pool, vault, dsn, stop, worker_id=getattr(args, "worker_id", None)))
        if "web" in parts:
            jobs.append(serve_web(settings, pool, vault, dsn, stop))
            print(f"jasette: inbox at {settings.base_url}/", flush=True)
        tasks = [asyncio.ensure_future(j) for j in jobs]
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        await pool.close()
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """`jasette migrate`."""
    settings = Settings.from_env()

    async def go() -> list[str]:
        conn = await db.connect(resolve_dsn(settings))
        try:
            applied = await migrate.migrate(conn)
            if settings.secret_key:
                await sealed.seal_clear(conn, settings.vault())
            return applied
        finally:
            await conn.close()

    applied = asyncio.run(go())
    print("applied: " + ", ".join(applied) if applied else "database is up to date")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """`jasette run`: web and workers in one process."""
    settings = server_settings(Settings.from_env(), args)
    return asyncio.run(_main(settings, ["web", "worker"], args))


def cmd_web(args: argparse.Namespace) -> int:
    """`jasette web`."""
    settings = server_settings(Settings.from_env(), args)
    return asyncio.run(_main(settings, ["web"], args))


def cmd_worker(args: argparse.Namespace) -> int:
    """`jasette worker`."""
    return asyncio.run(_main(Settings.from_env(), ["worker"], args))


def cmd_demo(args: argparse.Namespace) -> int:
    """`jasette demo`: embedded database, emulators, demo brand, live traffic, the inbox."""
    from jasette import demo

    settings = demo.demo_settings(server_settings(Settings.from_env(), args))
    return asyncio.run(_main(settings, ["web", "worker"], args, prepare=lambda pool, dsn, stop: demo.prepare(pool, settings, args, stop)))
