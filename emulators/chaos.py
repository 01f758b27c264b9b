"""Random faults on a share of an emulator's API requests, for chaos runs (bench/chaos.py and
tests/integration/test_chaos.py).

The control API's fault (`POST /_control/fault`) hits the next requests in a row; a chaos run
wants faults scattered: each API request is faulty with probability `rate`, drawn from a seeded
generator, in one of the `modes`, answered the platform's own way (the emulator's
`fault_response`): a 429 with its Retry-After, a 500/503, a body cut short (`malformed`), a
slow answer, or one past the client's time limit (`timeout`). Setting `rate` to 0 ends the chaos at once; `counts` says what was injected.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

from aiohttp import web

from emulators.base import Emulator, Fault

MODES = ("rate_limit", "server_error", "slow", "malformed")
# ... and "timeout": answered only after `timeout_seconds`, past a client's time limit (the write
# still happens then: the sender cannot know whether it did).


class RandomFaults:
    """Faults on a random share of one emulator's API requests."""

    def __init__(self, emulator: Emulator, rate: float, rng: random.Random, *, modes: tuple[str, ...] = MODES,
                 retry_after: int = 2, slow_seconds: float = 1.5, timeout_seconds: float = 25.0) -> None:
        self.emulator, self.rate, self.rng, self.modes = emulator, rate, rng, modes
        self.retry_after, self.slow_seconds, self.timeout_seconds = retry_after, slow_seconds, timeout_seconds
        self.counts: Counter[str] = Counter()
        self.requests = 0  # API requests seen
        self.exposed = 0  # ... of which while faults were on

    def install(self, app: web.Application) -> RandomFaults:
        """Put the faults in front of every other middleware of `app` (before it starts)."""
        app.middlewares.insert(0, self._middleware)
        return self

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(self.emulator.control_prefix):
            return await handler(request)
        self.requests += 1
        if self.rate <= 0:
            return await handler(request)
        self.exposed += 1
        if self.rng.random() >= self.rate:
            return await handler(request)
        mode = self.rng.choice(self.modes)
        self.counts[mode] += 1
        if mode in ("slow", "timeout"):  # late, then answered: a write still happens (a sender may have given up)
            await asyncio.sleep(self.slow_seconds if mode == "slow" else self.timeout_seconds)
            return await handler(request)
        if mode == "malformed":
            return web.Response(text='{"data": [{"id": "1", "message": "trunc', content_type="application/json")
        return self.emulator.fault_response(Fault(mode=mode, retry_after=self.retry_after))
