"""Keeping a lease while slow work runs: the poller (accounts, for a whole poll: fetch, analysis,
storing) and the outbox (replies) renew theirs this way, so a live worker keeps what it holds
however long a platform or the NLP stage takes, and a dead one's lease runs out in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from inbox.db import DB_ERRORS

log = logging.getLogger(__name__)


class Beat:
    """What the heartbeat learnt: `lost` once a renewal found the lease taken by someone else."""

    __slots__ = ("lost",)

    def __init__(self) -> None:
        self.lost = False


async def _beat(renew: Callable[[], Awaitable[bool]], every: float, sleep: Callable[[float], Awaitable[Any]],
                what: str, beat: Beat) -> None:
    while True:
        await sleep(every)
        try:
            held = await renew()
        except DB_ERRORS as exc:
            log.info("%s: lease not renewed (%s); trying again", what, exc)
            continue
        if not held:
            beat.lost = True
            return  # recorded or taken over meanwhile: the holder's own checks decide what follows


@contextlib.asynccontextmanager
async def kept(renew: Callable[[], Awaitable[bool]], *, every: float, sleep: Callable[[float], Awaitable[Any]],
               what: str) -> AsyncIterator[Beat]:
    """Renew a lease with `renew()` every `every` seconds for as long as the block runs."""
    beat = Beat()
    task = asyncio.create_task(_beat(renew, every, sleep, what, beat))
    try:
        yield beat
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
