"""Web Push (RFC 8030 with VAPID, RFC 8292): the install's key pair, the browsers that asked to be
notified, and sending one notification through a browser's push service with pywebpush.

The key pair is made at first use and kept in the database, so every web and worker process of
an install signs with the same key (a browser's subscription is bound to it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid, b64urlencode
from pywebpush import WebPushException, webpush_async

from inbox.credentials import Vault
from inbox.db import Conn

# A push service forgets a subscription the browser dropped: 404 or 410 means "never again".
GONE = (404, 410)
TTL_SECONDS = 12 * 3600  # an alert older than half a day is no news: the push service may drop it


class PushError(Exception):
    """The push service refused or could not be reached; `gone` when the subscription is dead."""

    def __init__(self, message: str, *, gone: bool = False) -> None:
        super().__init__(message)
        self.gone = gone


@dataclass(frozen=True, slots=True)
class Keys:
    """The install's VAPID key pair."""

    private_pem: str
    public_key: str  # base64url uncompressed P-256 point: what browsers take as applicationServerKey


@dataclass(frozen=True, slots=True)
class Subscription:
    """One browser that asked to be notified."""

    id: int
    user_id: int
    endpoint: str
    p256dh: str
    auth: str


_KEYS = "select private_key, private_sealed, public_key from web_push_keys where id = 1"


async def keys(conn: Conn, vault: Vault) -> Keys:
    """The install's key pair, made and stored (the private key sealed) on first call; concurrent
    first calls agree. A key stored in clear by an earlier version is sealed now."""
    row = await conn.fetchrow(_KEYS)
    if row is None:
        vapid = Vapid()
        vapid.generate_keys()
        public = b64urlencode(vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                            serialization.PublicFormat.UncompressedPoint))
        await conn.execute("insert into web_push_keys (id, private_sealed, public_key) values (1, $1, $2)"
                           " on conflict (id) do nothing", vault.seal({"pem": vapid.private_pem().decode("ascii")}), public)
        row = await conn.fetchrow(_KEYS)
    assert row is not None  # inserted just above, by this call or a concurrent one
    if row["private_sealed"] is not None:
        return Keys(str(vault.open(row["private_sealed"])["pem"]), row["public_key"])
    await conn.execute("update web_push_keys set private_sealed = $1, private_key = null where id = 1 and private_sealed is null",
                       vault.seal({"pem": row["private_key"]}))
    return Keys(row["private_key"], row["public_key"])


async def subscribe(conn: Conn, user_id: int, endpoint: str, p256dh: str, auth: str) -> int:
    """Remember a browser for a person (a browser now used by someone else moves to them); its id."""
    sub_id: int = await conn.fetchval(
        "insert into push_subscriptions (user_id, endpoint, p256dh, auth) values ($1, $2, $3, $4)"
        " on conflict (endpoint) do update set user_id = excluded.user_id, p256dh = excluded.p256dh, auth = excluded.auth"
        " returning id", user_id, endpoint, p256dh, auth)
    return sub_id


async def unsubscribe(conn: Conn, user_id: int, endpoint: str) -> bool:
    """Forget a person's browser; False when it was not theirs or not known."""
    done = await conn.execute("delete from push_subscriptions where user_id = $1 and endpoint = $2", user_id, endpoint)
    return bool(done != "DELETE 0")


async def brand_subscriptions(conn: Conn, brand_id: int) -> list[Subscription]:
    """The browsers of everyone who works on the brand."""
    rows = await conn.fetch(
        "select s.id, s.user_id, s.endpoint, s.p256dh, s.auth from push_subscriptions s"
        " join memberships m on m.user_id = s.user_id where m.brand_id = $1 order by s.id", brand_id)
    return [Subscription(**dict(r)) for r in rows]


async def user_subscriptions(conn: Conn, user_id: int) -> list[Subscription]:
    """The browsers of one person."""
    rows = await conn.fetch(
        "select id, user_id, endpoint, p256dh, auth from push_subscriptions where user_id = $1 order by id", user_id)
    return [Subscription(**dict(r)) for r in rows]


async def subscription(conn: Conn, sub_id: int) -> Subscription | None:
    """One subscription by id (a delivery's target), None once forgotten."""
    row = await conn.fetchrow("select id, user_id, endpoint, p256dh, auth from push_subscriptions where id = $1", sub_id)
    return Subscription(**dict(row)) if row else None


async def forget(conn: Conn, sub_id: int) -> None:
    """Drop a subscription its push service called gone."""
    await conn.execute("delete from push_subscriptions where id = $1", sub_id)


async def send(session: aiohttp.ClientSession, key: Keys, sub: Subscription, payload: dict[str, Any], *,
               contact: str, timeout: float = 10.0) -> None:
    """Encrypt `payload` (aes128gcm) for the browser and post it to its push service, signed with VAPID."""
    info = {"endpoint": sub.endpoint, "keys": {"p256dh": sub.p256dh, "auth": sub.auth}}
    try:
        await webpush_async(info, json.dumps(payload), vapid_private_key=Vapid.from_pem(key.private_pem.encode("ascii")),
                            vapid_claims={"sub": contact}, ttl=TTL_SECONDS, aiohttp_session=session,
                            timeout=aiohttp.ClientTimeout(total=timeout))
    except WebPushException as exc:
        status = exc.status_code
        raise PushError(f"push service answered {status}" if status else "push service unreachable",
                        gone=status in GONE) from exc
    except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
        raise PushError(f"push service unreachable: {type(exc).__name__}") from exc
