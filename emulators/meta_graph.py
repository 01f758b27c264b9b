"""Graph API machinery shared by the Facebook and Instagram emulators.

Error bodies (platform-apis.md 1.5), usage headers that climb with the last hour's calls and
decay as they age out, with throttling at 100 % (1.6, emulators/windows.py), `fields=`
lists with nested `{...}` expansion (1.9), cursor paging that survives deletions, and the
`+0000` timestamps of Graph answers. A Graph emulator also carries an OAuth server (Facebook
Login or Instagram Login, in facebook_oauth / instagram_oauth) and Meta's webhook sender
(meta_webhooks); issued tokens that expired or were revoked get code 190 (subcodes 463 / 460).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from emulators.base import Emulator, Fault
from emulators.bulk import inject_many
from emulators.meta_webhooks import WebhookSender
from emulators.oauth import Token
from emulators.windows import RollingUsage

VERSION = re.compile(r"^v\d+\.\d+$")


def graph_time(moment: datetime) -> str:
    """Graph's timestamp format: 2026-03-02T10:01:07+0000."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def graph_error(
    status: int,
    code: int,
    message: str,
    *,
    kind: str = "OAuthException",
    subcode: int | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error answer in Graph's shape."""
    error: dict[str, Any] = {"message": message, "type": kind, "code": code}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    return web.json_response({"error": error}, status=status, headers=headers)


def missing_object(object_id: str, method: str = "get") -> web.Response:
    """Graph's answer for an id that does not exist or cannot be reached."""
    return graph_error(
        400,
        100,
        f"Unsupported {method} request. Object with ID '{object_id}' does not exist, cannot be loaded due "
        "to missing permissions, or does not support this operation.",
        kind="GraphMethodException",
        subcode=33,
    )


