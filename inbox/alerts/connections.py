"""Alerts about the connections themselves: one needs re-authorisation, or will soon stop working.

Like the rules (evaluate.py) this reads state, not notifications: the accounts table says which
"re-authorisation needed" episode nobody was told about yet (a trigger keeps reauth_since and
reauth_alerted_at, migration 1100) and which token expires within the week. Rows are taken with
SKIP LOCKED and marked in the alert's own transaction, so two workers never tell twice.

These alerts are about the owner's own setup, not about customers: no rule, no cooldown, no
quiet hours hold them (a broken connection at 22:00 is missed comments all night).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from inbox.alerts.store import load_brand, raise_alert
from inbox.db import Conn

REAUTH = "account_reauth"
EXPIRING = "account_expiring"
KINDS = (REAUTH, EXPIRING)
# The owners are warned this long before a token that cannot be renewed stops working.
WARN_BEFORE = timedelta(days=7)
CHANNELS = ["inapp", "email", "webhook"]

_UNTOLD_REAUTH = """
select a.id, a.brand_id, a.platform, a.name, a.external_id, a.reauth_since
from accounts a where a.health = 'reauth' and a.reauth_alerted_at is null and a.reauth_since is not null
order by a.id limit 100 for update skip locked
"""

_EXPIRING = """
select a.id, a.brand_id, a.platform, a.name, a.external_id, a.access_expires_at
from accounts a
where a.access_expires_at is not null and a.access_expires_at > $1 and a.access_expires_at <= $2
  and a.health <> 'reauth' and a.expiry_warned_for is distinct from a.access_expires_at
order by a.id limit 100 for update skip locked
"""

# (platform, lang) -> the platform's name for people; the worker passes the registry's.
PlatformName = Callable[[str, str], str]


def _account(row: Any, platform_name: PlatformName | None) -> dict[str, Any]:
    """What an alert keeps of the account: enough to name it in either language and link to it."""
    names = {lang: (platform_name(row["platform"], lang) if platform_name else row["platform"]) for lang in ("fr", "en")}
    return {"id": row["id"], "platform": row["platform"], "platform_names": names,
            "name": (row["name"] or row["external_id"] or "")[:200]}


async def raise_connection_alerts(pool: asyncpg.Pool, now: datetime, *,
                                  platform_name: PlatformName | None = None) -> list[int]:
    """Tell the owners of each new re-authorisation episode and each token expiring within
    WARN_BEFORE, once each; the ids of the alerts raised."""
    raised: list[int] = []
    async with pool.acquire() as conn, conn.transaction():
        for row in await conn.fetch(_UNTOLD_REAUTH):
            details: dict[str, Any] = {"account": _account(row, platform_name)}
            key = f"{REAUTH}:{row['id']}:{row['reauth_since'].isoformat()}"
            if (alert_id := await _raise(conn, row["brand_id"], REAUTH, key, details, now)) is not None:
                raised.append(alert_id)
            await conn.execute("update accounts set reauth_alerted_at = $2 where id = $1", row["id"], now)
        for row in await conn.fetch(_EXPIRING, now, now + WARN_BEFORE):
            # The brand's time zone names the day the warning gives ("stops working on 12 March").
            details = {"account": _account(row, platform_name), "expires_at": row["access_expires_at"].isoformat(),
                       "timezone": (await load_brand(conn, row["brand_id"])).timezone}
            key = f"{EXPIRING}:{row['id']}:{row['access_expires_at'].isoformat()}"
            if (alert_id := await _raise(conn, row["brand_id"], EXPIRING, key, details, now)) is not None:
                raised.append(alert_id)
            await conn.execute("update accounts set expiry_warned_for = access_expires_at where id = $1", row["id"])
    return raised


async def _raise(conn: Conn, brand_id: int, kind: str, key: str, details: dict[str, Any], now: datetime) -> int | None:
    brand = await load_brand(conn, brand_id)
    return await raise_alert(conn, brand=brand, rule_id=None, kind=kind, dedupe_key=key, details=details,
                             item_ids=[], channels=CHANNELS, now=now)
