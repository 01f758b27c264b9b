"""CSRF protection on every state-changing request: a per-session token in a header or form field.

Runs inside the session middleware. Forms send the token as the `csrf` field; the page's
JavaScript sends it as `X-CSRF-Token`. Routes authenticated by a platform signature (webhooks)
are exempt by path prefix.
"""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import parse_qs

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
HEADER = b"x-csrf-token"
FIELD = "csrf"
MAX_FORM = 1_000_000


def token(session: dict) -> str:
    """The session's CSRF token, created on first use."""
    value = session.get("csrf")
    if not value:
        value = secrets.token_urlsafe(32)
        session["csrf"] = value
    return value


class CSRFMiddleware:
    """Refuse unsafe methods whose token does not match the session's (403)."""

    def __init__(self, app: ASGIApp, *, exempt: tuple[str, ...] = ()) -> None:
        self.app = app
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS or scope["path"].startswith(self.exempt):
            await self.app(scope, receive, send)
            return
        expected = scope.get("session", {}).get("csrf")
        headers = dict(scope["headers"])
        sent = headers.get(HEADER, b"").decode("latin-1")
        replay: list[Message] = []
        if not sent and headers.get(b"content-type", b"").startswith(b"application/x-www-form-urlencoded"):
            body = b""
            while True:
                message = await receive()
                replay.append(message)
                if message["type"] != "http.request":
                    break
                body += message.get("body", b"")
                if len(body) > MAX_FORM:
                    await PlainTextResponse("Request too large", 413)(scope, receive, send)
                    return
                if not message.get("more_body"):
                    break
            sent = (parse_qs(body.decode("utf-8", "replace")).get(FIELD) or [""])[0]
        if not expected or not sent or not hmac.compare_digest(expected, sent):
            await PlainTextResponse("CSRF token missing or wrong: reload the page and try again.", 403)(scope, receive, send)
            return
        if replay:
            pending = list(replay)

            async def replayed() -> Message:
                return pending.pop(0) if pending else await receive()

            await self.app(scope, replayed, send)
        else:
            await self.app(scope, receive, send)
