"""A local Google Business Profile API v4 serving a location's reviews (platform-apis.md section 7).

Same paths, `pageSize`/`pageToken`/`orderBy`, `starRating` enum, `nextPageToken`, PUT/DELETE of
the one reply per review, and Google's error body {"error": {"code","message","status"}}.
Google's OAuth server (emulators/google_oauth.py) and the discovery calls of the Account
Management and Business Information APIs (`/v1/accounts`, `/v1/accounts/{id}/locations`) list
the account and its two locations; every call needs the business.manage scope. Inject takes
`location` (default the demo location) for a review on the second one.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from emulators import google_oauth
from emulators.base import Emulator, Fault
from emulators.bulk import inject_many

ACCOUNT_ID = "104235711131719"
ACCOUNT_NAME = "Quincaillerie Rosemont"
LOCATION_ID = "5822160449271926541"
SECOND_LOCATION_ID = "5822160449271926999"
LOCATIONS = {
    LOCATION_ID: {"title": "Quincaillerie Rosemont", "storefrontAddress": {
        "regionCode": "CA", "languageCode": "fr", "postalCode": "H1Y 2C1", "administrativeArea": "QC",
        "locality": "Montréal", "addressLines": ["2850, rue Masson"]}},
    SECOND_LOCATION_ID: {"title": "Quincaillerie Rosemont — Plateau", "storefrontAddress": {
        "regionCode": "CA", "languageCode": "fr", "postalCode": "H2J 2M4", "administrativeArea": "QC",
        "locality": "Montréal", "addressLines": ["4480, avenue Papineau"]}},
}
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
    location: str = LOCATION_ID


def _error(code: int, status: str, message: str, details: list[dict[str, Any]] | None = None) -> web.Response:
    body: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        body["details"] = details
    return web.json_response({"error": body}, status=code)


class GoogleEmulator(Emulator):
    """One verified location and its reviews."""

    platform = "google"
    oauth_capable = True

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
        location = str(payload.get("location") or LOCATION_ID)
        if location not in LOCATIONS:
            raise web.HTTPBadRequest(text=f"locations: {', '.join(LOCATIONS)}")
        self.reviews[review_id] = _Review(
            review_id=review_id, name=name, anonymous=not name, location=location,
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
    def add_oauth_routes(self, app: web.Application) -> None:
        """Google's OAuth endpoints."""
        google_oauth.install(self, app)

    def add_routes(self, app: web.Application) -> None:
        """v4 reviews routes for the locations, v1 discovery of the account and its locations."""
        app.router.add_get("/v1/accounts", self.list_accounts)
        app.router.add_get("/v1/accounts/{account}/locations", self.list_locations)
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
            "name": f"accounts/{ACCOUNT_ID}/locations/{r.location}/reviews/{r.review_id}",
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
        if self.lacks(request, google_oauth.BUSINESS_SCOPE):
            return google_oauth.insufficient_scope("mybusiness.googleapis.com")
        if request.match_info["account"] != ACCOUNT_ID or request.match_info["location"] not in LOCATIONS:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        return None

    async def list_accounts(self, request: web.Request) -> web.Response:
        """GET /v1/accounts (Account Management API): the one account the user manages."""
        if self.lacks(request, google_oauth.BUSINESS_SCOPE):
            return google_oauth.insufficient_scope("mybusinessaccountmanagement.googleapis.com")
        return web.json_response({"accounts": [{
            "name": f"accounts/{ACCOUNT_ID}", "accountName": ACCOUNT_NAME, "type": "PERSONAL",
            "verificationState": "VERIFIED", "vettedState": "NOT_VETTED"}]})

    async def list_locations(self, request: web.Request) -> web.Response:
        """GET /v1/accounts/{id}/locations?readMask=... (Business Information API)."""
        if self.lacks(request, google_oauth.BUSINESS_SCOPE):
            return google_oauth.insufficient_scope("mybusinessbusinessinformation.googleapis.com")
        if request.match_info["account"] != ACCOUNT_ID:
            return _error(404, "NOT_FOUND", "Requested entity was not found.")
        mask = [f.strip() for f in request.query.get("readMask", "").split(",") if f.strip()]
        if not mask:
            return _error(400, "INVALID_ARGUMENT", "Request contains an invalid argument.", [{
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"field": "read_mask", "description": "Field is required"}]}])
        locations = []
        for location_id, fields in LOCATIONS.items():
            full = {"name": f"locations/{location_id}", **fields}
            locations.append({k: v for k, v in full.items() if k in mask})
        return web.json_response({"locations": locations})

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
        location = request.match_info["location"]
        rows = sorted((r for r in self.reviews.values() if r.location == location), key=orders[order], reverse=True)
        # Keyset tokens: a review added or edited between pages cannot shift the rest.
        if "pageToken" in q:
            try:
                after = json.loads(base64.urlsafe_b64decode(q["pageToken"] + "=="))
            except ValueError:
                return _error(400, "INVALID_ARGUMENT", "Invalid page token.")
            rows = [r for r in rows if list(_sortable(orders[order](r))) < after]
        page = rows[:size]
        body: dict[str, Any] = {"averageRating": self._average(location),
                                  "totalReviewCount": sum(1 for r in self.reviews.values() if r.location == location)}
        if page:
            body["reviews"] = [self.render(r) for r in page]
        if len(rows) > size:
            last = list(_sortable(orders[order](page[-1])))
            body["nextPageToken"] = base64.urlsafe_b64encode(json.dumps(last).encode()).decode().rstrip("=")
        return web.json_response(body)

    def _average(self, location: str) -> float:
        rated = [r.rating for r in self.reviews.values() if r.rating and r.location == location]
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
