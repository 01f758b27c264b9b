"""A local WordPress site speaking the REST comments API (platform-apis.md section 6).

Same paths, parameters, headers (X-WP-Total, X-WP-TotalPages, Link), error bodies
({"code","message","data":{"status"}}) and duplicate-comment refusal as wp-json/wp/v2.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import web

from emulators.base import Emulator, Fault
from emulators.bulk import inject_many

SITE_USER = "jasette"
SITE_USER_ID = 1
SITE_USER_NAME = "Boulangerie Saint-Laurent"

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Blogue de la boulangerie",
    "external_id": "boulangerie.example",
    "settings": {"user_id": SITE_USER_ID},
    "credentials": {"username": SITE_USER, "application_password": "demo-token"},
}


@dataclass
class _Comment:
    id: int
    post: int
    parent: int
    author: int
    author_name: str
    author_url: str
    date_gmt: datetime
    content: str
    status: str = "approved"


def _error(status: int, code: str, message: str, **data: Any) -> web.Response:
    return web.json_response({"code": code, "message": message, "data": {"status": status, **data}}, status=status)


class WordPressEmulator(Emulator):
    """One WordPress site with a couple of posts and their comments."""

    platform = "wordpress"

    def __init__(
        self, token: str = "demo-token", site_url: str = "https://boulangerie.example", tz: str = "America/Montreal",
        texturize: bool = False, **options: Any,
    ) -> None:
        super().__init__(token=token, **options)
        self.site_url = site_url
        # WordPress typesets what it shows (wptexturize: ' as &#8217;, ... as &#8230;); off by
        # default so tests compare the text they injected.
        self.texturize = texturize
        self.tz = ZoneInfo(tz)
        self.posts: dict[int, str] = {}
        self.comments: dict[int, _Comment] = {}
        self._seed()

    def _seed(self) -> None:
        for slug in ("nouveau-pain-au-levain", "horaire-des-fetes"):
            self.posts[int(self.next_id())] = slug

    # -- auth ----------------------------------------------------------------------------------
    def token_of(self, request: web.Request) -> str | None:
        """The application password of a Basic header; anonymous reads are public, as on WordPress."""
        auth = request.headers.get("Authorization", "")
        if not auth:
            return self.token if request.method == "GET" and not request.path.endswith("/users/me") else None
        if not auth.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(auth[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        # WordPress shows application passwords in groups of four; spaces do not count.
        return password.replace(" ", "") if user == SITE_USER else None

    def auth_error(self) -> web.StreamResponse:
        """WordPress's answer to a wrong application password."""
        return _error(401, "incorrect_password", "The provided password is an invalid application password.")

    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults as a WordPress host shows them: WAF 429 page, PHP fatal error, revoked password."""
        if fault.mode in ("rate_limit", "quota"):
            # WordPress has no rate limit of its own; hosts answer with an HTML page (section 6).
            return web.Response(
                status=429, text="<html><body><h1>429 Too Many Requests</h1></body></html>",
                content_type="text/html", headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.mode == "expired_token":
            return self.auth_error()
        return _error(500, "internal_server_error", "<p>There has been a critical error on this website.</p>")

    # -- control -------------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, datetime.now(UTC))
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add, edit or delete a comment from the control API."""
        if "edit" in payload:
            self.comments[int(payload["edit"])].content = str(payload.get("text", ""))
            return {"external_id": str(payload["edit"])}
        if "delete" in payload:
            self.comments.pop(int(payload["delete"]), None)
            return {"external_id": str(payload["delete"])}
        if payload.get("kind", "comment") not in ("comment", "reply"):
            raise web.HTTPBadRequest(text="kinds: comment, reply")
        post, parent = self._place(payload.get("parent"))
        created = payload.get("created_at")
        when = datetime.fromisoformat(created).astimezone(UTC) if created else datetime.now(UTC)
        comment = _Comment(
            id=int(self.next_id()), post=post, parent=parent, author=0,
            author_name=str(payload.get("author_name", "")), author_url=str(payload.get("author_url", "")),
            date_gmt=when.replace(microsecond=0), content=str(payload.get("text", "")),
        )
        self.comments[comment.id] = comment
        return {"external_id": str(comment.id)}

    def _place(self, parent: Any) -> tuple[int, int]:
        # A parent is a post id (top-level comment) or a comment id (reply); both share one counter.
        if parent is None or parent == "":
            return max(self.posts), 0
        pid = int(parent)
        if pid in self.posts:
            return pid, 0
        if pid in self.comments:
            return self.comments[pid].post, pid
        raise web.HTTPBadRequest(text=f"unknown parent {parent}")

    def reset(self) -> None:
        """Forget comments, keep the seeded posts."""
        super().reset()
        self.comments.clear()

    def state(self) -> dict[str, Any]:
        """Kinds this emulator injects, and its posts (parents for top-level comments)."""
        return {"kinds": ["comment", "reply"], "posts": [str(p) for p in self.posts], "comments": len(self.comments)}

    # -- REST API ------------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        """wp-json/wp/v2 comment routes and users/me."""
        app.router.add_get("/wp-json/wp/v2/comments", self.list_comments)
        app.router.add_post("/wp-json/wp/v2/comments", self.create_comment)
        app.router.add_get("/wp-json/wp/v2/comments/{id}", self.get_comment)
        app.router.add_post("/wp-json/wp/v2/comments/{id}", self.update_comment)
        app.router.add_get("/wp-json/wp/v2/users/me", self.me)

    def render(self, c: _Comment, context: str = "view") -> dict[str, Any]:
        """The comment as the REST API's view context (or edit context, with `content.raw`) shows it."""
        local = c.date_gmt.astimezone(self.tz).replace(tzinfo=None)
        slug = self.posts.get(c.post, "post")
        text = "".join(f"<p>{self._typeset(p)}</p>\n" for p in c.content.split("\n\n")) if c.content else ""
        content = {"rendered": text, "raw": c.content} if context == "edit" else {"rendered": text}
        return {
            "id": c.id, "post": c.post, "parent": c.parent, "author": c.author,
            "author_name": c.author_name, "author_url": c.author_url,
            "date": local.isoformat(timespec="seconds"),
            "date_gmt": c.date_gmt.replace(tzinfo=None).isoformat(timespec="seconds"),
            "content": content,
            "link": f"{self.site_url}/{slug}/#comment-{c.id}",
            "status": c.status, "type": "comment",
            "author_avatar_urls": {"24": "https://secure.gravatar.com/avatar/0?s=24&d=mm", "48": "https://secure.gravatar.com/avatar/0?s=48&d=mm"},
            "meta": [],
        }

    def _typeset(self, paragraph: str) -> str:
        if not self.texturize:
            return html.escape(paragraph)
        return html.escape(paragraph, quote=False).replace("'", "&#8217;").replace("...", "&#8230;")

    async def list_comments(self, request: web.Request) -> web.Response:
        """GET /wp-json/wp/v2/comments with the documented filters, ordering and paging."""
        q = request.query
        try:
            per_page = int(q.get("per_page", 10))
            page = int(q.get("page", 1))
            offset = int(q["offset"]) if "offset" in q else None
        except ValueError:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page, page, offset")
        if not 1 <= per_page <= 100:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): per_page",
                          params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"})
        if page < 1:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): page")
        status = q.get("status", "approve")
        wanted_status = {"approve": "approved", "hold": "hold"}.get(status)
        if wanted_status is None:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): status")
        rows = [c for c in self.comments.values() if c.status == wanted_status]
        try:
            rows = self._filter(rows, q)
        except ValueError as exc:
            return _error(400, "rest_invalid_param", f"Invalid parameter(s): {exc}")
        key = {"id": lambda c: c.id, "date": lambda c: (c.date_gmt, c.id), "date_gmt": lambda c: (c.date_gmt, c.id),
               "post": lambda c: (c.post, c.id), "parent": lambda c: (c.parent, c.id)}.get(q.get("orderby", "date_gmt"))
        if key is None:
            return _error(400, "rest_invalid_param", "Invalid parameter(s): orderby")
        rows.sort(key=key, reverse=q.get("order", "desc") == "desc")
        total = len(rows)
        pages = -(-total // per_page)
        start = offset if offset is not None else (page - 1) * per_page
        context = "edit" if q.get("context") == "edit" else "view"
        body = [self.render(c, context) for c in rows[start : start + per_page]]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        base = {k: v for k, v in q.items() if k not in ("page", "offset")}
        if offset is None and page < pages:
            links.append(f'<{request.url.with_query(None)}?{urlencode({**base, "page": page + 1})}>; rel="next"')
        if offset is None and 1 < page <= pages + 1:
            links.append(f'<{request.url.with_query(None)}?{urlencode({**base, "page": page - 1})}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        return web.json_response(body, headers=headers)

    def _filter(self, rows: list[_Comment], q: Any) -> list[_Comment]:
        # after/before are site-local times compared with comment_date, as WP_Comment_Query
        # does ([U]): read them in the site's zone once, then compare in UTC (cheaper per row).
        def as_utc(value: str) -> datetime:
            return datetime.fromisoformat(value).replace(tzinfo=None).replace(tzinfo=self.tz).astimezone(UTC)

        if "after" in q:
            after = as_utc(q["after"])
            rows = [c for c in rows if c.date_gmt > after]
        if "before" in q:
            before = as_utc(q["before"])
            rows = [c for c in rows if c.date_gmt < before]
        for field in ("post", "parent", "author"):
            if field in q:
                wanted = {int(v) for v in q[field].split(",")}
                rows = [c for c in rows if getattr(c, field) in wanted]
        if "search" in q:
            rows = [c for c in rows if q["search"].lower() in c.content.lower()]
        return rows

    async def get_comment(self, request: web.Request) -> web.Response:
        """GET /wp-json/wp/v2/comments/{id}."""
        comment = self.comments.get(int(request.match_info["id"]))
        if comment is None or comment.status != "approved":
            return _error(404, "rest_comment_invalid_id", "Invalid comment ID.")
        return web.json_response(self.render(comment))

    async def create_comment(self, request: web.Request) -> web.Response:
        """POST /wp-json/wp/v2/comments as the authenticated site user."""
        try:
            payload = await request.json()
        except ValueError:
            return _error(400, "rest_invalid_json", "Invalid JSON body passed.")
        post, parent = payload.get("post"), int(payload.get("parent") or 0)
        if post not in self.posts:
            return _error(403, "rest_comment_invalid_post_id", "Sorry, you are not allowed to create this comment without a post.")
        if parent and (parent not in self.comments or self.comments[parent].post != post):
            return _error(400, "rest_comment_invalid_parent", "Invalid comment parent ID.")
        text = payload.get("content")
        text = text.get("raw") if isinstance(text, dict) else text
        if not isinstance(text, str) or not text.strip():
            return _error(400, "rest_comment_content_invalid", "Invalid comment content.")
        if any(c.post == post and c.author == SITE_USER_ID and c.content == text for c in self.comments.values()):
            return _error(409, "comment_duplicate", "Duplicate comment detected; it looks as though you\u2019ve already said that!")
        comment = _Comment(
            id=int(self.next_id()), post=post, parent=parent, author=SITE_USER_ID, author_name=SITE_USER_NAME,
            author_url=self.site_url, date_gmt=datetime.now(UTC).replace(microsecond=0), content=text,
        )
        self.comments[comment.id] = comment
        self.replies.append({"id": str(comment.id), "parent": str(parent), "text": text})
        return web.json_response(self.render(comment), status=201)

    async def update_comment(self, request: web.Request) -> web.Response:
        """POST /wp-json/wp/v2/comments/{id}: status changes (moderation) and content edits."""
        comment = self.comments.get(int(request.match_info["id"]))
        if comment is None:
            return _error(404, "rest_comment_invalid_id", "Invalid comment ID.")
        payload = await request.json()
        status = payload.get("status")
        if status is not None:
            comment.status = {"approve": "approved", "approved": "approved", "hold": "hold"}.get(status, comment.status)
            if comment.status == "hold":
                self.hidden.add(str(comment.id))
            else:
                self.hidden.discard(str(comment.id))
        if isinstance(payload.get("content"), str):
            comment.content = payload["content"]
        return web.json_response(self.render(comment))

    async def me(self, request: web.Request) -> web.Response:
        """GET /wp-json/wp/v2/users/me: the application password's user."""
        return web.json_response({"id": SITE_USER_ID, "name": SITE_USER_NAME, "slug": SITE_USER})


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application."""
    return WordPressEmulator(**options).create_app()
