"""A local Google Business Profile API v4 serving one location's reviews (platform-apis.md section 7).

Same paths, `pageSize`/`pageToken`/`orderBy`, `starRating` enum, `nextPageToken`, PUT/DELETE of
the one reply per review, and Google's error body {"error": {"code","message","status"}}.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from emulators.base import Emulator, Fault
from emulators.bulk import inject_many

ACCOUNT_ID = "104235711131719"
LOCATION_ID = "5822160449271926541"
STARS = ("STAR_RATING_UNSPECIFIED", "ONE", "TWO", "THREE", "FOUR", "FIVE")

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Quincaillerie Rosemont (fiche Google)",
    "external_id": f"accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}",
    "settings": {},
    "credentials": {"access_token": "demo-token"},
}


def _stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


@dataclass
class _Review:
    review_id: str
    name: str
    anonymous: bool
    rating: int
    comment: str
    create_time: datetime
    update_time: datetime
    reply: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=code)


class GoogleEmulator(Emulator):
    """One verified location and its reviews."""

    platform = "google"

    def __init__(self, token: str = "demo-token", reply_bumps_update_time: bool = True, **options: Any) -> None:
        super().__init__(token=token, **options)
        # Whether a reply changes the review's updateTime is [U]; on by default so the next
        # poll shows the reply, as the inbox expects.
        self.reply_bumps_update_time = reply_bumps_update_time
        self.reviews: dict[str, _Review] = {}
        self._last = datetime.min.replace(tzinfo=UTC)

    def _now(self) -> datetime:
        # Google shows milliseconds: two writes in the same one still get increasing times.
        now = datetime.now(UTC)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        if now <= self._last:
            now = self._last + timedelta(milliseconds=1)
        self._last = now
        return now

    # -- faults --------------------------------------------------------------------------------
    def auth_error(self) -> web.StreamResponse:
        """Google's answer to a missing or expired OAuth token."""
        return _error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                      "login cookie or other valid authentication credential.")

    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults in Google's error shape."""
        if fault.mode in ("rate_limit", "quota"):
            limit = "Requests per day" if fault.mode == "quota" else "Requests per minute"
            return _error(
                429, "RESOURCE_EXHAUSTED",
                f"Quota exceeded for quota metric 'Requests' and limit '{limit}' of service 'mybusiness.googleapis.com'.",
                [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{fault.retry_after}s"}],
            )
        if fault.mode == "expired_token":
            return self.auth_error()
        return _error(503, "UNAVAILABLE", "The service is currently unavailable.")

    # -- control -------------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, datetime.now(UTC))
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add a review (or an owner reply made elsewhere), edit or delete one."""
        if "delete" in payload:
            self.reviews.pop(str(payload["delete"]), None)
            return {"external_id": str(payload["delete"])}
        if "edit" in payload:
            review = self.reviews[str(payload["edit"])]
            review.comment = str(payload.get("text", review.comment))
            review.rating = int(payload.get("rating", review.rating))
            review.update_time = self._now()
            return {"external_id": review.review_id}
        kind = payload.get("kind", "review")
        if kind == "reply":
            review = self.reviews[str(payload["parent"])]
            self._set_reply(review, str(payload.get("text", "")))
            return {"external_id": f"{review.review_id}/reply"}
        if kind not in ("review", "comment"):
            raise web.HTTPBadRequest(text="kinds: review, reply")
        created = datetime.fromisoformat(payload["created_at"]) if payload.get("created_at") else self._now()
        number = int(self.next_id())
        review_id = "AbFvOq" + base64.urlsafe_b64encode(number.to_bytes(6, "big")).decode().rstrip("=")
        name = str(payload.get("author_name", ""))
        self.reviews[review_id] = _Review(
            review_id=review_id, name=name, anonymous=not name,
            rating=max(0, min(5, int(payload.get("rating", 5)))), comment=str(payload.get("text", "")),
            create_time=created, update_time=created,
        )
        return {"external_id": review_id}

    def _set_reply(self, review: _Review, text: str) -> None:
        now = self._now()
        review.reply = {"comment": text, "updateTime": _stamp(now)}
        if self.reply_bumps_update_time:
            review.update_time = now

    def reset(self) -> None:
        """Forget every review."""
        super().reset()
        self.reviews.clear()

    def state(self) -> dict[str, Any]:
        """Kinds this emulator injects (customers only write reviews) and the review count."""
        return {"kinds": ["review"], "reviews": len(self.reviews)}

    # -- API -----------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        """v4 reviews routes for the one location."""
        base = "/v4/accounts/{account}/locations/{location}/reviews"
        app.router.add_get(base, self.list_reviews)
        app.router.add_get(base + "/{review}", self.get_review)
        app.router.add_put(base + "/{review}/reply", self.put_reply)
        app.router.add_delete(base + "/{review}/reply", self.delete_reply)

    def render(self, r: _Review) -> dict[str, Any]:
        """The Review resource as the API shows it."""
        reviewer: dict[str, Any] = {"isAnonymous": r.anonymous}
        if not r.anonymous:
            reviewer = {"displayName": r.name, "profilePhotoUrl": "https://lh3.googleusercontent.com/a/default-user", "isAnonymous": False}
        body: dict[str, Any] = {
            "name": f"accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}/reviews/{r.review_id}",
            "reviewId": r.review_id,
            "reviewer": reviewer,
            "starRating": STARS[r.rating],
            "createTime": _stamp(r.create_time),
            "updateTime": _stamp(r.update_time),
        }
        if r.comment:  # a rating-only review has no comment field
            body["comment"] = r.comment
        if r.reply:
            body["reviewReply"] = dict(r.reply)
        return body

    def _location_error(self, request: web.Request) -> web.Response | None:
        if request.match_info["account"] != ACCOUNT_ID or request.match_info["location"] != LOCATION_ID:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        return None

    async def list_reviews(self, request: web.Request) -> web.Response:
        """GET …/reviews with pageSize (max 50), pageToken and orderBy."""
        if (err := self._location_error(request)) is not None:
            return err
        q = request.query
        try:
            size = min(50, int(q.get("pageSize", 50))) or 50
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "Invalid value at 'page_size' (TYPE_INT32).")
        order = q.get("orderBy", "updateTime desc")
        orders = {
            "updateTime desc": lambda r: (r.update_time, r.review_id),
            "rating": lambda r: (-r.rating, r.update_time, r.review_id),
            "rating desc": lambda r: (r.rating, r.update_time, r.review_id),
        }
        if order not in orders:
            return _error(400, "INVALID_ARGUMENT", f"Invalid orderBy: {order}")
        rows = sorted(self.reviews.values(), key=orders[order], reverse=True)
        # Keyset tokens: a review added or edited between pages cannot shift the rest.
        if "pageToken" in q:
            try:
                after = json.loads(base64.urlsafe_b64decode(q["pageToken"] + "=="))
            except ValueError:
                return _error(400, "INVALID_ARGUMENT", "Invalid page token.")
            rows = [r for r in rows if list(_sortable(orders[order](r))) < after]
        page = rows[:size]
        body: dict[str, Any] = {"averageRating": self._average(), "totalReviewCount": len(self.reviews)}
        if page:
            body["reviews"] = [self.render(r) for r in page]
        if len(rows) > size:
            last = list(_sortable(orders[order](page[-1])))
            body["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(last).encode()).decode().rstrip("=")
        return web.json_response(body)

    def _average(self) -> float:
        rated = [r.rating for r in self.reviews.values() if r.rating]
        return round(sum(rated) / len(rated), 1) if rated else 0

    async def get_review(self, request: web.Request) -> web.Response:
        """GET …/reviews/{review}."""
        if (err := self._location_error(request)) is not None:
            return err
        review = self.reviews.get(request.match_info["review"])
        if review is None:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        return web.json_response(self.render(review))

    async def put_reply(self, request: web.Request) -> web.Response:
        """PUT …/reviews/{review}/reply: create or replace the one reply."""
        if (err := self._location_error(request)) is not None:
            return err
        review = self.reviews.get(request.match_info["review"])
        if review is None:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
        text = payload.get("comment") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.")
        self._set_reply(review, text)
        self.replies.append({"parent": review.review_id, "text": text})
        return web.json_response(dict(review.reply or {}))

    async def delete_reply(self, request: web.Request) -> web.Response:
        """DELETE …/reviews/{review}/reply."""
        if (err := self._location_error(request)) is not None:
            return err
        review = self.reviews.get(request.match_info["review"])
        if review is None or review.reply is None:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        review.reply = None
        return web.json_response({})


def _sortable(key: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(v.isoformat() if isinstance(v, datetime) else v for v in key)


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application."""
    return GoogleEmulator(**options).create_app()
