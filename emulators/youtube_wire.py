"""Google's answers as the YouTube emulator shapes them: error bodies, quota errors, page tokens."""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web


def google_error(
    status: int,
    reason: str,
    message: str,
    domain: str = "youtube.commentThread",
    state: str | None = None,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """An error in Google's JSON shape (4.4)."""
    error: dict[str, Any] = {
        "code": status,
        "message": message,
        "errors": [{"message": message, "domain": domain, "reason": reason}],
    }
    if state:
        error["status"] = state
    return web.json_response({"error": error}, status=status, headers=headers)


def yt_time(moment: datetime) -> str:
    """YouTube's timestamps: 2026-03-02T10:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def quota_error() -> web.Response:
    """The 403 quotaExceeded answer (4.4)."""
    message = "The request cannot be completed because you have exceeded your quota."
    return google_error(403, "quotaExceeded", message, "youtube.quota", "PERMISSION_DENIED")


def page_of(
    request: web.Request,
    key: Callable[[dict[str, Any]], tuple[float, int]],
    entries: list[dict[str, Any]],
    kind: str,
    default: int,
    view: Callable[[dict[str, Any], bool], dict[str, Any]],
    descending: bool,
) -> web.Response:
    """One page of `entries` by pageToken, in a list response of `kind` (4.1)."""
    query = request.query
    try:
        size = int(query.get("maxResults", default))
    except ValueError:
        size = -1
    if not 1 <= size <= 100:
        return google_error(400, "invalidParameter", "Invalid value for parameter maxResults: must be 1-100")
    entries.sort(key=key, reverse=descending)
    token = query.get("pageToken")
    if token:
        try:
            mark = tuple(json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))))
        except ValueError:
            return google_error(400, "invalidPageToken", "The request specifies an invalid page token.")
        entries = [e for e in entries if (key(e) < mark if descending else key(e) > mark)]
    window = entries[:size]
    plain = query.get("textFormat") == "plainText"
    body: dict[str, Any] = {"kind": kind, "etag": secrets.token_urlsafe(20)}
    if len(entries) > size:
        body["nextPageToken"] = (
            base64.urlsafe_b64encode(json.dumps(list(key(window[-1]))).encode()).decode().rstrip("=")
        )
    body["pageInfo"] = {"totalResults": len(entries), "resultsPerPage": size}
    body["items"] = [view(e, plain) for e in window]
    return web.json_response(body)
