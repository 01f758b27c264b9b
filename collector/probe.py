"""Try a connection without storing anything: the settings page's "Test" button.

The same calls as a first poll (prove access, then one page from the start), but nothing is
saved: no items, no cursor, no health change. The outcome is a code the web layer puts in
words; `detail` carries the platform's own plain words when the collector has them.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

import aiohttp

from collector.base import Account, AuthFailed, FetchFailed, RateLimited, Refused
from collector.registry import collector_class
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.types import WorkerAccount

log = logging.getLogger(__name__)

# The owner waits in front of the button: one page, and no longer than this.
TRIAL_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Trial:
    """What one test of a connection found."""

    outcome: str  # ok, no_access, refused_credentials, rate_limited, unreachable, refused, unreadable, broken
    items: int = 0
    detail: str = ""


async def try_account(row: WorkerAccount, vault: Vault, session: aiohttp.ClientSession, *,
                      timeout: float = TRIAL_SECONDS) -> Trial:
    """Prove access and read one page of the account as a first poll would; store nothing."""
    try:
        cls = collector_class(row.platform)
    except Exception:  # a platform module that cannot load: the poller reports it the same way
        return Trial("broken")
    try:
        credentials = vault.open(row.credentials)
    except CredentialsUnreadable:
        return Trial("unreadable")
    collector = cls(Account.of(row, credentials), session)
    try:
        async with asyncio.timeout(timeout):
            if await collector.prove_access() is False:
                return Trial("no_access")
            batch = await collector.fetch({})
    except AuthFailed:
        return Trial("refused_credentials")
    except RateLimited:
        return Trial("rate_limited")
    except FetchFailed as exc:
        return Trial("unreachable", detail=exc.plain or "")
    except (TimeoutError, aiohttp.ClientError, OSError):
        return Trial("unreachable")
    except Refused as exc:
        return Trial("refused", detail=" ".join(str(exc).split())[:300])
    except Exception:  # what the platform sent could not be read: the same words as a poll's
        log.exception("account %s: unexpected error while testing the connection", row.id)
        return Trial("broken")
    return Trial("ok", items=len(batch.items))
