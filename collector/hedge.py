"""Second chances for a fast account's read: a read that may hang is made once more beside itself
(the first answer wins), a failed read is made once more at once, and a rate limit that names a
wait shorter than the poll interval is waited out in the poll. A busy feed's poll must not lose
a whole interval while its entries scroll off (issue 17's chaos runs)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from collector.base import FetchFailed, RateLimited

log = logging.getLogger(__name__)


async def hedged_read(read: Callable[[], Awaitable[Any]], after: float, account_id: int) -> Any:
    """`read()`, and once more if the first has not answered within `after` seconds: the first
    success wins (the other is cancelled); when both fail, the first failure is raised."""
    tasks = [asyncio.ensure_future(read())]
    try:
        done, _ = await asyncio.wait(tasks, timeout=after)
        if done:
            return tasks[0].result()
        log.info("account %s: no answer after %.0f s; reading once more beside it", account_id, after)
        tasks.append(asyncio.ensure_future(read()))
        pending, failure = set(tasks), None
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in sorted(done, key=tasks.index):
                if task.exception() is None:
                    return task.result()
                failure = failure or task.exception()
        assert failure is not None
        raise failure
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def read_twice(read: Callable[[], Awaitable[Any]], *, after: float, interval: float, account_id: int,
                     sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep) -> Any:
    """`read()` hedged after `after` seconds; after a failure, one more hedged read: at once for
    an error or a timeout, after the platform's Retry-After when that is within `interval`."""
    try:
        return await hedged_read(read, after, account_id)
    except (FetchFailed, aiohttp.ClientError, TimeoutError) as exc:
        log.info("account %s: read failed (%r); reading once more at once", account_id, exc)
    except RateLimited as exc:
        # The platform said when to come back, sooner than the next regular poll would: come back
        # then (once), rather than a whole interval later.
        if exc.retry_after is None or not 0 < exc.retry_after <= interval:
            raise
        log.info("account %s: asked to wait %.1f s; reading again then", account_id, exc.retry_after)
        await sleep(exc.retry_after)
    return await hedged_read(read, after, account_id)
