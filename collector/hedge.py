"""A read that may hang, made once more beside itself: a busy feed's poll must not wait out a
stalled request while its entries scroll off (issue 17's chaos runs); the first answer wins."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

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
