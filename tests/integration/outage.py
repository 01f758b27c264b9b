"""A TCP proxy in front of PostgreSQL that a test can cut and restore: to the app behind it, the
database goes away (open connections reset, new ones refused) and comes back, as in a restart."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from typing import Any
from urllib.parse import parse_qs, urlsplit


class PgProxy:
    """Forwards 127.0.0.1:<port> to the server of `dsn` (TCP or the embedded server's socket)."""

    def __init__(self, dsn: str) -> None:
        parts = urlsplit(dsn)
        socket_dir = parse_qs(parts.query).get("host", [""])[0]
        self.user = parts.username or "postgres"
        self.database = parts.path.lstrip("/")
        self.unix_path = os.path.join(socket_dir, f".s.PGSQL.{parts.port or 5432}") if socket_dir else None
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def dsn(self) -> str:
        """The DSN that reaches the database through the proxy."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    async def start(self) -> None:
        """Accept connections (again, on the same port after `cut`)."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The database goes away: refuse new connections and reset the open ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.unix_path:
                up_reader, up_writer = await asyncio.open_unix_connection(self.unix_path)
            else:
                up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self._writers.update((writer, up_writer))
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()
        self._writers.discard(writer)


class ProxyThread:
    """A PgProxy on a loop of its own, for a server that runs in another thread (LiveServer)."""

    def __init__(self, dsn: str) -> None:
        self.proxy = PgProxy(dsn)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def _call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    def __enter__(self) -> ProxyThread:
        self._thread.start()
        self._call(self.proxy.start())
        return self

    def cut(self) -> None:
        """The database goes away."""
        self._call(self.proxy.cut())

    def restore(self) -> None:
        """The database is back."""
        self._call(self.proxy.start())

    def __exit__(self, *exc: object) -> None:
        self._call(self.proxy.cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()
