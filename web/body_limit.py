"""Request bodies are bounded while they stream in, on every route (issue 13, finding 5).

A declared Content-Length over the limit is refused before anything is read; a body that grows
past the limit (chunked, or lying about its length) is refused once the limit is crossed, so an
anonymous POST can never make the server hold more than the limit in memory. Refusals are 413.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.i18n import gettext

# The largest legitimate bodies (a reply, a saved reply, a settings form, a Meta delivery) are a
# few kilobytes; one mebibyte leaves room and bounds the worst case.
MAX_BODY = 2**20
TOO_LARGE = "Request body too large"


class BodyTooLarge(HTTPException):
    """The body crossed the limit while streaming (Starlette answers it 413)."""

    def __init__(self) -> None:
        super().__init__(413, TOO_LARGE)


class BodyLimit:
    """ASGI middleware: 413 for any HTTP request whose body exceeds `limit` bytes."""

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.limit:
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge()
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            # Whatever layer read the body let the refusal through: answer it here if we still can.
            if not started:
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Connection: close, so the server does not read the rest of the body to reuse the socket.
        # This runs before the session is read, so the message is in the default language.
        headers = {"Connection": "close"}
        message = gettext("The request is too large.")
        response: Response = (
            JSONResponse({"error": message}, status_code=413, headers=headers)
            if scope.get("path", "").startswith("/api/")
            else PlainTextResponse(message, status_code=413, headers=headers)
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
