"""Meta's Graph API as Facebook Pages and Instagram share it: calls, errors, usage, paging.

Errors are branched on `error.code`, not the HTTP status (platform-apis.md 1.5); usage comes
from the JSON headers of section 1.6; paging tokens keep only the `next` URL's query without the
access token, so no secret ever lands in a saved cursor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import aiohttp

from collector.base import AuthFailed, FetchFailed, PermissionMissing, RateLimited, Refused
from collector.wire import Response, check_json, request, retry_after_seconds
from inbox import netguard

# Section 1.5: which error codes mean what.
AUTH_CODES = {102, 190}
PERMISSION_CODES = {10} | set(range(200, 300))
THROTTLE_CODES = {4, 17, 32, 613, 80001, 80002, 341}
TRANSIENT_CODES = {1, 2}
DEFAULT_THROTTLE_WAIT = 300.0  # section 1.5: back off at least 5 minutes when Meta gives no hint


class GraphError(FetchFailed):
    """A Graph error that is neither auth, throttle nor transient (e.g. code 100: object gone).

    Callers catch it where one object can be dropped; elsewhere it reaches the poller as FetchFailed.
    """

    def __init__(self, message: str, code: int | None, subcode: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.subcode = subcode


def usage_of(headers: Mapping[str, str]) -> dict[str, Any]:
    """The percentages of X-App-Usage / X-Business-Use-Case-Usage, and minutes to regain access."""
    usage: dict[str, Any] = {}
    app = _json_header(headers.get("X-App-Usage"))
    if isinstance(app, dict):
        usage["app_usage_pct"] = max((v for v in app.values() if isinstance(v, (int, float))), default=0)
    buc = _json_header(headers.get("X-Business-Use-Case-Usage"))
    if isinstance(buc, dict):
        pct: float = 0
        regain: float = 0
        for entries in buc.values():
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict):
                    continue
                for key in ("call_count", "total_cputime", "total_time"):
                    value = entry.get(key)
                    if isinstance(value, (int, float)):
                        pct = max(pct, value)
                value = entry.get("estimated_time_to_regain_access")
                if isinstance(value, (int, float)):
                    regain = max(regain, value)
        usage["business_usage_pct"] = pct
        usage["regain_access_minutes"] = regain
    return usage


def _json_header(value: str | None) -> Any:
    if not value:
        return None
    try:
        # NaN and Infinity (which Python's reader accepts) would make the usage unstorable as jsonb.
        return json.loads(value, parse_constant=lambda _: None)
    except json.JSONDecodeError:
        return None


def raise_for_error(resp: Response, now: datetime, *, writing: bool = False) -> None:
    """Turn a Graph error answer into the collector errors; return quietly on success."""
    check_json(resp)
    body = resp.body
    error = body.get("error") if isinstance(body, dict) else None
    if resp.status < 400 and error is None:
        if not isinstance(body, (dict, list)):
            raise FetchFailed(f"Graph API answered HTTP {resp.status} with no JSON object")
        return
    if not isinstance(error, dict):
        if resp.status == 401:
            raise AuthFailed(f"Graph API refused the token (HTTP {resp.status})")
        if resp.status == 429:
            raise RateLimited("Graph API rate limit (HTTP 429)", retry_after_seconds(resp.headers, now))
        raise FetchFailed(f"Graph API HTTP {resp.status} without an error object")
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    message = str(error.get("message") or "Graph API error")
    detail = f"Graph API error {code}" + (f"/{subcode}" if subcode else "") + f": {message}"
    if writing and code in PERMISSION_CODES and resp.status != 401:
        # Section 1.5: a missing permission (pages_manage_engagement...) fails this reply or hide
        # with Meta's words; the Page keeps being read with the token that reads it.
        raise PermissionMissing(detail)
    if code in AUTH_CODES or code in PERMISSION_CODES or resp.status == 401:
        raise AuthFailed(detail)
    if code in THROTTLE_CODES or resp.status == 429:
        raise RateLimited(detail, throttle_wait(resp.headers, now))
    if code in TRANSIENT_CODES or error.get("is_transient") or resp.status >= 500:
        raise FetchFailed(detail)
    if writing:
        raise Refused(detail)
    raise GraphError(detail, code, subcode)


def throttle_wait(headers: Mapping[str, str], now: datetime) -> float:
    """Seconds to wait after a throttle error: Retry-After, else the usage header's minutes."""
    after = retry_after_seconds(headers, now)
    if after is not None:
        return after
    minutes = usage_of(headers).get("regain_access_minutes") or 0
    return float(minutes * 60) if minutes > 0 else DEFAULT_THROTTLE_WAIT


