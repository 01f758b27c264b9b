"""Keeping a lease while slow work runs: the poller (accounts) and the outbox (replies) renew theirs
this way, so a live worker keeps what it holds however long a platform takes, and a dead one's
lease runs out in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from inbox.db import DB_ERRORS

log = logging.getLogger(__name__)


async def _beat(renew: Callable[[], Awaitable[bool]], every: float, sleep: Callable[[float], Awaitable[Any]],
                what: str) -> None:
    while True:
        await sleep(every)
        try:
            held = await renew()
        except DB_ERRORS as exc:
            log.info("%s: lease not renewed (%s); trying again", what, exc)
            continue
        if not held:
            return  # recorded or taken over meanwhile: the holder's own checks decide what follows


@contextlib.asynccontextmanager
async def kept(renew: Callable[[], Awaitable[bool]], *, every: float, sleep: Callable[[float], Awaitable[Any]],
               what: str) -> AsyncIterator[None]:
    """Renew a lease with `renew()` every `every` seconds for as long as the block runs."""
    beat = asyncio.create_task(_beat(renew, every, sleep, what))
    try:
        yield
    finally:
        beat.cancel()
        await asyncio.gather(beat, return_exceptions=True)
