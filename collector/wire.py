"""What goes over the wire for the JSON platforms: one request, its JSON body, platform times.

Transport failures (timeouts, refused connections, bodies that are not JSON) become `FetchFailed`
raised `from` the cause; reading a platform's own error body is left to its collector.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, Mapping

import aiohttp

from collector.base import FetchFailed


@dataclass(slots=True)
class Response:
    """A platform's answer: status, headers and the decoded JSON body (None when empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any


async def request_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    json_body: Any = None,
    form: Mapping[str, str] | None = None,
) -> Response:
    """Send one request and decode its JSON body; transport trouble raises FetchFailed."""
    try:
        async with session.request(method, url, params=params, headers=headers, json=json_body, data=form) as resp:
            raw = await resp.read()
            status, resp_headers = resp.status, resp.headers
    except asyncio.TimeoutError as exc:
        raise FetchFailed(f"{method} {url}: timed out") from exc
    except aiohttp.ClientError as exc:
        raise FetchFailed(f"{method} {url}: {exc.__class__.__name__}: {exc}") from exc
    if not raw.strip():
        return Response(status, resp_headers, None)
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if status >= 500:
            # Gateways answer 5xx with HTML: the status alone tells what happened.
            return Response(status, resp_headers, None)
        raise FetchFailed(f"{method} {url}: HTTP {status} with a body that is not JSON") from exc
    return Response(status, resp_headers, body)


def parse_time(value: Any) -> datetime | None:
    """A platform timestamp (ISO 8601 with Z, +0000 or .000Z; or unix seconds) as aware UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError) as exc:
            raise ValueError(f"timestamp {value!r} is out of range") from exc
    if not isinstance(value, str):
        raise ValueError(f"timestamp {value!r} is not a string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 text with its zone, or None."""
    return moment.isoformat() if moment is not None else None


def retry_after_seconds(headers: Mapping[str, str], now: datetime) -> float | None:
    """The standard Retry-After header (seconds or HTTP date) in seconds from `now`."""
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


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
