"""The JSON API of Web Push: the install's public key, and a person's browsers asking for (or
giving up) notifications. The alerts worker does the sending (inbox/alerts/delivery.py)."""

from __future__ import annotations

import base64
import binascii

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import push
from web import input as web_input
from web.auth import require_member
from web.i18n import gettext as _
from web.security import safe_url


def _b64url(value: object, size: int) -> str:
    """A base64url key of `size` bytes as the browser gave it; 400 for anything else."""
    if isinstance(value, str) and len(value) < 200:
        try:
            if len(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))) == size:
                return value
        except (binascii.Error, ValueError):
            pass
    raise HTTPException(400, _("This browser's notification subscription is not valid."))


def _endpoint(value: object) -> str:
    # Push services are public https addresses; the worker's guarded session refuses private ones.
    url = safe_url(value, ("https",))
    if url is None:
        raise HTTPException(400, _("This browser's notification subscription is not valid."))
    return url


async def public_key(request: Request) -> Response:
    """GET /api/push/key: the applicationServerKey browsers subscribe with."""
    await require_member(request)
    async with request.app.state.pool.acquire() as db:
        keys = await push.keys(db, request.app.state.vault)
    return JSONResponse({"public_key": keys.public_key})


async def subscribe(request: Request) -> Response:
    """POST /api/push/subscriptions: this browser wants the brand's alerts as notifications."""
    member = await require_member(request)
    body = await web_input.json_body(request)
    keys = body.get("keys")
    if not isinstance(keys, dict):
        raise HTTPException(400, _("This browser's notification subscription is not valid."))
    endpoint = _endpoint(body.get("endpoint"))
    p256dh, auth = _b64url(keys.get("p256dh"), 65), _b64url(keys.get("auth"), 16)
    async with request.app.state.pool.acquire() as db:
        await push.subscribe(db, member.user_id, endpoint, p256dh, auth)
    return JSONResponse({"subscribed": True}, status_code=201)


async def unsubscribe(request: Request) -> Response:
    """POST /api/push/unsubscribe: this browser no longer wants notifications."""
    member = await require_member(request)
    body = await web_input.json_body(request)
    endpoint = _endpoint(body.get("endpoint"))
    async with request.app.state.pool.acquire() as db:
        found = await push.unsubscribe(db, member.user_id, endpoint)
    return JSONResponse({"unsubscribed": found})


routes = [
    Route("/api/push/key", public_key, methods=["GET"]),
    Route("/api/push/subscriptions", subscribe, methods=["POST"]),
    Route("/api/push/unsubscribe", unsubscribe, methods=["POST"]),
]