def fault_response(fault: Fault, object_id: str, use_case: str) -> web.Response:
    """A fault as Graph shows it: throttle codes with usage headers, 190 for tokens, code 2."""
    if fault.mode == "rate_limit":
        return throttled(object_id, use_case, max(1, -(-fault.retry_after // 60)))
    if fault.mode == "expired_token":
        return graph_error(
            400,
            190,
            "Error validating access token: Session has expired on Monday, 02-Mar-26 10:00:00 PST.",
            subcode=463,
        )
    if fault.mode == "quota":
        return graph_error(400, 4, "(#4) Application request limit reached")
    return graph_error(500, 2, "An unexpected error has occurred. Please retry your request later.")


def throttled(object_id: str, use_case: str, minutes: int) -> web.Response:
    """Graph's answer once a use case's usage reached 100 %: its throttle code and the wait."""
    headers = {
        "X-Business-Use-Case-Usage": json.dumps(
            {
                object_id: [
                    {
                        "type": use_case,
                        "call_count": 100,
                        "total_cputime": 12,
                        "total_time": 15,
                        "estimated_time_to_regain_access": minutes,
                    }
                ]
            }
        ),
        "X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 10, "total_time": 12}),
    }
    code = 32 if use_case == "pages" else 80002
    return graph_error(400, code, f"(#{code}) Request limit reached", headers=headers)


def invalid_token() -> web.Response:
    """Graph's answer to a missing or wrong access token."""
    return graph_error(400, 190, "Invalid OAuth access token - Cannot parse access token")


def token_error(reason: str, token: Token | None) -> web.Response:
    """Code 190 for an issued token: 463 expired, 460 invalidated (the grant was revoked)."""
    if reason == "expired" and token is not None and token.expires is not None:
        ended = token.expires.strftime("%A, %d-%b-%y %H:%M:%S UTC")
        return graph_error(400, 190, f"Error validating access token: Session has expired on {ended}.", subcode=463)
    return graph_error(400, 190, "Error validating access token: The session has been invalidated because the user "
                                 "changed their password or Facebook has changed the session for security reasons.",
                       subcode=460)


def permission_error(code: int, message: str) -> web.Response:
    """Graph's answer to a token without the permission (code 10) or the right (code 200) an edge needs."""
    return graph_error(403, code, message)


def add_versioned_route(emulator: Emulator, app: web.Application, method: str, path: str, handler: Any,
                        faults: bool = True) -> None:
    """An open route at `path` and at `/vNN.N/path`, as Graph serves every path."""
    emulator.add_open_route(app, method, path, handler, faults)
    emulator.add_open_route(app, method, r"/{version:v\d+\.\d+}" + path, handler, faults)


def usage_headers(pct: int, object_id: str, use_case: str) -> dict[str, str]:
    """Usage percentages of the last hour's budget (they appear past a few percent)."""
    if pct < 1:
        return {}
    return {
        "X-App-Usage": json.dumps({"call_count": pct, "total_cputime": pct // 2, "total_time": pct // 2}),
        "X-Business-Use-Case-Usage": json.dumps(
            {
                object_id: [
                    {
                        "type": use_case,
                        "call_count": pct,
                        "total_cputime": pct // 2,
                        "total_time": pct // 2,
                        "estimated_time_to_regain_access": 0,
                    }
                ]
            }
        ),
    }


def parse_fields(spec: str | None) -> dict[str, Any]:
    """`a,b{c,d},e.limit(5){f}` as {"a": None, "b": {"c": None, "d": None}, "e": {"f": None}}."""
    fields: dict[str, Any] = {}
    if not spec:
        return fields
    depth, start = 0, 0
    parts: list[str] = []
    for index, char in enumerate(spec):
        if char in "{(":
            depth += 1
        elif char in "})":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(spec[start:index])
            start = index + 1
    parts.append(spec[start:])
    for part in (p.strip() for p in parts):
        if not part:
            continue
        name = re.split(r"[.{(]", part, maxsplit=1)[0]
        brace = part.find("{")
        fields[name] = parse_fields(part[brace + 1 : part.rfind("}")]) if brace >= 0 else None
    return fields


def select(obj: dict[str, Any], fields: dict[str, Any], default: Iterable[str]) -> dict[str, Any]:
    """Keep the requested fields of `obj` (Graph returns `default` when none are asked)."""
    wanted = fields or {name: None for name in default}
    out: dict[str, Any] = {}
    for name, sub in wanted.items():
        if name not in obj or obj[name] is None:
            continue
        value = obj[name]
        if sub and isinstance(value, dict) and isinstance(value.get("data"), list):
            value = {**value, "data": [select(v, sub, sub) for v in value["data"]]}
        elif sub and isinstance(value, dict):
            value = select(value, sub, sub)
        out[name] = value
    if "id" in obj:
        out.setdefault("id", obj["id"])
    return out


def encode_cursor(key: tuple[Any, ...]) -> str:
    """An opaque cursor holding an entry's sort key, so it stays valid when entries are deleted."""
    return base64.urlsafe_b64encode(json.dumps(list(key)).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[Any, ...] | None:
    """The sort key of a cursor, or None when it is not one of ours."""
    try:
        return tuple(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
    except (ValueError, json.JSONDecodeError):
        return None


def cursor_page(
    request: web.Request,
    entries: list[Any],
    key: Callable[[Any], tuple[Any, ...]],
    descending: bool,
    default_limit: int = 25,
    max_limit: int = 100,
) -> tuple[list[Any], dict[str, Any]] | web.Response:
    """One page of `entries` (already sorted) by `after`/`before` cursors, and its `paging`."""
    try:
        limit = min(max_limit, max(1, int(request.query.get("limit", default_limit))))
    except ValueError:
        return graph_error(400, 100, "(#100) The parameter limit must be an integer", kind="OAuthException")
    after, before = request.query.get("after"), request.query.get("before")

    def beyond(entry: Any, mark: tuple[Any, ...]) -> bool:
        return key(entry) < mark if descending else key(entry) > mark

    if after:
        mark = decode_cursor(after)
        if mark is None:
            return graph_error(400, 100, "(#100) The after parameter is not a valid cursor")
        entries = [e for e in entries if beyond(e, mark)]
        window = entries[:limit]
        has_before, has_after = True, len(entries) > limit
    elif before:
        mark = decode_cursor(before)
        if mark is None:
            return graph_error(400, 100, "(#100) The before parameter is not a valid cursor")
        entries = [e for e in entries if not beyond(e, mark) and key(e) != mark]
        window = entries[-limit:]
        has_before, has_after = len(entries) > limit, True
    else:
        window = entries[:limit]
        has_before, has_after = False, len(entries) > limit
    paging: dict[str, Any] = {}
    if window:
        paging["cursors"] = {"before": encode_cursor(key(window[0])), "after": encode_cursor(key(window[-1]))}
        base = dict(request.query)
        base.pop("after", None)
        base.pop("before", None)
        url = str(request.url.with_query(None))
        if has_after:
            paging["next"] = url + "?" + urlencode({**base, "limit": str(limit), "after": paging["cursors"]["after"]})
        if has_before:
            paging["previous"] = (
                url + "?" + urlencode({**base, "limit": str(limit), "before": paging["cursors"]["before"]})
            )
    return window, paging


async def params_of(request: web.Request) -> dict[str, str]:
    """Query, form and JSON parameters of a Graph call merged (Graph takes all three)."""
    params = dict(request.query)
    if request.body_exists:  # the middleware may have read it already (access_token in a form)
        if request.content_type == "application/json":
            try:
                body = await request.json()
            except json.JSONDecodeError:
                body = {}
            if isinstance(body, dict):
                params.update({k: v if isinstance(v, str) else json.dumps(v) for k, v in body.items()})
        else:
            params.update({k: str(v) for k, v in (await request.post()).items()})
    return params


def split_path(tail: str) -> list[str]:
    """Path segments without the optional version prefix (`/v25.0/...` or `/...`)."""
    segments = [s for s in tail.split("/") if s]
    if segments and VERSION.match(segments[0]):
        segments = segments[1:]
    return segments


class GraphEmulator(Emulator):
    """Base of a Graph emulator: ids as paths behind one catch-all route, Graph's own faults,
    code 190 for a bad token, and usage headers on every answer."""

    use_case = ""  # the use case the usage headers and fault bodies name ("pages", "instagram")
    usage_budget = 5000
    held = "object"  # what `edit` and `delete` can name, for the 404 of the control API
    clock: Callable[[], datetime]
    oauth_capable = True
    webhook_object = ""  # the `object` of this emulator's webhook envelopes ("page", "instagram")

    def __init__(self, token: str = "demo-token", webhook_url: str | None = None, **options: Any) -> None:
        super().__init__(token=token, **options)
        assert self.oauth is not None
        self.webhooks = WebhookSender(self.webhook_object, self.oauth, webhook_url)

    async def presented_token(self, request: web.Request) -> str | None:
        """Graph also takes access_token as a form field of a POST."""
        found = self.token_of(request)
        if found is None and request.method == "POST" and request.content_type == "application/x-www-form-urlencoded":
            value = (await request.post()).get("access_token")
            found = str(value) if value is not None else None
        return found

    def token_error(self, reason: str, token: Token | None) -> web.StreamResponse:
        """Code 190, as Graph answers an expired or invalidated token."""
        return token_error(reason, token)

    def add_control_routes(self, app: web.Application) -> None:
        """POST /_control/webhook: where the webhook sender delivers."""
        app.router.add_post(f"{self.control_prefix}/webhook", self.webhooks.control)

    async def settle(self) -> None:
        """Let webhook deliveries of an injection finish before the control API answers."""
        await self.webhooks.settle()

    _usage: RollingUsage | None = None

    def now(self) -> datetime:
        """The emulator's time: usage decays and new items are stamped by it (a test may move it)."""
        return self.clock()

    @property
    def usage(self) -> RollingUsage:
        """Calls over the last hour against the hourly budget, decaying minute by minute (1.6)."""
        if self._usage is None:
            self._usage = RollingUsage(self.usage_budget, self.now)
        return self._usage

    def reset(self) -> None:
        """Forget injected data and the usage of the last hour."""
        super().reset()
        self.usage.forget()

    @property
    def owner_id(self) -> str:
        """The id of the Page or account whose calls the usage headers count."""
        return ""

    def answer(self, request: web.Request, segments: list[str], params: dict[str, str]) -> web.Response | None:
        """The answer of the Graph path `segments`, or None where Graph has no such object."""
        return None

    # -- control API: `edit`/`delete` name an object, anything else adds one (`count` of them) --
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, self.clock())
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        if "edit" in payload or "delete" in payload:
            target = str(payload.get("edit") or payload.get("delete"))
            entry = self.find(target)
            if entry is None:
                raise web.HTTPNotFound(text=f"no {self.held} {target}")
            if "delete" in payload:
                self.delete(target)
            else:
                self.retext(target, entry, str(payload.get("text", "")))
            return {"external_id": target}
        return self.add(payload)

    def find(self, object_id: str) -> dict[str, Any] | None:
        """The object the control API may edit or delete, if held."""
        return None

    def retext(self, object_id: str, entry: dict[str, Any], text: str) -> None:
        """Give a held object new text, as its author's edit would."""

    def delete(self, object_id: str) -> None:
        """Forget a held object and what hangs from it."""

    def add(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add one item from the control API; return at least {"external_id": ...}."""
        return super().inject(payload)

    # -- Graph API -------------------------------------------------------------------------------
    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults the way Graph answers them (rate limits with usage headers, 190/463, code 2)."""
        return fault_response(fault, self.owner_id, self.use_case)

    def auth_error(self) -> web.StreamResponse:
        """Graph's code 190 for a missing or wrong token."""
        return invalid_token()

    def add_routes(self, app: web.Application) -> None:
        """One catch-all route: Graph paths are ids, with or without a version prefix."""
        app.router.add_route("*", "/{tail:.*}", self._dispatch)

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        if self.usage.exhausted():  # throttled until enough of the last hour's calls age out
            return throttled(self.owner_id, self.use_case, self.usage.minutes_to_regain())
        self.usage.record()
        segments = split_path(request.match_info["tail"])
        response = self.answer(request, segments, await params_of(request))
        if response is None:
            response = missing_object("/".join(segments) or "/", request.method.lower())
        response.headers.update(usage_headers(self.usage.percent(), self.owner_id, self.use_case))
        return response
