"""The demo traffic generator feeding every platform's emulator through the control API."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import aiohttp
import pytest

from emulators import catalog
from emulators.base import serve
from emulators.traffic import run_traffic


@pytest.fixture
async def emulators() -> AsyncIterator[dict[str, str]]:
    runners, targets = [], {}
    for name in catalog.PLATFORMS:
        runner, base = await serve(catalog.create_app(name))
        runners.append(runner)
        targets[name] = base
    yield targets
    for runner in runners:
        await runner.cleanup()


async def test_traffic_reaches_all_eight_emulators_without_a_refusal(emulators) -> None:
    stop = asyncio.Event()
    delays: list[float] = []

    async def sleep(seconds: float) -> None:  # an injected clock: nothing really waits
        delays.append(seconds)
        if len(delays) >= 400:
            stop.set()

    sent = await run_traffic(emulators, rate_per_minute=30, rng=random.Random(11), sleep=sleep, stop=stop)
    assert set(sent) == set(emulators)
    assert sum(sent.values()) == 400  # every injection was accepted, replies included
    assert all(count > 20 for count in sent.values())
    # Exponential gaps averaging 60/30 = 2 seconds.
    assert 1.6 < sum(delays) / len(delays) < 2.4
    async with aiohttp.ClientSession() as session:
        for base in emulators.values():
            async with session.get(f"{base}/_control/state") as resp:
                assert resp.status == 200


async def test_a_dead_emulator_does_not_stop_the_others(emulators) -> None:
    targets = {**emulators, "wordpress": "http://127.0.0.1:9"}
    stop = asyncio.Event()
    calls = 0

    async def sleep(seconds: float) -> None:
        nonlocal calls
        calls += 1
        if calls >= 80:
            stop.set()

    sent = await run_traffic(targets, rng=random.Random(3), sleep=sleep, stop=stop)
    assert sent["wordpress"] == 0
    # About one pick in eight went to the dead one; every other injection was taken.
    assert 50 < sum(sent.values()) < 80


async def test_setting_stop_ends_a_long_pause_at_once(emulators) -> None:
    stop = asyncio.Event()
    # At 0.01 a minute, the pause after the first injection averages 100 minutes.
    task = asyncio.create_task(run_traffic(emulators, rate_per_minute=0.01, rng=random.Random(1), stop=stop))
    await asyncio.sleep(0.3)
    assert not task.done()
    stop.set()
    sent = await asyncio.wait_for(task, timeout=2)
    assert sum(sent.values()) == 1
