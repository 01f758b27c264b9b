"""The outgoing webhook: a JSON POST with a Slack-compatible `text`, signed with HMAC-SHA256.

Receivers verify `X-Jasette-Signature: sha256=<hex>` over "<X-Jasette-Timestamp>.<raw body>"
with the brand's webhook secret (see docs/alerts.md); `X-Jasette-Delivery` names the delivery
so a receiver can drop a resend after a crash.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import aiohttp

from inbox import netguard, sealed

SIGNATURE_HEADER = "X-Jasette-Signature"
TIMESTAMP_HEADER = "X-Jasette-Timestamp"
DELIVERY_HEADER = "X-Jasette-Delivery"


class WebhookError(RuntimeError):
    """The receiver did not accept the POST; the text says why."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for a body sent at `timestamp` (unix seconds)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """True when `signature` is what `sign` gives (constant-time comparison)."""
    return hmac.compare_digest(sign(secret, timestamp, body), signature or "")


async def post(session: aiohttp.ClientSession, url: str, payload: dict[str, Any], *, secret: str | None,
               timestamp: int, delivery_id: str, timeout: float = 10.0) -> int:
    """POST the payload; return the HTTP status, raise WebhookError unless it is 2xx."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "Jasette-Alerts/1",
               TIMESTAMP_HEADER: str(timestamp), DELIVERY_HEADER: delivery_id}
    if secret:
        headers[SIGNATURE_HEADER] = sign(secret, str(timestamp), body)
    # Errors name the receiver by its host: they are stored and shown on /alerts, and the path or
    # query of a Slack-style address is its token.
    shown = sealed.origin(url)
    try:
        async with session.post(url, data=body, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout),
                                allow_redirects=False) as resp:
            if not 200 <= resp.status < 300:
                raise WebhookError(f"webhook {shown} answered HTTP {resp.status}")
            return resp.status
    except TimeoutError as exc:
        raise WebhookError(f"webhook {shown} did not answer within {timeout:g} s") from exc
    except aiohttp.InvalidURL as exc:
        raise WebhookError(f"webhook address {shown} is not a valid URL") from exc
    except aiohttp.ClientError as exc:
        # Owners read these words on /alerts: a refused, closed or silent private address must read
        # alike (the guard refuses before connecting), or the alert page becomes a port scanner.
        if netguard.refused(exc):
            raise WebhookError(f"webhook {shown}: {netguard.NOT_ALLOWED}") from exc
        raise WebhookError(f"webhook {shown} unreachable") from exc
