"""What every platform emulator shares: the control API for tests and the demo, and fault modes.

A platform emulator subclasses `Emulator`, adds its real API routes in `add_routes`, stores its
own data, and says how the real platform shapes each fault (`fault_response`). The control API
lives under `/_control/` so it never collides with a platform path:

- `POST /_control/inject`  JSON {kind, text, author_name, author_handle, author_id, followers,
  parent, created_at, ...}: add a comment/mention/review; answers {"external_id": ...}.
- `POST /_control/fault`   JSON {mode, count?, retry_after?, delay?, target?}: switch a fault on
  (count = how many API requests it affects, absent = until switched off; target = "reads"
  (GET/HEAD), "writes" (any other method) or "all", the default).
- `DELETE /_control/fault`: switch faults off.
- `GET /_control/state`: what the emulator holds (replies received, hidden ids, request count,
  and the fault: mode, target, requests it still affects, requests it hit so far).
- `POST /_control/reset`: forget everything injected (OAuth grants and tokens are kept).

An emulator of a platform with OAuth (`oauth_capable`) also carries an authorization server
(emulators/oauth.py) with its own client (options client_id / client_secret, default
demo-<platform>-client / demo-<platform>-secret). Its API routes then accept, besides the static
`token`, every access token that server issued while it is unexpired and unrevoked; an expired or
revoked one gets the platform's own error (`token_error`). Its control API adds:

- `POST /_control/clock`   JSON {"advance_seconds": N}: move the OAuth clock (codes and tokens
  expire as they would); answers {"now": ISO-8601}.
- `POST /_control/revoke`: revoke every grant (refresh answers invalid_grant, the API 401 or the
  platform's equivalent); answers {"revoked": n}.
- `GET /_control/state` gains "oauth": {clients, grants, codes_issued, tokens_issued, refreshes,
  clock_offset_seconds, now, subscriptions}.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from emulators import oauth_consent
from emulators.oauth import OAuthServer, Token

# Where an app keeps its Emulator, for code that holds only the app.
EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")

FAULT_MODES = ("rate_limit", "server_error", "slow", "timeout", "malformed", "expired_token", "quota")
FAULT_TARGETS = ("all", "reads", "writes")
# Where the middleware leaves the OAuth token an API request carried (absent: the static token).
OAUTH_TOKEN: web.RequestKey[Token] = web.RequestKey("oauth_token", Token)
_READS = ("GET", "HEAD")


@dataclass
class Fault:
    """A fault switched on through the control API."""

    mode: str
    count: int | None = None  # None: until switched off
    retry_after: int = 2
    delay: float = 1.0
    target: str = "all"
    hits: int = 0  # requests this fault has answered so far

    def applies_to(self, method: str) -> bool:
        """Whether a request with this method is one the fault targets."""
        if self.target == "reads":
            return method in _READS
        if self.target == "writes":
            return method not in _READS
        return True

    def describe(self) -> dict[str, Any]:
        """The fault as GET /_control/state shows it."""
        return {"mode": self.mode, "target": self.target, "remaining": self.count, "hits": self.hits}


class Emulator:
    """Base of one platform's emulator: control API, fault injection, token check, ids."""

    platform = ""
    control_prefix = "/_control"
    oauth_capable = False  # True: the emulator carries an OAuth server (see the module docstring)

    def __init__(self, token: str = "demo-token", id_offset: int = 0, **options: Any) -> None:
        self.token = token
        # Ids start higher on every demo run (the demo passes a clock-based offset): the store
        # keeps the last run's items and cursors, so new ids must neither collide nor go back.
        self.id_offset = id_offset
        self.options = options
        self.fault: Fault | None = None
        # The last fault switched on, kept after it is spent or switched off: its counts stay readable.
        self.last_fault: Fault | None = None
        self.requests = 0
        self.replies: list[dict[str, Any]] = []
        self.hidden: set[str] = set()
        self._ids = itertools.count(1_000_001 + id_offset)
        self.oauth: OAuthServer | None = (
            OAuthServer(self.platform, options.get("client_id"), options.get("client_secret"))
            if self.oauth_capable else None
        )
        # Routes that take no access token (authorize, token endpoints): resource -> faults apply.
        self._open: dict[Any, bool] = {}

    # -- override points -------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        """Register the platform's API routes."""

    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add an item from the control API; return at least {"external_id": ...}."""
        raise web.HTTPNotImplemented(text=f"{self.platform} emulator takes no injections")

    def reset(self) -> None:
        """Forget injected data."""
        self.replies.clear()
        self.hidden.clear()

    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """The platform's own answer for a fault (status, headers and error body)."""
        return generic_fault_response(fault)

    def token_of(self, request: web.Request) -> str | None:
        """The access token the request carries (Bearer header by default)."""
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            return auth[len("Bearer ") :]
        return request.query.get("access_token") or request.query.get("key")

    async def presented_token(self, request: web.Request) -> str | None:
        """The access token of a request, where the platform may also take it from the body."""
        return self.token_of(request)

    def auth_error(self) -> web.StreamResponse:
        """The platform's answer to a missing or wrong token."""
        return web.json_response({"error": "unauthorized"}, status=401)

    def state(self) -> dict[str, Any]:
        """Extra state for GET /_control/state."""
        return {}

    async def settle(self) -> None:
        """Wait for what an injection set off (webhook deliveries) before the control API answers."""

    def add_oauth_routes(self, app: web.Application) -> None:
        """Register the OAuth endpoints (before `add_routes`, whose catch-alls would shadow them)."""

    def add_control_routes(self, app: web.Application) -> None:
        """Register platform-specific control routes under `control_prefix`."""

    def token_error(self, reason: str, token: Token | None) -> web.StreamResponse:
        """The platform's answer to an issued token that is expired or revoked (`reason`)."""
        return self.auth_error()

    # -- OAuth helpers for the platform modules --------------------------------------------
    def add_open_route(self, app: web.Application, method: str, path: str, handler: Any, faults: bool = True) -> None:
        """A route that takes no access token; `faults`: the control API's faults still apply
        (token endpoints: a refresh can meet a 500 or a 429 as on the real platform)."""
        route = app.router.add_route(method, path, handler)
        self._open[route.resource] = faults

    def oauth_token(self, request: web.Request) -> Token | None:
        """The issued token the request carries (None: the static token, which may do anything)."""
        token: Token | None = request.get(OAUTH_TOKEN)
        return token

    def lacks(self, request: web.Request, *any_of: str) -> bool:
        """Whether the request's issued token holds none of these scopes."""
        token = self.oauth_token(request)
        return token is not None and not set(any_of) & set(token.scopes)

    # -- shared machinery ------------------------------------------------------------------
    def next_id(self) -> str:
        """A fresh numeric id, unique within this emulator."""
        return str(next(self._ids))

    def create_app(self) -> web.Application:
        """The aiohttp application: platform routes behind the fault middleware, plus control."""
        app = web.Application(middlewares=[self._middleware], client_max_size=2**20)
        app[EMULATOR_KEY] = self
        app.router.add_post(f"{self.control_prefix}/inject", self._control_inject)
        app.router.add_post(f"{self.control_prefix}/fault", self._control_fault_on)
        app.router.add_delete(f"{self.control_prefix}/fault", self._control_fault_off)
        app.router.add_get(f"{self.control_prefix}/state", self._control_state)
        app.router.add_post(f"{self.control_prefix}/reset", self._control_reset)
        if self.oauth is not None:
            app.router.add_post(f"{self.control_prefix}/clock", self._control_clock)
            app.router.add_post(f"{self.control_prefix}/revoke", self._control_revoke)
            self.add_open_route(app, "GET", oauth_consent.CSS_PATH, oauth_consent.css, faults=False)
        self.add_control_routes(app)
        self.add_oauth_routes(app)
        self.add_routes(app)
        return app

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path.startswith(self.control_prefix):
            return await handler(request)
        open_faults = self._open.get(request.match_info.route.resource)
        if open_faults is False:  # the consent page: a browser page, never faulted nor counted
            return await handler(request)
        self.requests += 1
        fault = self._take_fault(request.method)
        if fault is not None:
            if fault.mode == "slow":
                await asyncio.sleep(fault.delay)
            elif fault.mode == "timeout":
                await asyncio.sleep(3600)
            elif fault.mode == "malformed":
                return web.Response(text='{"data": [{"id": "1", "message": "trunc', content_type="application/json")
            else:
                return self.fault_response(fault)
        if open_faults is not None:
            return await handler(request)
        presented = await self.presented_token(request)
        if self.token and presented == self.token:
            return await handler(request)
        if self.oauth is not None and presented:
            status, token = self.oauth.status(presented)
            if status == "ok" and token is not None:
                request[OAUTH_TOKEN] = token
                return await handler(request)
            if status in ("expired", "revoked"):
                return self.token_error(status, token)
        if self.token:
            return self.auth_error()
        return await handler(request)

    def _take_fault(self, method: str) -> Fault | None:
        fault = self.fault
        if fault is None or not fault.applies_to(method):
            return None
        fault.hits += 1
        if fault.count is not None:
            fault.count -= 1
            if fault.count <= 0:
                self.fault = None
        return fault

    async def _control_inject(self, request: web.Request) -> web.Response:
        payload = await request.json()
        answer = self.inject(payload)
        await self.settle()
        return web.json_response(answer)

    async def _control_fault_on(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
            if not isinstance(payload, dict):
                raise ValueError("a JSON object")
            fault = Fault(
                mode=str(payload.get("mode")),
                count=None if payload.get("count") is None else int(payload["count"]),
                retry_after=int(payload.get("retry_after", 2)),
                delay=float(payload.get("delay", 1.0)),
                target=payload.get("target") or "all",
            )
        except (ValueError, TypeError) as exc:
            return web.json_response({"error": f"a fault is a JSON object of mode, count, retry_after, delay, target: {exc}"},
                                     status=400)
        if fault.mode not in FAULT_MODES:
            return web.json_response({"error": f"unknown fault mode {fault.mode!r}", "modes": FAULT_MODES}, status=400)
        if fault.target not in FAULT_TARGETS:
            return web.json_response({"error": f"unknown fault target {fault.target!r}", "targets": FAULT_TARGETS}, status=400)
        self.fault = self.last_fault = fault
        return web.json_response({"fault": fault.mode, "target": fault.target})

    async def _control_fault_off(self, request: web.Request) -> web.Response:
        self.fault = None
        return web.json_response({"fault": None})

    async def _control_state(self, request: web.Request) -> web.Response:
        body = {
            "platform": self.platform,
            "requests": self.requests,
            "replies": self.replies,
            "hidden": sorted(self.hidden),
            "fault": self.fault.mode if self.fault else None,
            "fault_detail": self.last_fault.describe() if self.last_fault else None,
        }
        body.update(self.state())
        if self.oauth is not None:
            body["oauth"] = self.oauth.state()
        return web.Response(text=json.dumps(body, default=str), content_type="application/json")

    async def _control_clock(self, request: web.Request) -> web.Response:
        try:
            payload = await request.json()
            seconds = float(payload["advance_seconds"])
            if seconds != seconds or abs(seconds) > 10 * 365 * 86400:  # NaN or beyond ten years
                raise ValueError("out of range")
        except (ValueError, TypeError, KeyError) as exc:
            return web.json_response({"error": f"the clock takes a JSON object {{\"advance_seconds\": N}}: {exc}"},
                                     status=400)
        assert self.oauth is not None
        return web.json_response({"now": self.oauth.advance(seconds).isoformat()})

    async def _control_revoke(self, request: web.Request) -> web.Response:
        assert self.oauth is not None
        return web.json_response({"revoked": self.oauth.revoke_all()})

    async def _control_reset(self, request: web.Request) -> web.Response:
        self.reset()
        self.fault = self.last_fault = None
        return web.json_response({"reset": True})


def generic_fault_response(fault: Fault) -> web.Response:
    """A plain HTTP rendering of a fault for platforms without their own error shape."""
    if fault.mode == "rate_limit":
        return web.json_response(
            {"error": "rate limited"}, status=429, headers={"Retry-After": str(fault.retry_after)}
        )
    if fault.mode == "expired_token":
        return web.json_response({"error": "token expired"}, status=401)
    if fault.mode == "quota":
        return web.json_response({"error": "quota exceeded"}, status=403)
    return web.json_response({"error": "internal error"}, status=500)


async def serve(app: web.Application, host: str = "127.0.0.1", port: int = 0) -> tuple[web.AppRunner, str]:
    """Start `app` on host:port (0 = any free port); return the runner and its base URL."""
    # A "timeout" fault holds its request for an hour: do not wait for it when stopping.
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = runner.addresses[0][1] if runner.addresses else port
    return runner, f"http://{host}:{bound}"
