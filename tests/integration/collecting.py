"""Collecting from an emulator, as the emulator tests do: the emulator served on loopback, the demo
account pointing at it, fetch loops that drain a round, faults armed through the control API, and
the fault table every collector maps to the shared errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, Protocol, TypeVar

import aiohttp
import pytest
from aiohttp import web

from collector.base import Account, AuthFailed, Batch, FetchFailed
from emulators.base import Emulator, serve
from emulators.control import EmulatorControl
from inbox.types import NewItem

Running = tuple[str, EmulatorControl, aiohttp.ClientSession]

# The faults every collector turns into a shared error, and the set still completes after them.
FAULTS = [("server_error", FetchFailed), ("malformed", FetchFailed), ("expired_token", AuthFailed)]

IMPATIENT = 0.3  # seconds: a client that gives up long before the emulator's stalled answer
SHORT = 0.2  # seconds: the same, for the tests that keep the collector across the stall

E = TypeVar("E", bound=Exception)
Em = TypeVar("Em", bound=Emulator)


class Fetcher(Protocol):
    """Any collector: all these helpers need is its fetch."""

    async def fetch(self, cursor: dict[str, Any]) -> Batch: ...


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[Running]:
    """Serve `app` on loopback; yield its URL, its control API and a client session."""
    runner, url = await serve(app)
    try:
        async with aiohttp.ClientSession() as session:
            yield url, EmulatorControl(session, url), session
    finally:
        await runner.cleanup()


@asynccontextmanager
async def on_loopback(emulator: Em) -> AsyncIterator[tuple[Em, str]]:
    """Serve `emulator` on loopback; yield it (for direct injection) and its base URL."""
    runner, base = await serve(emulator.create_app())
    try:
        yield emulator, base
    finally:
        await runner.cleanup()


def demo_account(platform: str, demo: dict[str, Any], base: str, **settings: Any) -> Account:
    """The emulator's demo account at `base`, its settings overridden by `settings`."""
    return Account(
        id=1, platform=platform, external_id=demo["external_id"], base_url=base,
        credentials=dict(demo["credentials"]), settings={**demo["settings"], **settings},
    )


async def drain(source: Fetcher, cursor: dict[str, Any]) -> tuple[list[NewItem], dict[str, Any], int]:
    """Fetch until the round ends; return the items, the cursor and how many batches it took."""
    items: list[NewItem] = []
    for calls in range(1, 10_000):
        batch = await source.fetch(cursor)
        items += batch.items
        cursor = batch.cursor
        if not batch.more:
            return items, cursor, calls
    raise AssertionError("the round never ended")


async def poll(source: Fetcher, cursor: dict[str, Any]) -> tuple[list[Any], dict[str, Any]]:
    """Fetch pages until the collector says nothing more is ready; the cursor goes through JSON,
    as it does through the database between polls."""
    items: list[Any] = []
    for _ in range(10_000):
        batch = await source.fetch(cursor)
        items.extend(batch.items)
        cursor = json.loads(json.dumps(batch.cursor))
        if not batch.more:
            return items, cursor
    raise AssertionError("the poll never ended")


async def inject(session: aiohttp.ClientSession, base: str, **payload: Any) -> str:
    """Inject one item through the emulator's control API; return its id."""
    async with session.post(f"{base}/_control/inject", json=payload) as resp:
        assert resp.status == 200, await resp.text()
        return (await resp.json())["external_id"]


async def arm_fault(session: aiohttp.ClientSession, base: str, **payload: Any) -> None:
    """Switch a fault mode on through the control API."""
    async with session.post(f"{base}/_control/fault", json=payload):
        pass


async def fails_once(
    control: EmulatorControl, source: Fetcher, mode: str, error: type[E], **options: Any
) -> E:
    """Arm fault `mode` for one request and check the next fetch raises `error`; return it."""
    await control.fault(mode, count=1, **options)
    with pytest.raises(error) as caught:
        await source.fetch({})
    return caught.value


async def times_out(
    control: EmulatorControl, url: str, make: Callable[[str, aiohttp.ClientSession], Fetcher]
) -> FetchFailed:
    """A stalled answer to an impatient client is a FetchFailed; return it."""
    await control.fault("timeout", count=1)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=IMPATIENT)) as impatient:
        with pytest.raises(FetchFailed) as caught:
            await make(url, impatient).fetch({})
    return caught.value


@asynccontextmanager
async def stalled(base: str) -> AsyncIterator[aiohttp.ClientSession]:
    """Stall the emulator's next answer; yield a session that gives up long before it comes."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=SHORT)) as short:
        await arm_fault(short, base, mode="timeout", count=1)
        yield short


def recorded(make_response: Any) -> Any:
    """An aiohttp handler answering every request with a fresh copy of one recorded response."""

    async def handler(request: Any) -> Any:
        return make_response()

    return handler
