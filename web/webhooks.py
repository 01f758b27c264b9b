"""Platforms' webhook endpoints: Meta's verification handshake, its `X-Hub-Signature-256`
check over the raw body (platform-apis.md 1.7 and 2.5), then the payload mapped by the
collector module and stored by the inbox.

Polling stays the backfill: Meta does not guarantee delivery, and a change carries only some
fields; the next poll completes what a change lacked.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from collector import meta_webhook
from inbox.credentials import Vault
from inbox.pushed import store_changes
from web.input import nesting

META_PATH = "/webhooks/meta"
# Meta's deliveries are small; anything this large is not Meta.
MAX_BODY = 1_000_000
# Meta's envelopes nest about six deep; json.loads would fail on the stack far below the size limit.
MAX_NESTING = 64


def signature_ok(app_secret: str | Sequence[str] | None, body: bytes, header: str | None) -> bool:
    """True when `header` is sha256=<HMAC-SHA256 of the raw body with the app secret (one of them)>."""
    secrets = [app_secret] if isinstance(app_secret, str) else list(app_secret or ())
    if not header:
        return False
    given = header.strip().encode("utf-8", "replace")
    found = False
    for secret in filter(None, secrets):
        expected = "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        found |= hmac.compare_digest(expected.encode("ascii"), given)  # every secret tried: no timing hint
    return found


def meta_routes(pool: asyncpg.Pool, *, app_secret: str | Sequence[str] | None, verify_token: str | None,
                vault: Vault | None) -> list[Route]:
    """Starlette routes for GET (verification) and POST (deliveries) at /webhooks/meta.

    Several app secrets may sign deliveries: Facebook Login's app and Instagram Login's app are
    two Meta apps with a secret each; a delivery signed by any of this install's apps is Meta's."""
    # vault: part of the mounting contract; deliveries need no credentials, since what a change
    # lacks is left to the next poll rather than fetched with the account's token here.
    del vault

    async def verify(request: Request) -> Response:
        q = request.query_params
        token, challenge = q.get("hub.verify_token", ""), q.get("hub.challenge", "")
        if (
            q.get("hub.mode") == "subscribe" and verify_token and challenge
            and hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8"))
        ):
            return PlainTextResponse(challenge)
        return PlainTextResponse("verification refused", status_code=403)

    async def deliver(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        if not signature_ok(app_secret, body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", status_code=403)
        if nesting(body) > MAX_NESTING:
            return PlainTextResponse("nested too deeply", status_code=400)
        try:
            payload = json.loads(body)
        except ValueError:
            return PlainTextResponse("not JSON", status_code=400)
        mapped = meta_webhook.changes(payload)
        if mapped is None:
            return JSONResponse({"stored": 0, "ignored": "object"})
        platform, by_owner = mapped
        stored = 0
        async with pool.acquire() as conn:
            for owner, changes in by_owner.items():
                stored += await store_changes(conn, platform, owner, changes)
        return JSONResponse({"stored": stored})

    return [Route(META_PATH, verify, methods=["GET"]), Route(META_PATH, deliver, methods=["POST"])]
