"""`jasette run` with its NLP stage on, as a browser meets it: keep-alive connections opened
before the first analysis still load pages after the server has let them idle out, and a
server killed outright leaves none of its processes behind."""

from __future__ import annotations

import asyncio
import http.client
import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import psutil
from polling import SECRET, Site, new_brand, running_site, wordpress_account
from receivers import free_port

from inbox import db as inbox_db
from inbox.credentials import Vault

KEEP_ALIVE = 5.0  # seconds: uvicorn's timeout_keep_alive, which `jasette run` keeps
PAGE_TIMEOUT = 5.0  # seconds: far longer than a page takes; a browser gives up much later
PAGES = ("/setup",  # no user yet: /login redirects to the first-run page
          "/healthz", "/static/favicon.svg")


def start_run(db_dsn: str, port: int, log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_SECRET_KEY=SECRET, JASETTE_NLP_WORKERS="1")
    with log.open("w") as out:
        return subprocess.Popen([sys.executable, "-m", "jasette.cli", "run", "--port", str(port)], env=env,
                                stdout=out, stderr=subprocess.STDOUT)


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def running(process: psutil.Process) -> bool:
    """Alive and not a zombie (a zombie holds no socket and waits only for its reaper)."""
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def wait_until(predicate, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, f"{what}: not within {timeout:.0f} s"
        await asyncio.sleep(0.1)


def load(conn: http.client.HTTPConnection, path: str) -> int:
    """GET `path` over `conn` like a browser: reuse the connection, and when the server is seen to
    have closed it, load again on a fresh one; the status."""
    try:
        conn.request("GET", path)
        response = conn.getresponse()
    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
        conn.close()
        conn.request("GET", path)
        response = conn.getresponse()
    response.read()
    return response.status


def closed_by_server(conn: http.client.HTTPConnection) -> bool:
    """Whether the client has seen the server close this idle connection (without waiting)."""
    if conn.sock is None:
        return True
    readable, _, _ = select.select([conn.sock], [], [], 0)
    return bool(readable) and conn.sock.recv(1, socket.MSG_PEEK) == b""


@asynccontextmanager
async def analysing_server(db_dsn: str, tmp_path: Path, connections: int = 0
                           ) -> AsyncIterator[tuple[subprocess.Popen, list[http.client.HTTPConnection]]]:
    """`jasette run` whose NLP pool has analysed a first batch; `connections` keep-alive connections
    were opened before that analysis and kept busy across it."""
    port = free_port()
    log = tmp_path / "server.log"
    server = start_run(db_dsn, port, log)
    seen: dict[int, psutil.Process] = {}
    conns = [http.client.HTTPConnection("127.0.0.1", port, timeout=PAGE_TIMEOUT) for _ in range(connections)]
    db = await inbox_db.connect(db_dsn)
    try:
        async def serving() -> bool:
            assert server.poll() is None, f"the server stopped:\n{log.read_text()}"
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            try:
                return await asyncio.to_thread(load, probe, "/healthz") == 200
            except OSError:
                return False
            finally:
                probe.close()

        await wait_until(serving, "the server answers", 60)
        for conn in conns:
            assert await asyncio.to_thread(load, conn, "/healthz") == 200
        async with running_site() as site:
            await _connect_account(db, site)

            async def analysed() -> bool:
                seen.update((p.pid, p) for p in descendants(server.pid))
                # Busy connections: none idles out before the analysis starts the pool.
                for conn in conns:
                    assert await asyncio.to_thread(load, conn, "/healthz") == 200
                return bool(await db.fetchval("select count(*) from items where analyzed_at is not null"))

            await wait_until(analysed, "an analysed comment in the inbox", 90)
        seen.update((p.pid, p) for p in descendants(server.pid))
        yield server, conns
    finally:
        await db.close()
        for conn in conns:
            conn.close()
        if server.poll() is None:
            server.kill()
            server.wait()
        for process in seen.values():
            if running(process):
                process.kill()  # what the code under test failed to stop, so the run goes on clean


async def _connect_account(db: asyncpg.Connection, site: Site) -> None:
    site.comments(3, prefix="Le service est super lent, je suis déçu")
    brand_id = await new_brand(db, "cafe-sockets")
    await wordpress_account(db, Vault(SECRET), brand_id, site)


async def test_pages_load_over_reused_connections_after_the_first_analysis(db_dsn, tmp_path):
    async with analysing_server(db_dsn, tmp_path, connections=3) as (server, conns):
        for child in descendants(server.pid):
            assert child.net_connections(kind="tcp") == [], f"{child.cmdline()} holds the server's sockets"
        # The connections idle out: the server closes them, and the browser must see that close
        # (or be answered) rather than send its next request into a socket nobody reads.
        idle_since = time.monotonic()

        async def all_closed() -> bool:
            return all(closed_by_server(c) for c in conns) or time.monotonic() - idle_since > KEEP_ALIVE + 2

        await wait_until(all_closed, "keep-alive idle out", KEEP_ALIVE + 5)
        for conn in conns:
            for path in PAGES:
                try:
                    status = await asyncio.to_thread(load, conn, path)
                except TimeoutError:
                    raise AssertionError(
                        f"GET {path} over a reused connection hung: the server closed it, but another "
                        "process still holds its socket") from None
                assert status == 200, path
        assert server.poll() is None


async def test_a_killed_server_leaves_no_process_behind(db_dsn, tmp_path):
    async with analysing_server(db_dsn, tmp_path) as (server, _):
        children = descendants(server.pid)
        assert children, "the NLP pool should be running after an analysis"
        server.kill()  # SIGKILL: no clean-up code runs in the server
        server.wait()

        async def all_gone() -> bool:
            return not any(running(p) for p in children)

        try:
            await wait_until(all_gone, "every child of the killed server gone", 5)
        except AssertionError:
            left = [" ".join(p.cmdline()) for p in children if running(p)]
            raise AssertionError(f"left running after kill -9: {left}") from None
