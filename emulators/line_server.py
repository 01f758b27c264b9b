"""What the mail emulators' TCP servers share: listening, the open connections (closed on stop, a
held 'timeout' one too), and a session per connection whose client may vanish at any line."""

from __future__ import annotations

import asyncio
import contextlib
from abc import ABC, abstractmethod


class LineServer(ABC):
    """A TCP server of line-based sessions; subclasses answer one connection in `session`."""

    def __init__(self) -> None:
        self.server: asyncio.base_events.Server | None = None
        self.port = 0
        self._conns: set[asyncio.StreamWriter] = set()

    async def start(self, host: str, port: int) -> int:
        """Listen on host:port (0: any free port); return the port."""
        self.server = await asyncio.start_server(self._serve, host, port, limit=2**16)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self.port

    async def stop(self) -> None:
        """Stop listening and drop every open connection."""
        if self.server is not None:
            self.server.close()
        for writer in list(self._conns):
            writer.close()
        if self.server is not None:
            await self.server.wait_closed()

    @abstractmethod
    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Serve one connection until it ends."""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._conns.add(writer)
        try:
            # The client went away or sent something unframeable: drop it, as servers do.
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
                await self.session(reader, writer)
        finally:
            self._conns.discard(writer)
            writer.close()
