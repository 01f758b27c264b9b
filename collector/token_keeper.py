"""Keeps OAuth-connected accounts' tokens alive for the poller and the outbox.

Before a poll or a reply, an access token within minutes of expiry is renewed; after a 401 it
is renewed once (forced) and the call retried once. Renewal happens under the account's lock
(inbox/connections.py) and re-reads the stored tokens first, so two workers renew once and a
rotated refresh token (X) is never used twice. What a refusal means is decided in
collector/oauth.py: only a refused grant asks the owner to reconnect; anything else is transient.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import asyncpg

from collector import registry
from collector.base import FetchFailed
from collector.oauth import OAuthApps, Provider, Tokens, connect_code
from inbox import connections
from inbox.credentials import Vault
from inbox.types import WorkerAccount

# A refresh is one small request; past this the platform is treated as unreachable (transient).
REFRESH_TIMEOUT = 30.0


class TokenKeeper:
    """Renews the tokens of OAuth-connected accounts, once per expiry across workers."""

    def __init__(self, pool: asyncpg.Pool, vault: Vault, session: aiohttp.ClientSession, apps: OAuthApps, *,
                 now: Callable[[], float] = time.time,
                 provider_for: Callable[[str], Provider | None] = registry.oauth_provider) -> None:
        self.pool, self.vault, self.session, self.apps = pool, vault, session, apps
        self.now = now
        self.provider_for = provider_for
        self.renewals = 0  # how many refresh calls this keeper made (tests and metrics)

    def renewable(self, platform: str, credentials: dict[str, Any]) -> bool:
        """Whether a 401 with these credentials is worth one forced renewal."""
        provider = self.provider_for(connect_code(platform, credentials))
        return bool(provider and credentials.get("oauth") and provider.can_refresh(Tokens.of(credentials)))

    async def fresh(self, row: WorkerAccount, credentials: dict[str, Any], *, force: bool = False) -> dict[str, Any]:
        """Credentials ready to use: `credentials` itself when nothing was renewed (the caller may
        compare identities), else the renewed ones, already stored."""
        # A mailbox's tokens belong to the application it was connected with (Gmail, Microsoft 365).
        code = connect_code(row.platform, credentials)
        provider = self.provider_for(code)
        if provider is None or not credentials.get("oauth"):
            return credentials
        tokens = Tokens.of(credentials)
        if not provider.can_refresh(tokens) or not (force or provider.needs_refresh(tokens, self.now())):
            return credentials
        app = self.apps.get(code)
        if app is None:
            if force:
                id_name, secret_name, _ = OAuthApps.env_names(code)
                raise FetchFailed(f"{code}: no OAuth application configured",
                                  plain=f"cannot renew its access: the administrator must set {id_name} and {secret_name}")
            return credentials
        async with self.pool.acquire() as conn, conn.transaction():
            await connections.lock_for_refresh(conn, row.id)
            current = self.vault.open(await connections.sealed_credentials(conn, row.id))
            if current.get("access_token") and current.get("access_token") != credentials.get("access_token"):
                return current  # another worker renewed it while this one waited for the lock
            stored = Tokens.of(current) if current else tokens
            if not force and not provider.needs_refresh(stored, self.now()):
                return current
            renewed = await asyncio.wait_for(provider.refresh(self.session, app, stored, now=self.now()), REFRESH_TIMEOUT)
            self.renewals += 1
            merged = renewed.as_credentials(current or credentials)
            # Stored in the same transaction as the lock: a rotated refresh token is never lost
            # to a second worker, which reads this one after the lock is released.
            await connections.store_renewed(conn, self.vault, row.id, merged)
            return merged
