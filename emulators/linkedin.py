"""A local LinkedIn Community Management API for one organisation (platform-apis.md section 5).

Like the real versioned REST API it refuses requests without `LinkedIn-Version` (400
VERSION_MISSING) or `X-Restli-Protocol-Version: 2.0.0`, wants URNs percent-encoded in paths and
query values, pages with Rest.li `start`/`count`/`paging`, answers 201 + `x-restli-id` on
comment creation, and uses LinkedIn's error bodies ({"status","serviceErrorCode","code","message"}).
LinkedIn's OAuth (emulators/linkedin_oauth.py) and the discovery calls `organizationAcls
?q=roleAssignee` and `organizations/{id}`; an issued token reads with r_organization_social,
comments with w_organization_social and lists administered pages with rw_organization_admin
(or r_organization_admin); a missing scope is 403 ACCESS_DENIED.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from emulators import linkedin_oauth
from emulators.base import Emulator, Fault
from emulators.bulk import inject_many
from emulators.oauth import Token

ORG = "urn:li:organization:2414183"
ORG_NAME = "Studio Yoga Verdun"
ORG_VANITY = "studio-yoga-verdun"
MEMBER = "urn:li:person:cafeDemoAdmin1"  # the member who consents: administrator of the demo org
READ, WRITE, ADMIN = ("r_organization_social",), ("w_organization_social",), ("rw_organization_admin", "r_organization_admin")
OLDEST_VERSION = 202409  # versions live about a year; older ones answer 426
ID_BASE = 7_300_000_000_000_000_000

DEMO_ACCOUNT: dict[str, Any] = {
    "name": ORG_NAME + " (LinkedIn)",
    "external_id": ORG,
    "settings": {"version": "202609"},
    "credentials": {"access_token": "demo-token"},
}

_COMMENT_URN = re.compile(r"^urn:li:comment:\((urn:li:[A-Za-z]+:[^,]+),(\d+)\)$")
_RANGE = re.compile(r"^\(start:(\d+),end:(\d+)\)$")
_LIST = re.compile(r"^List\(([A-Z_,]*)\)$")


def _error(status: int, message: str, code: str | None = None, service_code: int | None = None) -> web.Response:
    body: dict[str, Any] = {"status": status, "message": message}
    if code:
        body["code"] = code
    if service_code is not None:
        body["serviceErrorCode"] = service_code
    return web.json_response(body, status=status)


@dataclass
class _Comment:
    urn: str
    id: str
    actor: str
    object: str
    parent: str | None
    text: str
    created: int
    modified: int


class LinkedInEmulator(Emulator):
    """One organisation page: its posts, their comments and replies, and notifications."""

    platform = "linkedin"
    oauth_capable = True

    def __init__(self, token: str = "demo-token", newest_first: bool = True, **options: Any) -> None:
        super().__init__(token=token, **options)
        # Comment order is not documented ([U]); newest first is the harder case for a poller.
        self.newest_first = newest_first
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, _Comment] = {}
        self.notifications: list[dict[str, Any]] = []
        self._seed()

    def _seed(self) -> None:
        for text in ("Nouvelle session de yoga prénatal les mardis! / New prenatal class on Tuesdays!",
                     "Nous embauchons: professeur·e de yin yoga à Verdun."):
            self._add_post(ORG, text, self._now())

    def _now(self) -> int:
        # Wall-clock milliseconds: writes in the same millisecond share a time, as on LinkedIn.
        return int(time.time() * 1000)

    def _new_id(self) -> str:
        return str(ID_BASE + int(self.next_id()))

    def _add_post(self, author: str, text: str, when: int) -> str:
        urn = f"urn:li:share:{self._new_id()}"
        self.posts[urn] = {"id": urn, "author": author, "commentary": text, "createdAt": when, "lastModifiedAt": when,
                           "publishedAt": when, "lifecycleState": "PUBLISHED", "visibility": "PUBLIC",
                           "distribution": {"feedDistribution": "MAIN_FEED"}}
        return urn

    def _notify(self, action: str, actor: str, post: str, activity: str, when: int) -> None:
        self.notifications.append({"action": action, "actor": actor, "organizationalEntity": ORG,
                                   "sourcePost": post, "generatedActivity": activity, "lastModifiedAt": when})

    # -- faults and auth -----------------------------------------------------------------------
    def auth_error(self) -> web.StreamResponse:
        """LinkedIn's answer to an expired or invalid token."""
        return _error(401, "Invalid access token", "INVALID_ACCESS_TOKEN", 65600)

    def token_error(self, reason: str, token: Token | None) -> web.StreamResponse:
        """REVOKED_ACCESS_TOKEN or EXPIRED_ACCESS_TOKEN, as LinkedIn answers an issued token."""
        return linkedin_oauth.token_error(reason)

    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults in LinkedIn's shape: daily-limit 429 for quota, throttles, gateway errors."""
        if fault.mode == "quota":
            return _error(429, "Resource level throttle APPLICATION DAY limit for calls to this resource is reached.", service_code=101)
        if fault.mode == "rate_limit":
            response = _error(429, "Too Many Requests", service_code=101)
            response.headers["Retry-After"] = str(fault.retry_after)
            return response
        if fault.mode == "expired_token":
            return self.auth_error()
        return _error(500, "Internal Server Error")

    # -- control -------------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, datetime.now(UTC))
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add a comment, reply or mention; edit or delete one."""
        if "edit" in payload:
            return self._edit(str(payload["edit"]), str(payload.get("text", "")))
        if "delete" in payload:
            return self._delete(str(payload["delete"]))
        kind = payload.get("kind", "comment")
        actor = str(payload.get("author_id") or f"urn:li:person:{payload.get('author_handle') or 'member' + self.next_id()}")
        if not actor.startswith("urn:li:"):
            actor = f"urn:li:person:{actor}"
        when = int(datetime.fromisoformat(payload["created_at"]).timestamp() * 1000) if payload.get("created_at") else self._now()
        text = str(payload.get("text", ""))
        if kind == "mention":
            if ORG not in text:
                text = f"{text} @[{ORG_NAME}]({ORG})"
            urn = self._add_post(actor, text, when)
            self._notify("SHARE_MENTION", actor, urn, urn, when)
            return {"external_id": urn}
        if kind not in ("comment", "reply"):
            raise web.HTTPBadRequest(text="kinds: comment, reply, mention")
        parent = payload.get("parent") or max(u for u, p in self.posts.items() if p["author"] == ORG)
        comment = self._add_comment(actor, str(parent), text, when)
        return {"external_id": comment.urn}

    def _add_comment(self, actor: str, target: str, text: str, when: int) -> _Comment:
        match = _COMMENT_URN.match(target)
        if match:
            parent = self.comments.get(target)
            if parent is None:
                raise web.HTTPBadRequest(text=f"unknown comment {target}")
            # LinkedIn threads are two levels deep: a reply to a reply joins the top comment.
            top = parent.parent or parent.urn
            obj, parent_urn = parent.object, top
        elif target in self.posts:
            obj, parent_urn = target, None
        else:
            raise web.HTTPBadRequest(text=f"unknown post {target}")
        cid = self._new_id()
        comment = _Comment(urn=f"urn:li:comment:({obj},{cid})", id=cid, actor=actor, object=obj,
                           parent=parent_urn, text=text, created=when, modified=when)
        self.comments[comment.urn] = comment
        self._notify("COMMENT", actor, obj, comment.urn, when)
        return comment

    def _edit(self, urn: str, text: str) -> dict[str, Any]:
        if urn in self.comments:
            self.comments[urn].text = text
            self.comments[urn].modified = self._now()
        elif urn in self.posts:
            self.posts[urn]["commentary"] = text
            self.posts[urn]["lastModifiedAt"] = self._now()
        else:
            raise web.HTTPBadRequest(text=f"unknown {urn}")
        return {"external_id": urn}

    def _delete(self, urn: str) -> dict[str, Any]:
        comment = self.comments.pop(urn, None)
        if comment is not None:
            when = self._now()
            self._notify("COMMENT_DELETE", comment.actor, comment.object, urn, when)
            for reply in [c for c in self.comments.values() if c.parent == urn]:
                del self.comments[reply.urn]
                self._notify("COMMENT_DELETE", reply.actor, reply.object, reply.urn, when)
        self.posts.pop(urn, None)
        return {"external_id": urn}

    def reset(self) -> None:
        """Forget everything, then seed the organisation's posts again."""
        super().reset()
        self.posts.clear()
        self.comments.clear()
        self.notifications.clear()
        self._seed()

    def state(self) -> dict[str, Any]:
        """Kinds this emulator injects and the organisation's posts (parents of comments)."""
        return {"kinds": ["comment", "reply", "mention"], "posts": [u for u, p in self.posts.items() if p["author"] == ORG],
                "comments": len(self.comments)}

    # -- API -----------------------------------------------------------------------------------
    def add_oauth_routes(self, app: web.Application) -> None:
        """LinkedIn's OAuth endpoints."""
        linkedin_oauth.install(self, app)

    def add_routes(self, app: web.Application) -> None:
        """Versioned REST routes under /rest."""
        app.router.add_get("/rest/posts", self._versioned(self.list_posts, READ))
        app.router.add_get("/rest/posts/{urn}", self._versioned(self.get_post, READ))
        app.router.add_get("/rest/socialActions/{target}/comments", self._versioned(self.list_comments, READ))
        app.router.add_post("/rest/socialActions/{target}/comments", self._versioned(self.create_comment, WRITE))
        app.router.add_get("/rest/organizationalEntityNotifications", self._versioned(self.list_notifications, READ))
        app.router.add_get("/rest/organizationAcls", self._versioned(self.list_acls, ADMIN))
        app.router.add_get("/rest/organizations/{id}", self._versioned(self.get_organization, ()))

    def _versioned(self, handler: Any, scopes: tuple[str, ...]) -> Any:
        async def checked(request: web.Request) -> web.StreamResponse:
            if scopes and self.lacks(request, *scopes):
                return _error(403, f"Not enough permissions to access: {request.method} {request.path}", "ACCESS_DENIED", 100)
            version = request.headers.get("LinkedIn-Version")
            if not version:
                return _error(400, "A version must be present. Please specify a version by adding the LinkedIn-Version header.", "VERSION_MISSING")
            if not re.fullmatch(r"\d{6}(\.\d{2})?", version) or int(version[:6]) < OLDEST_VERSION:
                return _error(426, f"Requested version {version} is not active", "NONEXISTENT_VERSION")
            if request.headers.get("X-Restli-Protocol-Version") != "2.0.0":
                return _error(400, "Rest.li protocol version 2.0.0 is required (X-Restli-Protocol-Version header)", "ILLEGAL_ARGUMENT")
            # Protocol 2.0.0 wants URNs percent-encoded in paths and query values (section 5).
            if "urn:li:" in request.raw_path:
                return _error(400, "Syntax exception in path variables", "ILLEGAL_ARGUMENT")
            return await handler(request)

        return checked

    def render_comment(self, c: _Comment) -> dict[str, Any]:
        """A comment element as `socialActions/…/comments` returns it."""
        replies = sum(1 for r in self.comments.values() if r.parent == c.urn)
        body: dict[str, Any] = {
            "$URN": c.urn, "commentUrn": c.urn, "id": c.id, "actor": c.actor, "agent": c.actor, "object": c.object,
            "message": {"text": c.text, "attributes": []},
            "created": {"actor": c.actor, "time": c.created},
            "lastModified": {"actor": c.actor, "time": c.modified},
            "likesSummary": {"totalLikes": 0, "likedByCurrentUser": False, "selectedLikes": []},
            "commentsSummary": {"aggregatedTotalComments": replies, "totalFirstLevelComments": replies, "selectedComments": []},
        }
        if c.parent:
            body["parentComment"] = c.parent
        return body

    def _page(self, request: web.Request, elements: list[Any]) -> web.Response:
        try:
            start = int(request.query.get("start", 0))
            count = int(request.query.get("count", 10))
        except ValueError:
            return _error(400, "Invalid value for param start/count", "ILLEGAL_ARGUMENT")
        if start < 0 or not 0 < count <= 100:
            return _error(400, "count must be between 1 and 100", "ILLEGAL_ARGUMENT")
        page = elements[start : start + count]
        links = []
        if start + count < len(elements):
            query = dict(request.query)
            query["start"] = str(start + count)
            links.append({"rel": "next", "type": "application/json", "href": str(request.rel_url.with_query(query))})
        return web.json_response({"paging": {"start": start, "count": count, "total": len(elements), "links": links},
                                  "elements": page})

    async def list_posts(self, request: web.Request) -> web.Response:
        """GET /rest/posts?q=author&author=<org>."""
        if request.query.get("q") != "author":
            return _error(400, "Missing or invalid finder: q", "ILLEGAL_ARGUMENT")
        if request.query.get("author") != ORG:
            return _error(403, f"Not enough permissions to access: posts.FINDER-author.{request.query.get('author')}", "ACCESS_DENIED", 100)
        key = "lastModifiedAt" if request.query.get("sortBy", "LAST_MODIFIED") == "LAST_MODIFIED" else "createdAt"
        posts = sorted((p for p in self.posts.values() if p["author"] == ORG), key=lambda p: (p[key], p["id"]), reverse=True)
        return self._page(request, posts)

    async def get_post(self, request: web.Request) -> web.Response:
        """GET /rest/posts/{urn}."""
        post = self.posts.get(request.match_info["urn"])
        if post is None:
            return _error(404, "Not Found", "NOT_FOUND")
        return web.json_response(post)

    async def list_comments(self, request: web.Request) -> web.Response:
        """GET /rest/socialActions/{post or comment URN}/comments."""
        target = request.match_info["target"]
        if target not in self.posts and target not in self.comments:
            return _error(404, f"Not Found: {target}", "NOT_FOUND")
        if target in self.posts:
            rows = [c for c in self.comments.values() if c.object == target and c.parent is None]
        else:
            rows = [c for c in self.comments.values() if c.parent == target]
        rows.sort(key=lambda c: (c.created, c.id), reverse=self.newest_first)
        return self._page(request, [self.render_comment(c) for c in rows])

    async def create_comment(self, request: web.Request) -> web.Response:
        """POST /rest/socialActions/{target}/comments as the organisation."""
        target = request.match_info["target"]
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "Invalid JSON", "ILLEGAL_ARGUMENT")
        text = (payload.get("message") or {}).get("text") if isinstance(payload, dict) else None
        if not isinstance(text, str) or not text.strip():
            return _error(422, "/message/text :: field is required but not found and has no default value", "UNPROCESSABLE_ENTITY")
        if payload.get("actor") != ORG:
            return _error(403, f"Not enough permissions to comment as {payload.get('actor')}", "ACCESS_DENIED", 100)
        match = _COMMENT_URN.match(target)
        if match and (payload.get("parentComment") != target or payload.get("object") != match.group(1)):
            return _error(400, "parentComment and object must match the comment in the path", "ILLEGAL_ARGUMENT")
        if target not in self.posts and target not in self.comments:
            return _error(404, f"Not Found: {target}", "NOT_FOUND")
        comment = self._add_comment(ORG, target, text, self._now())
        self.replies.append({"id": comment.urn, "parent": target, "text": text})
        return web.json_response(self.render_comment(comment), status=201, headers={"x-restli-id": comment.id})

    async def list_acls(self, request: web.Request) -> web.Response:
        """GET /rest/organizationAcls?q=roleAssignee[&role=...&state=...]: pages the member administers."""
        q = request.query
        if q.get("q") != "roleAssignee":
            return _error(400, "Missing or invalid finder: q", "ILLEGAL_ARGUMENT")
        acl = {"roleAssignee": MEMBER, "state": "APPROVED", "role": "ADMINISTRATOR", "organization": ORG,
               "organizationTarget": ORG}
        rows = [acl] if q.get("role", "ADMINISTRATOR") == "ADMINISTRATOR" and q.get("state", "APPROVED") == "APPROVED" else []
        return self._page(request, rows)

    async def get_organization(self, request: web.Request) -> web.Response:
        """GET /rest/organizations/{id}."""
        if request.match_info["id"] != ORG.rsplit(":", 1)[1]:
            return _error(404, f"Not Found: {request.match_info['id']}", "NOT_FOUND")
        return web.json_response({"id": int(ORG.rsplit(":", 1)[1]), "localizedName": ORG_NAME, "vanityName": ORG_VANITY,
                                  "name": {"localized": {"fr_CA": ORG_NAME}, "preferredLocale": {"country": "CA", "language": "fr"}},
                                  "$URN": ORG})

    async def list_notifications(self, request: web.Request) -> web.Response:
        """GET /rest/organizationalEntityNotifications?q=criteria&…&timeRange=(start:…,end:…)."""
        q = request.query
        if q.get("q") != "criteria" or q.get("organizationalEntity") != ORG:
            return _error(400, "q=criteria and organizationalEntity are required", "ILLEGAL_ARGUMENT")
        actions, span = _LIST.match(q.get("actions", "")), _RANGE.match(q.get("timeRange", ""))
        if actions is None or span is None:
            return _error(400, "actions=List(...) and timeRange=(start:…,end:…) are required", "ILLEGAL_ARGUMENT")
        wanted = set(actions.group(1).split(","))
        begin, end = int(span.group(1)), int(span.group(2))
        rows = [n for n in self.notifications if n["action"] in wanted and begin <= n["lastModifiedAt"] <= end]
        rows.sort(key=lambda n: n["lastModifiedAt"])
        return self._page(request, rows)


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application."""
    return LinkedInEmulator(**options).create_app()
