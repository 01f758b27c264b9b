"""The emulators' consent pages in Chromium: a hostile state shows as text and never runs, the page
loads its style under its strict CSP with no console error, unticking a scope and pressing
"Autoriser" lands on the app's redirect_uri with a code that yields fewer scopes, and "Refuser"
lands there with error=access_denied."""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web
from yarl import URL

from emulators import catalog
from emulators.base import serve

HOSTILE = "<img src=x onerror=\"window.__pwned=1\">"


async def test_consent_in_chromium_allows_fewer_scopes_and_denies(browser: Any) -> None:
    landed: list[dict[str, str]] = []

    async def callback(request: web.Request) -> web.Response:
        landed.append(dict(request.query))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_get("/cb", callback)
    receiver, receiver_url = await serve(app)
    runner, url = await serve(catalog.create_app("youtube"))
    try:
        page = await browser.new_page()
        problems: list[str] = []
        # Resource errors are checked by URL below (Chromium asks every server for a favicon).
        page.on("console", lambda m: problems.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource") else None)
        page.on("response", lambda r: problems.append(r.url)
                if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
        page.on("dialog", lambda d: problems.append("dialog"))
        scopes = "https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/youtube.force-ssl"
        authorize = URL(f"{url}/o/oauth2/v2/auth").with_query(
            client_id="demo-youtube-client", redirect_uri=f"{receiver_url}/cb", response_type="code",
            scope=scopes, state=HOSTILE, access_type="offline")
        await page.goto(str(authorize))
        assert await page.evaluate("getComputedStyle(document.querySelector('#allow')).borderRadius") == "6px"
        await page.uncheck("input[value='https://www.googleapis.com/auth/youtube.force-ssl']")
        await page.click("#allow")
        await page.wait_for_url(f"{receiver_url}/cb?*")
        assert landed[0]["state"] == HOSTILE and await page.evaluate("window.__pwned") is None
        async with aiohttp.ClientSession() as session, session.post(f"{url}/token", data={
                "grant_type": "authorization_code", "code": landed[0]["code"], "redirect_uri": f"{receiver_url}/cb",
                "client_id": "demo-youtube-client", "client_secret": "demo-youtube-secret"}) as resp:
            assert (await resp.json())["scope"] == "https://www.googleapis.com/auth/youtube.readonly"
        await page.goto(str(authorize))
        await page.click("#deny")
        await page.wait_for_url(f"{receiver_url}/cb?*")
        assert landed[1]["error"] == "access_denied" and "code" not in landed[1]
        assert problems == []
    finally:
        await runner.cleanup()
        await receiver.cleanup()
