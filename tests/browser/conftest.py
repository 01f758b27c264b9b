"""Browser tests: Chromium (Debian package) driven by Playwright against a real uvicorn server."""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator

import pytest

# The browser tests reuse the integration tests' helper modules (web_app, polling).
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    """A headless Chromium; skipped with the reason when the browser is not installed."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed: apt-get install -y chromium")
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


@pytest.fixture
async def profile_context(browser: object, tmp_path: object) -> AsyncIterator[object]:
    """Chromium with a profile on disk, as people have (it offers no install in incognito)."""
    context = await browser.browser_type.launch_persistent_context(  # type: ignore[attr-defined]
        str(tmp_path) + "/profile", executable_path=CHROMIUM, args=ARGS)
    yield context
    await context.close()
