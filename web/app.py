"""The web inbox application: middleware, routes, the live hub in the lifespan."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from inbox import sessions
from inbox.credentials import Vault, session_key
from web import (
    api_bulk,
    api_items,
    api_replies,
    export,
    i18n,
    metrics,
    openapi,
    outage,
    routes_account,
    routes_alerts,
    routes_app,
    routes_auth,
    routes_connect,
    routes_connections,
    routes_inbox,
    routes_invite,
    routes_push,
    routes_reports,
    routes_reset,
    routes_rules,
    routes_settings,
    routes_setup,
    routes_team,
    routes_twofactor,
)
from web.body_limit import BodyLimit
from web.csrf import CSRFMiddleware
from web.i18n import LanguageMiddleware
from web.live import Hub
from web.security import SecurityHeaders
from web.settings import Settings

log = logging.getLogger(__name__)
SESSION_COOKIE = "jasette_session"
SESSION_DAYS = sessions.SESSION_DAYS


def _extra_prefixes(routes: list[BaseRoute]) -> tuple[str, ...]:
    prefixes = []
    for route in routes:
        path = getattr(route, "path", "")
        # "/webhooks/meta/{x}" is exempt from its first parameter on.
        prefixes.append(path.split("{", 1)[0] or "/")
    return tuple(p for p in prefixes if p != "/")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    if exc.status_code == 401 and request.method == "GET":
        return RedirectResponse("/login", status_code=303)
    return PlainTextResponse(str(exc.detail), status_code=exc.status_code, headers=exc.headers)


async def _data_error(request: Request, exc: Exception) -> Response:
    # A backstop: web/input.py checks what routes read, so reaching here means a check is
    # missing. Still the client's value, not the server's fault: 400, logged to be fixed.
    log.warning("bad input reached PostgreSQL on %s %s: %s", request.method, request.url.path, exc)
    return await _http_error(request, HTTPException(400, i18n.gettext("A value in the request is out of range or cannot be stored.")))


def create_app(settings: Settings, pool: asyncpg.Pool, vault: Vault, *, dsn: str,
               extra_routes: list | None = None) -> Starlette:
    """The inbox app on a pool; `dsn` opens the LISTEN connection; extra_routes are signed webhooks."""
    if not settings.secret_key:
        raise ValueError("JASETTE_SECRET_KEY is required: it signs sessions")
    hub = Hub(pool, dsn)
    extra = list(extra_routes or [])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await hub.start()
        try:
            yield
        finally:
            await hub.stop()

    routes: list[BaseRoute] = [
        *routes_auth.routes, *routes_setup.routes, *routes_inbox.routes, *routes_account.routes, *routes_settings.routes,
        *routes_connect.routes, *routes_team.routes, *routes_invite.routes, *routes_reset.routes, *routes_twofactor.routes,
        *routes_connections.routes, *routes_rules.routes, *routes_reports.routes,
        *api_replies.routes, *api_bulk.routes, *api_items.routes, *openapi.routes, *routes_app.routes, *routes_push.routes,
        WebSocketRoute("/ws", hub.serve),
        Route("/healthz", lambda request: PlainTextResponse("ok")),
        # Browsers and feed readers ask for /favicon.ico whatever the page links: point them at the SVG.
        Route("/favicon.ico", lambda request: RedirectResponse("/static/favicon.svg", status_code=301)),
        Mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static"),
        *routes_alerts.routes,
        *export.routes,
        *metrics.routes,
        *extra,
    ]
    middleware = [
        Middleware(SecurityHeaders, https=settings.https),
        # Before anything reads a body (the CSRF check reads forms): bounded while streaming.
        Middleware(BodyLimit),
        Middleware(SessionMiddleware, secret_key=session_key(settings.secret_key), session_cookie=SESSION_COOKIE,
                   max_age=SESSION_DAYS * 86400, same_site="lax", https_only=settings.https),
        Middleware(LanguageMiddleware),
        Middleware(CSRFMiddleware, exempt=_extra_prefixes(extra)),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error, asyncpg.DataError: _data_error, **outage.handlers()})
    app.state.settings = settings
    app.state.pool = pool
    app.state.vault = vault
    app.state.hub = hub
    return app


def route_paths(app: Any) -> list[str]:
    """Every HTTP route path of the app (tests check each one for brand isolation)."""
    return [r.path for r in app.routes if isinstance(r, Route)]