def next_token(body: Mapping[str, Any]) -> str | None:
    """The query of `paging.next` without the access token (None on the last page)."""
    paging = body.get("paging")
    if not isinstance(paging, dict) or not isinstance(paging.get("next"), str):
        return None
    query = [
        (k, v) for k, v in parse_qsl(urlsplit(paging["next"]).query, keep_blank_values=True) if k != "access_token"
    ]
    return json.dumps(query)


def token_params(token: str | None) -> dict[str, str]:
    """Query parameters stored by `next_token`, back as a dict."""
    return dict(json.loads(token)) if token else {}


def entries_of(body: Any, what: str) -> list[Any]:
    """The `data` list of an edge answer; FetchFailed when the answer has none."""
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, list):
        raise FetchFailed(f"Graph API answer for {what} has no data list")
    return data


# The version rides in the root (platform-apis.md 1): an account may pin another in base_url.
DEFAULT_BASE_URL = "https://graph.facebook.com/v25.0"


# The Graph API's own host: an answer from any other host proves nothing about a Page.
# graph.instagram.com serves accounts connected with Instagram Login (platform-apis.md 2).
GRAPH_HOSTS = ("graph.facebook.com", "graph.instagram.com")


def _trusted(base_url: str, policy: netguard.Policy) -> bool:
    parts = urlsplit(base_url)
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme == "https" and host in GRAPH_HOSTS:
        return True
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return False
    # An emulator or proxy the administrator listed in JASETTE_ALLOWED_HOSTS (the demo's, the tests').
    return policy.lists(host, port)


def _linked_instagram(page: Mapping[str, Any]) -> str | None:
    """The Instagram account id a Page node links (`instagram_business_account{id}`), if any."""
    linked = page.get("instagram_business_account")
    return str(linked.get("id")) if isinstance(linked, dict) and linked.get("id") is not None else None


class GraphClient:
    """Calls one Graph API root with one access token."""

    @classmethod
    def for_account(cls, account: Any, session: aiohttp.ClientSession, clock: Any) -> GraphClient:
        """The client of a Facebook Page or Instagram account connection."""
        token = str(account.credentials.get("access_token", ""))
        return cls(session, account.base_url or DEFAULT_BASE_URL, token, clock)

    def __init__(self, session: aiohttp.ClientSession, base_url: str, token: str, clock: Any) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.clock = clock
        self.usage: dict[str, Any] = {}

    async def names(self, path: str, object_id: str) -> bool:
        """True when GET `path`?fields=id, with this token, answers the object `object_id`.

        The proof an account owns what it names (see Collector.prove_access); only the Graph API
        itself can give it, so it counts only on Graph's own host or one the administrator allowed.
        """
        if not _trusted(self.base_url, netguard.policy_of(self.session)):
            return False
        body = await self.call("GET", path, {"fields": "id"})
        return isinstance(body, dict) and str(body.get("id") or "") == object_id

    async def leads_to_instagram(self, user_id: str) -> bool:
        """True when this token itself leads to the Instagram account `user_id`, not merely reads it.

        Reading an account's id proves little: a token with broad public-content access reads any
        business account. What proves the grant is where the token's own `/me` leads, for each of
        Meta's three kinds of token (platform-apis.md 2):
        - a Page token (Instagram API with Facebook Login): `/me` is the Page, and the Page's
          `instagram_business_account` must be this account;
        - an Instagram Login token (graph.instagram.com): `/me` is the account, `user_id` its id;
        - a Facebook user's token: one of the Pages it manages (`/me/accounts`) links this account.
        A field a kind of node does not have is Graph error 100 (GraphError), or is left out of the
        answer: either way the next kind is tried, and only a match proves anything.
        """
        if not _trusted(self.base_url, netguard.policy_of(self.session)):
            return False
        try:
            page = await self.call("GET", "me", {"fields": "id,instagram_business_account"})
            if isinstance(page, dict) and _linked_instagram(page) == user_id:
                return True
        except GraphError:
            pass
        try:
            account = await self.call("GET", "me", {"fields": "user_id"})
            if isinstance(account, dict) and str(account.get("user_id") or "") == user_id:
                return True
        except GraphError:
            pass
        try:
            pages = await self.call("GET", "me/accounts", {"fields": "id,instagram_business_account", "limit": "100"})
        except GraphError:
            return False
        data = pages.get("data") if isinstance(pages, dict) else None
        return any(_linked_instagram(p) == user_id for p in data or [] if isinstance(p, dict))

    async def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        form: Mapping[str, str] | None = None,
        writing: bool = False,
    ) -> Any:
        """One Graph call; errors mapped by `raise_for_error`; usage kept in `self.usage`."""
        query = dict(params or {})
        query["access_token"] = self.token
        url = f"{self.base_url}/{path.lstrip('/')}"
        resp = await request(self.session, method, url, params=query, form=form)
        self.usage = usage_of(resp.headers)
        raise_for_error(resp, self.clock(), writing=writing)
        return resp.body
