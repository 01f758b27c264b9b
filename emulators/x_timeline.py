"""X API v2 list endpoints as the X emulator serves them: validation, paging, query, problems.

Parameter ranges and exclusions answer 400 invalid-request problems; pages run newest first
with opaque tokens, `meta` newest/oldest ids and a bare `{"meta": {"result_count": 0}}` when
empty (platform-apis.md 3.1, 3.2, 3.5, 3.6). The search query is a small subset of X's syntax.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

PROBLEM = "application/problem+json"


def problem(
    status: int, title: str, detail: str, kind: str = "about:blank", headers: dict[str, str] | None = None, **extra: Any
) -> web.Response:
    """An RFC 7807 problem answer as X sends it."""
    body = {"title": title, "detail": detail, "type": kind, "status": status, **extra}
    return web.json_response(body, status=status, headers=headers, content_type=PROBLEM)


def invalid(message: str, parameter: str, value: str) -> web.Response:
    """X's 400 invalid-request problem for one bad parameter."""
    return problem(
        400,
        "Invalid Request",
        "One or more parameters to your request was invalid.",
        "https://api.x.com/2/problems/invalid-request",
        errors=[{"parameters": {parameter: [value]}, "message": message}],
    )


def x_time(moment: datetime) -> str:
    """X's timestamps: 2026-03-02T10:11:12.000Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def timeline(
    request: web.Request,
    tweets: list[dict[str, Any]],
    low: int,
    high: int,
    token_names: tuple[str, ...],
    render: Callable[[list[dict[str, Any]]], dict[str, Any]],
    reach: int | None = None,
) -> web.Response:
    """One page of `tweets` newest first, after validating the query as X does (3.1, 3.2, 3.6)."""
    query = request.query
    try:
        size = int(query.get("max_results", 10))
    except ValueError:
        return invalid("The `max_results` query parameter value is not a number", "max_results", query["max_results"])
    if not low <= size <= high:
        return invalid(
            f"The `max_results` query parameter value [{size}] is not between {low} and {high}",
            "max_results",
            str(size),
        )
    given = [name for name in token_names if query.get(name)]
    if len(given) > 1:
        return invalid("At most one of next_token and pagination_token may be given", given[1], query[given[1]])
    for name in ("since_id", "until_id"):
        if query.get(name) and not (query[name].isdigit() and len(query[name]) <= 19):
            return invalid(f"The `{name}` query parameter value [{query[name]}] is not a valid id", name, query[name])
    if query.get("since_id") and query.get("start_time"):
        return invalid("At most one of since_id and start_time may be given", "start_time", query["start_time"])
    tweets = sorted(tweets, key=lambda t: int(t["id"]), reverse=True)
    if reach is not None:
        tweets = tweets[:reach]
    since, until = int(query.get("since_id") or 0), int(query.get("until_id") or 0)
    start = datetime.fromisoformat(query["start_time"]) if query.get("start_time") else None
    tweets = [
        t
        for t in tweets
        if int(t["id"]) > since and (not until or int(t["id"]) < until) and (start is None or t["created"] >= start)
    ]
    token = query.get(given[0]) if given else None
    if token:
        try:
            below = int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
        except ValueError:
            return invalid("The pagination token is invalid", given[0], token)
        tweets = [t for t in tweets if int(t["id"]) < below]
    window = tweets[:size]
    if not window:
        return web.json_response({"meta": {"result_count": 0}})
    body = render(window)
    meta: dict[str, Any] = {
        "newest_id": window[0]["id"],
        "oldest_id": window[-1]["id"],
        "result_count": len(window),
    }
    if len(tweets) > size:
        meta["next_token"] = base64.urlsafe_b64encode(window[-1]["id"].encode()).decode().rstrip("=")
    body["meta"] = meta
    return web.json_response(body)


def compile_query(query: str) -> list[list[str]]:
    """A search query as OR-groups of AND-terms."""
    return [re.findall(r'-?"[^"]*"|\S+', group) for group in re.split(r"\s+OR\s+", query)]


def matches(groups: list[list[str]], text: str, author: str, replied_to: str) -> bool:
    """Whether a post matches: "-" negation, "quoted phrases", from:, to:, is:retweet (never here)."""
    text, author, replied_to = text.lower(), author.lower(), replied_to.lower()

    def term_hits(term: str) -> bool:
        negate = term.startswith("-")
        term = term.lstrip("-").strip('"').lower()
        if term.startswith("from:"):
            hit = author == term[5:]
        elif term.startswith("to:"):
            hit = replied_to == term[3:]
        elif term == "is:retweet":
            hit = False
        else:
            hit = term in text
        return hit != negate

    return any(terms and all(term_hits(term) for term in terms) for terms in groups)
