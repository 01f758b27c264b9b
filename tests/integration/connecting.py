"""What the connect-flow tests share: an OAuth emulator on loopback, the web app configured with
its application, an owner going through the consent page, and a poller that renews tokens."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import asyncpg
import httpx
from web_app import SECRET, client_for, csrf_of, login, make_app

from collector.oauth import OAuthApp, OAuthApps
from collector.poller import Poller
from collector.token_keeper import TokenKeeper
from emulators import catalog
from emulators.base import serve
from emulators.oauth import default_client
from inbox import netguard
from inbox.credentials import Vault

LOOPBACK = netguard.Policy.parse("127.0.0.1")


@dataclass
class Platform:
    """One OAuth emulator running, and the application that reaches it."""

    name: str
    url: str
    app: OAuthApp

    async def control(self, path: str, payload: Any = None) -> Any:
        async with aiohttp.ClientSession() as s:
            if payload is None and path == "state":
                async with s.get(f"{self.url}/_control/state") as r:
                    return await r.json()
            async with s.post(f"{self.url}/_control/{path}", json=payload or {}) as r:
                assert r.status == 200, await r.text()
                return await r.json()

    async def inject(self, **payload: Any) -> str:
        return str((await self.control("inject", payload))["external_id"])


@asynccontextmanager
async def running(*names: str) -> AsyncIterator[dict[str, Platform]]:
    """Start the named emulators; their applications are the demo's defaults rooted at them."""
    runners, platforms = [], {}
    try:
        for name in names:
            runner, url = await serve(catalog.create_app(name))
            runners.append(runner)
            platforms[name] = Platform(name, url, OAuthApp(*default_client(name), root=url))
        yield platforms
    finally:
        for runner in runners:
            await runner.cleanup()


def apps_of(platforms: dict[str, Platform]) -> OAuthApps:
    return OAuthApps({name: p.app for name, p in platforms.items()})


async def owner_client(pool: asyncpg.Pool, db_dsn: str, platforms: dict[str, Platform], email: str = "owner@a.test") -> httpx.AsyncClient:
    """The web app with the emulators' applications, and an owner logged in."""
    app = make_app(pool, db_dsn, oauth=apps_of(platforms), policy=LOOPBACK)
    client = client_for(app)
    await login(client, email)
    return client


def local(url: str) -> str:
    """Path and query of an absolute URL of the app (the callback the platform redirects to)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def consent(authorize_url: str, decision: str = "allow", **form: Any) -> str:
    """The owner's answer on the platform's consent page: where the platform sends them back."""
    async with aiohttp.ClientSession() as s:
        async with s.get(authorize_url) as page:
            assert page.status == 200, await page.text()
            assert 'id="allow"' in await page.text()
        # Repeated fields (the ticked scopes) as a list of pairs, like a browser posts them.
        fields = [("decision", decision)] + [(k, str(v)) for k, vs in form.items() for v in (vs if isinstance(vs, list) else [vs])]
        async with s.post(authorize_url, data=fields, allow_redirects=False) as answer:
            assert answer.status == 302, await answer.text()
            return answer.headers["Location"]


async def connect(client: httpx.AsyncClient, platform: str, *, pick: list[str] | None = None, query: str = "",
                  decision: str = "allow", **form: Any) -> httpx.Response:
    """Settings → "Connect …" → consent → back in Jasette (→ the picker when asked): the last answer."""
    started = await client.get(f"/settings/connect/{platform}{query}")
    assert started.status_code == 303, started.text
    back = await consent(started.headers["location"], decision, **form)
    answer = await client.get(local(back))
    if pick is not None:
        assert answer.status_code == 303 and "/pick?" in answer.headers["location"], answer.text
        page = await client.get(answer.headers["location"])
        assert page.status_code == 200
        key = answer.headers["location"].split("key=", 1)[1]
        answer = await client.post(f"/settings/connect/{platform}/pick",
                                   data={"csrf": csrf_of(page.text), "key": key, "choice": pick})
    return answer


def keeper(pool: asyncpg.Pool, session: aiohttp.ClientSession, platforms: dict[str, Platform], *, ahead: float = 0.0) -> TokenKeeper:
    """A token keeper whose clock runs `ahead` seconds ahead of the real one (the emulators' clocks move too)."""
    return TokenKeeper(pool, Vault(SECRET), session, apps_of(platforms), now=lambda: time.time() + ahead)


def poller(pool: asyncpg.Pool, session: aiohttp.ClientSession, tokens: TokenKeeper, worker: str = "w1") -> Poller:
    return Poller(pool, Vault(SECRET), session, worker_id=worker, rng=random.Random(1), tokens=tokens)


async def poll_account(pool: asyncpg.Pool, poll: Poller, account_id: int) -> Any:
    """Make the account due and poll it once; its outcome."""
    async with pool.acquire() as conn:
        await conn.execute("update accounts set next_poll_at = now() - interval '1 second', lease_owner = null where id = $1",
                           account_id)
    outcomes = [o for o in await poll.poll_due() if o.account_id == account_id]
    assert outcomes, "the account was not due"
    return outcomes[0]
