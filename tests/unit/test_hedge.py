"""A fast account's read gets a few chances within one poll (collector/hedge.py): the timeline of
issue 17's last loss, a hung read whose hedge met a 429, must end in a read, not a 27 s gap."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from collector.base import FetchFailed, RateLimited
from collector.hedge import read_hedged


def scripted(*answers: Any) -> tuple[Callable[[], Awaitable[Any]], list[str]]:
    """A read whose n-th call hangs ("hang"), raises (an exception) or returns (anything else)."""
    calls: list[str] = []

    async def read() -> Any:
        answer = answers[len(calls)]
        calls.append(repr(answer))
        if answer == "hang":
            await asyncio.sleep(3600)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    return read, calls


async def test_a_hung_read_whose_hedge_is_rate_limited_is_read_a_third_time_after_the_wait() -> None:
    read, calls = scripted("hang", RateLimited("slow down", 1.0), "page")
    waited: list[float] = []

    async def sleep(seconds: float) -> None:
        waited.append(seconds)

    result = await asyncio.wait_for(read_hedged(read, after=0.05, interval=5, account_id=1, sleep=sleep), 2)
    # Before: the poll waited for the hung read's time limit (20 s and more) before anything else.
    assert result == "page" and waited == [1.0] and len(calls) == 3


async def test_a_wait_longer_than_the_interval_is_left_to_the_next_poll_at_once() -> None:
    read, calls = scripted("hang", RateLimited("slow down", 60.0), "page")
    with pytest.raises(RateLimited):
        await asyncio.wait_for(read_hedged(read, after=0.05, interval=5, account_id=1), 2)
    assert len(calls) == 2  # no third request to a platform that asked for a minute


async def test_a_platform_failing_every_read_sees_three_requests_and_the_first_failure_is_told() -> None:
    first = FetchFailed("500 the first")
    read, calls = scripted(first, FetchFailed("500 again"), FetchFailed("500 still"), "never asked")
    with pytest.raises(FetchFailed) as raised:
        await asyncio.wait_for(read_hedged(read, after=0.05, interval=5, account_id=1), 2)
    assert raised.value is first and len(calls) == 3
