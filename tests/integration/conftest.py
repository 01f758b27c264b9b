"""Fixtures the integration tests share; tests take them by parameter name. The database
fixtures (`pool`, `db_dsn`, `brand`) are one folder up, in tests/conftest.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from polling import SECRET, Site, running_site

from inbox.credentials import Vault


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """A client session whose requests give up after five seconds rather than hang the suite."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as s:
        yield s


@pytest.fixture
def vault() -> Vault:
    """The credentials vault of the poller, outbox and worker tests."""
    return Vault(SECRET)


@pytest.fixture
async def site() -> AsyncIterator[Site]:
    """A WordPress emulator on loopback that records overlapping requests (see polling.Site)."""
    async with running_site() as s:
        yield s
