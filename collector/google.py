"""Google Business Profile reviews through the v4 API (platform-apis.md section 7).

A poll walks `reviews?orderBy=updateTime desc` page by page and stops at the previous poll's
newest `updateTime` (`mark`). The mark only moves once a walk is complete, so a restart in the
middle of a walk resumes it (page token in the cursor) and no review is lost; reviews updated
exactly at the mark are told apart by the `at_mark` keys (reviewId@updateTime).

Account: external_id "accounts/{a}/locations/{l}". Settings: "lookback_days" (how far back a
first walk reads, default 30). Credentials: "access_token" (OAuth, business.manage scope).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from collector.base import AuthFailed, Batch, Collector, FetchFailed, PermissionMissing, RateLimited, Refused, SentReply, map_entries
from collector.wire import Response, check_json, request, retry_after_seconds
from inbox.types import Author, NewItem

PLATFORM = "google"
PAGE_SIZE = 50  # the documented maximum
STARS = {"ONE": 1, "TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5}
_FRACTION = re.compile(r"\.(\d+)")
DEFAULT_LOOKBACK_DAYS = 30  # the first walk stops at reviews older than this


def parse_time(value: Any) -> datetime:
    """A Google timestamp ("…T18:20:11.532Z", up to nanoseconds) as an aware UTC datetime."""
    if not isinstance(value, str):
        raise ValueError(f"timestamp is {value!r}, not a string")
    # Python reads at most microseconds: cut nanoseconds down to six digits.
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value.strip())
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return parsed.astimezone(UTC)


def review_key(raw: dict[str, Any]) -> str:
    """An edited review keeps its id but changes updateTime: the pair says which version we saw."""
    return f"{raw.get('reviewId')}@{parse_time(raw.get('updateTime')).isoformat()}"


def map_review(raw: dict[str, Any]) -> list[NewItem]:
    """One review as an inbox item, plus the business's reply to it when there is one."""
    review_id = raw["reviewId"]
    if not isinstance(review_id, str) or not review_id:
        raise ValueError(f"reviewId {review_id!r} is not a string")
    reviewer = raw.get("reviewer")
    if not isinstance(reviewer, dict):
        reviewer = {}
    anonymous = bool(reviewer.get("isAnonymous"))
    name = "" if anonymous else str(reviewer.get("displayName") or "")
    # Google gives reviewers no stable id: the display name is the best handle it shows.
    author = Author(external_id=name, name=name, avatar_url=None if anonymous else reviewer.get("profilePhotoUrl"))
    rating = STARS.get(raw.get("starRating", ""))
    created = raw.get("createTime") or raw.get("updateTime")
    review = NewItem(
        platform=PLATFORM,
        external_id=review_id,
        kind="review",
        body=str(raw.get("comment") or ""),  # a rating-only review has no comment
        created_at=parse_time(created),
        author=author,
        thread_external_id=review_id,
        raw={**raw, "rating": rating},
    )
    items = [review]
    reply = raw.get("reviewReply")
    if isinstance(reply, dict) and reply.get("comment"):
        items.append(
            NewItem(
                platform=PLATFORM,
                external_id=f"{review_id}/reply",
                kind="reply",
                body=str(reply["comment"]),
                created_at=parse_time(reply.get("updateTime") or created),
                author=Author(external_id="", name=""),
                parent_external_id=review_id,
                thread_external_id=review_id,
                from_business=True,
                raw=reply,
            )
        )
    return items


def _map_page(data: Any) -> tuple[list[tuple[dict[str, Any], list[NewItem]]], list[str]]:
    if not isinstance(data, dict):
        raise ValueError("a reviews response is a JSON object")
    if "error" in data:
        raise ValueError(f"a Google error body ({data['error'].get('status') if isinstance(data['error'], dict) else data['error']})")
    reviews = data.get("reviews", [])  # Google omits empty lists
    if not isinstance(reviews, list):
        raise ValueError("`reviews` is not a list")
    def mapper(raw: dict[str, Any]) -> tuple[dict[str, Any], list[NewItem]]:
        review_key(raw)  # refuses a review the cursor could not order
        return raw, map_review(raw)

    return map_entries(reviews, mapper, "review", "reviewId")


