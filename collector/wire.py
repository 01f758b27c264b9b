"""What goes over the wire for every HTTP platform: one request, its body, Retry-After, times.

`request` sends one request and hands back a `Response`; transport failures (timeouts, refused
connections) become `FetchFailed` raised `from` the cause. What the platform's answer means
(auth, rate limit, transient, refused) is each collector's own small mapper, because every
platform says it differently; `check_json` is the rule they share for bodies that are not JSON.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from yarl import URL

from collector.backoff import MAX_RETRY_AFTER
from collector.base import FetchFailed
from inbox import netguard

# A URL's query inside free text (an aiohttp error quoting the request's URL): cut at "?".
_QUERY = re.compile(r"(\w+://[^\s'\"?#]*)\?[^\s'\")]*")


def without_queries(text: str) -> str:
    """The text with every URL's query string removed: errors are stored (accounts.last_error) and
    shown, and query strings carry tokens (Graph's access_token, YouTube's key)."""
    return _QUERY.sub(r"\1?…", text)


@dataclass(slots=True)
class Response:
    """A platform's answer: status, headers and the body (decoded JSON, None when empty, or bytes)."""

    status: int
    headers: Mapping[str, str]
    body: Any
    # "GET https://host/path" without the query: query strings may carry tokens (Graph, YouTube keys).
    request: str = ""
    url: str = ""  # where the answer came from, after redirects (query included: never show it)
    redirects: tuple[int, ...] = ()  # statuses of the redirects followed, in order
    unreadable: ValueError | None = None  # why a body that should be JSON is not


async def request(
    session: aiohttp.ClientSession,
    method: str,
    url: str | URL,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
    raw: bool = False,
    max_bytes: int | None = None,
) -> Response:
    """Send one request; the body as JSON (or bytes when `raw`); transport trouble raises FetchFailed.

    With `max_bytes`, at most one byte more than that is read, so the caller can tell "too big".
    """
    what = f"{method} {str(url).split('?', 1)[0]}"
    try:
        async with session.request(method, url, params=params, headers=headers, json=json_body, data=form) as resp:
            data = await _read(resp, max_bytes)
            answer = Response(resp.status, resp.headers, None, what, str(resp.url), tuple(h.status for h in resp.history))
    except TimeoutError as exc:
        raise FetchFailed(f"{what}: timed out") from exc
    except aiohttp.ClientError as exc:
        if netguard.refused(exc):
            # The same words for every refused address: the health text must not map the network.
            raise FetchFailed(f"{what}: {netguard.NOT_ALLOWED}") from exc
        raise FetchFailed(f"{what}: {exc.__class__.__name__}: {without_queries(str(exc))}") from exc
    if raw:
        answer.body = data
    elif data.strip():
        try:
            answer.body = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            answer.unreadable = exc
    return answer


async def _read(resp: aiohttp.ClientResponse, max_bytes: int | None) -> bytes:
    if max_bytes is None:
        return await resp.read()
    # content.read(n) returns what has arrived so far, not n bytes: read until the end or the limit.
    chunks: list[bytes] = []
    size = 0
    while size <= max_bytes:
        chunk = await resp.content.read(max_bytes + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def check_json(resp: Response) -> None:
    """FetchFailed when a body that should be JSON is not; a 5xx passes with body None, because
    gateways answer 5xx with HTML pages and the status alone tells what happened."""
    if resp.unreadable is not None and resp.status < 500:
        raise FetchFailed(f"{resp.request}: HTTP {resp.status} with a body that is not JSON") from resp.unreadable


def parse_time(value: Any) -> datetime | None:
    """A platform timestamp (ISO 8601 with Z, +0000 or .000Z; or unix seconds) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    if not isinstance(value, str):
        raise ValueError(f"timestamp {value!r} is not a string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text with its zone, or None."""
    return moment.isoformat() if moment is not None else None


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """The Retry-After header (seconds or an HTTP date, RFC 9110 section 10.2.3) in seconds from `now`.

    None when absent or unreadable; a past date or a negative number is 0; a bogus huge value is
    cut to backoff.MAX_RETRY_AFTER, so no header can silence an account for ever.
    """
    value = str(headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322's convention
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if math.isnan(seconds):
        return None
    return min(max(0.0, seconds), MAX_RETRY_AFTER)


def as_dict(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one (platform JSON is never trusted)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    """`value` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def decode_json_body(body: bytes | str) -> Any:
    """Decode one raw response body for a parser; a clear ValueError when it is not JSON."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ValueError("the body is not UTF-8 text") from exc
    try:
        return json.loads(body)
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not JSON ({exc.msg} at line {exc.lineno})") from exc
