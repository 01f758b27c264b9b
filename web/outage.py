"""While PostgreSQL is away (restarting, failing over): 503 with Retry-After, never a 500.

The browser's API helper waits and retries on 503 with a "Reconnexion…" notice, so a staff
member sees the inbox pause, not an error page; pages answer a short page that reloads itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from web.i18n import current_lang
from web.i18n import gettext as _

RETRY_AFTER_SECONDS = 5

# What asyncpg raises when the server is unreachable, restarting or shutting down (a connection
# cut in the middle of a query can also surface as an internal client error).
DATABASE_AWAY: tuple[type[Exception], ...] = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    ConnectionError,
)


async def database_away(request: Request, exc: Exception) -> Response:
    """The 503 a request gets when the database is away."""
    message = _("Jasette cannot reach its database right now; try again in a few seconds.")
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"error": message, "retry_after": RETRY_AFTER_SECONDS}, status_code=503, headers=headers)
    title = _("Reconnecting…")
    page = (
        f'<!doctype html><html lang="{current_lang.get()}"><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="{RETRY_AFTER_SECONDS}"><title>{title}</title></head>'
        f'<body><main role="status"><h1>{title}</h1><p>{message}</p></main></body></html>'
    )
    return HTMLResponse(page, status_code=503, headers=headers)


def handlers() -> dict[Any, Callable[[Request, Exception], Awaitable[Response]]]:
    """Starlette exception handlers for every kind of 'database away'."""
    return dict.fromkeys(DATABASE_AWAY, database_away)