def parse(body: bytes | str) -> list[NewItem]:
    """Map one raw `GET …/locations/{l}/reviews` body to items."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if isinstance(data, dict) and "reviews" not in data and "totalReviewCount" not in data and "averageRating" not in data:
        if "error" in data:
            _map_page(data)
        raise ValueError("not a reviews list (no `reviews`, `totalReviewCount` or `averageRating`)")
    mapped, problems = _map_page(data)
    if problems and not mapped:
        raise ValueError("no review could be read: " + "; ".join(problems[:3]))
    return [item for _, items in mapped for item in items]


class GoogleCollector(Collector):
    """Reviews of one verified location; one reply per review (PUT replaces it)."""

    platform = PLATFORM
    display_name = "Google reviews"
    can_reply = True
    can_hide = False  # owners cannot hide reviews, only flag them in the Maps UI

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lookback = timedelta(days=float(self.account.settings.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))

    @property
    def location(self) -> str:
        return self.account.base_url.rstrip("/") + "/v4/" + self.account.external_id.strip("/")

    async def _call(self, method: str, url: str, *, params: dict[str, str] | None = None, json_body: Any = None) -> Any:
        headers = {"Authorization": f"Bearer {self.account.credentials.get('access_token', '')}"}
        resp = await request(self.session, method, url, params=params, headers=headers, json_body=json_body)
        raise_for_error(resp, self.clock(), writing=method != "GET")
        return resp.body if resp.body is not None else {}

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """One page of reviews changed since the last complete walk."""
        mark = parse_time(cursor["mark"]) if cursor.get("mark") else None
        at_mark = set(cursor.get("at_mark", []))
        walk = dict(cursor.get("walk") or {"token": None, "top": None, "top_keys": []})
        if mark is None:
            # First walks stop at the lookback horizon, fixed when the walk began.
            walk.setdefault("horizon", (self.clock() - self.lookback).isoformat())
        horizon = parse_time(walk["horizon"]) if walk.get("horizon") else None
        params = {"pageSize": str(PAGE_SIZE), "orderBy": "updateTime desc"}
        if walk["token"]:
            params["pageToken"] = walk["token"]
        try:
            data = await self._call("GET", self.location + "/reviews", params=params)
        except Refused:
            if not walk["token"]:
                raise
            # Page tokens may expire: walk again from the top (ingest dedupes the repeats).
            params.pop("pageToken")
            walk["token"] = None
            data = await self._call("GET", self.location + "/reviews", params=params)
        try:
            mapped, problems = _map_page(data)
        except ValueError as exc:
            raise FetchFailed(f"malformed reviews page: {exc}") from exc
        items: list[NewItem] = []
        reached_old = False
        top = parse_time(walk["top"]) if walk["top"] else None
        top_keys = set(walk["top_keys"])
        for raw, review_items in mapped:
            updated = parse_time(raw["updateTime"])
            key = review_key(raw)
            if mark is not None and updated < mark:
                reached_old = True
                break
            if mark is not None and updated == mark and key in at_mark:
                # Ties at the mark come in any order: new reviews may still follow this one.
                continue
            if horizon is not None and updated < horizon:
                reached_old = True
                break
            items.extend(review_items)
            if top is None or updated > top:
                top, top_keys = updated, {key}
            elif updated == top:
                top_keys.add(key)
        token = data.get("nextPageToken")
        if token and not reached_old:
            new_walk = {**walk, "token": token, "top": top.isoformat() if top else None, "top_keys": sorted(top_keys)}
            new_cursor = {"mark": cursor.get("mark"), "at_mark": sorted(at_mark), "walk": new_walk}
            return Batch(items=items, cursor=new_cursor, more=True, problems=problems)
        # The walk is complete: its newest review becomes the mark.
        if top is None or (mark is not None and top < mark):
            new_cursor = {"mark": cursor.get("mark"), "at_mark": sorted(at_mark)}
        elif mark is not None and top == mark:
            new_cursor = {"mark": mark.isoformat(), "at_mark": sorted(at_mark | top_keys)}
        else:
            new_cursor = {"mark": top.isoformat(), "at_mark": sorted(top_keys)}
        return Batch(items=items, cursor=new_cursor, more=False, problems=problems)

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """PUT the business's reply to review `parent_external_id` (replaces any earlier reply)."""
        await self._call("PUT", f"{self.location}/reviews/{parent_external_id}/reply", json_body={"comment": text})
        return SentReply(external_id=f"{parent_external_id}/reply")

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """The review's reply, if it already says `text`."""
        review = await self._call("GET", f"{self.location}/reviews/{parent_external_id}")
        reply = review.get("reviewReply") if isinstance(review, dict) else None
        if isinstance(reply, dict) and " ".join(str(reply.get("comment", "")).split()) == " ".join(text.split()):
            return SentReply(external_id=f"{parent_external_id}/reply")
        return None


def raise_for_error(resp: Response, now: datetime, *, writing: bool = False) -> None:
    """Turn Google's answers (google.rpc.Status error bodies) into the collector errors (section 7)."""
    if resp.unreadable is not None and resp.status == 429:
        # A 429 means "slow down" whatever its body is: not a transient failure to retry at once.
        raise RateLimited("HTTP 429", retry_wait(resp, {}, now)) from resp.unreadable
    check_json(resp)
    if resp.status < 400:
        return
    error = resp.body.get("error", {}) if isinstance(resp.body, dict) else {}
    error = error if isinstance(error, dict) else {}
    what = f"HTTP {resp.status} {error.get('status', '')}: {error.get('message', '')}"
    if writing and resp.status == 403:
        # A token without the scope or role to answer reviews: this reply fails, reviews keep being read.
        raise PermissionMissing(what)
    if resp.status in (401, 403) and error.get("status") in ("UNAUTHENTICATED", "PERMISSION_DENIED", None):
        raise AuthFailed(what)
    if resp.status == 429:
        raise RateLimited(what, retry_wait(resp, error, now))
    if resp.status >= 500:
        raise FetchFailed(what)
    raise Refused(what)


def retry_wait(resp: Response, error: dict[str, Any], now: datetime) -> float | None:
    """Seconds to wait: the Retry-After header, else the error's google.rpc.RetryInfo."""
    after = retry_after_seconds(resp.headers, now)
    if after is not None:
        return after
    # google.rpc.RetryInfo carries the delay as a Duration string such as "30s".
    for detail in error.get("details", []) or []:
        if isinstance(detail, dict) and str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = str(detail.get("retryDelay", "")).rstrip("s")
            try:
                return float(delay)
            except ValueError:
                return None
    return None
