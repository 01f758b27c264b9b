"""Helpers of the browser tests: log in through the form, a WordPress emulator with comments
the inbox knows, and an outbox worker the test drives."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import aiohttp
from web_app import PASSWORD, SECRET

from collector.outbox_worker import OutboxWorker
from inbox.credentials import Vault
from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem


async def log_in(page: Any, base: str, email: str) -> None:
    """Fill the log-in form and wait for the inbox."""
    await page.goto(base + "/login")
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.click("button[type=submit]")
    await page.wait_for_url(base + "/")
    await page.wait_for_selector("#live-state[data-state=live]")


async def comment(conn: Any, site: Any, brand_id: int, account_id: int, text: str, *, author: str = "Marie Tremblay",
                  lang: str = "fr", priority: int = 60, sentiment: str = "negative",
                  reasons: tuple[str, ...] = ("negative",)) -> int:
    """A comment on the emulated site, collected into the inbox (as the poller would); its item id."""
    external_id = site.emulator.inject({"kind": "comment", "text": text, "author_name": author})["external_id"]
    item = NewItem(platform="wordpress", external_id=str(external_id), kind="comment", body=text,
                   created_at=datetime.now(UTC), author=Author(external_id=f"wp-{author}", name=author, followers=42),
                   analysis=Analysis(lang=lang, lang_confidence=0.99, sentiment=sentiment, priority=priority, reasons=list(reasons)))
    result = await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=[item])
    return (result.new_ids or result.changed_ids)[0]


class Sender:
    """The outbox worker, run by the test until the queue is empty."""

    def __init__(self, pool: Any) -> None:
        self.pool = pool
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Sender:
        self.session = aiohttp.ClientSession()
        self.worker = OutboxWorker(self.pool, Vault(SECRET), self.session, worker_id="browser-test")
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self.session is not None
        await self.session.close()

    async def drain(self, rounds: int = 50) -> None:
        """Send what is due; wait briefly for the row the browser is about to queue."""
        for _ in range(rounds):
            if await self.worker.run_once():
                return
            await asyncio.sleep(0.05)
