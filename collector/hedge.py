"""More than one chance for a fast account's read, within one poll: a read that hangs gets another
beside it after `after` seconds, a read that fails is made again at once, and a rate limit naming a
wait shorter than the poll interval is waited out, up to a few reads in all; the first answer wins.
A busy feed's poll must not lose a whole interval while its entries scroll off (issue 17's chaos
runs: a hung read, then a 429 on its hedge, held a 100-entry feed unread for 27 s)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from collector.base import FetchFailed, RateLimited

log = logging.getLogger(__name__)

# Reads started for one fetch at most: enough to outlast a hang and a failure in a row, few
# enough that a platform in trouble sees a handful of requests, not a storm.
READS = 3
_AGAIN = (FetchFailed, aiohttp.ClientError, TimeoutError, RateLimited)


def _later(exc: BaseException, interval: float) -> bool:
    """A rate limit whose wait is the next poll's business (unsaid, or longer than an interval)."""
    return isinstance(exc, RateLimited) and (exc.retry_after is None or not 0 < exc.retry_after <= interval)


async def read_hedged(read: Callable[[], Awaitable[Any]], *, after: float, interval: float, account_id: int,
                      sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep, reads: int = READS) -> Any:
    """`read()`, with up to `reads` reads in all: another starts when the newest has not answered
    within `after` seconds, or when one failed (at once for an error or a timeout, after the
    platform's Retry-After when that is within `interval`). The first success wins and the others
    are cancelled; a rate limit with a longer wait is raised at once; when every read failed, the
    first failure is raised."""
    tasks: list[asyncio.Future[Any]] = []
    pending: set[asyncio.Future[Any]] = set()
    failure: BaseException | None = None

    def start() -> None:
        tasks.append(asyncio.ensure_future(read()))
        pending.add(tasks[-1])

    start()
    try:
        while pending:
            done, _ = await asyncio.wait(pending, timeout=after if len(tasks) < reads else None,
                                         return_when=asyncio.FIRST_COMPLETED)
            pending.difference_update(done)
            if not done:
                log.info("account %s: no answer after %.0f s; reading once more beside it", account_id, after)
                start()
                continue
            for task in sorted(done, key=tasks.index):
                exc = task.exception()
                if exc is None:
                    return task.result()
                if _later(exc, interval):
                    raise exc
                failure = failure or exc
                if not isinstance(exc, _AGAIN) or len(tasks) >= reads:
                    continue
                if isinstance(exc, RateLimited) and exc.retry_after:
                    log.info("account %s: asked to wait %.1f s; reading again then", account_id, exc.retry_after)
                    await sleep(exc.retry_after)
                else:
                    log.info("account %s: read failed (%r); reading once more at once", account_id, exc)
                start()
        assert failure is not None
        raise failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
