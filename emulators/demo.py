"""The demo's outside world: every emulator started on loopback, and the accounts that reach them."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from emulators import catalog
from emulators.base import serve

# Ids must keep growing from one demo run to the next (the emulators forget everything when the
# demo stops, but the database keeps the last run's items and cursors): a clock-based offset.
_EPOCH_2026 = 1_767_225_600


@dataclass
class DemoSites:
    """Running emulators: base URL, demo account and (OAuth platforms) app credentials per platform."""

    urls: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    oauth_clients: dict[str, tuple[str, str]] = field(default_factory=catalog.oauth_clients)
    runners: list[web.AppRunner] = field(default_factory=list)

    async def close(self) -> None:
        """Stop every emulator."""
        for runner in self.runners:
            await runner.cleanup()
        self.runners.clear()


async def start_all(*, id_offset: int | None = None) -> DemoSites:
    """Start one emulator per platform on a free loopback port."""
    offset = (int(time.time()) - _EPOCH_2026) * 100_000 if id_offset is None else id_offset
    sites = DemoSites()
    for platform in catalog.PLATFORMS:
        app = catalog.create_app(platform, id_offset=offset)
        runner, url = await serve(app)
        sites.runners.append(runner)
        sites.urls[platform] = url
        account = catalog.demo_account(platform, app)
        account.setdefault("base_url", url)
        sites.accounts[platform] = account
    return sites
