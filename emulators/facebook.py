"""A local Facebook Pages Graph API: feed, tagged posts, comments, reply, hide, delete.

Faithful to platform-apis.md section 1: time-based paging on post edges, cursor paging on
`/comments` (filter toplevel|stream, order, summary), one level of replies, Graph error bodies
and usage headers. Inject kinds: "comment"/"reply" (parent: a post or comment id), "post" (a
visitor post), "mention" (a post tagging the Page), "page_post" (a post of the Page).
Facebook Login, /me/accounts with two Pages (the demo Page, with every task, and a second one
without MODERATE), subscribed_apps (emulators/facebook_oauth.py) and signed webhook deliveries
of injected comments, visitor posts and mentions to a subscribed Page's callback (meta_webhooks).
"""

from __future__ import annotations

import base64
import itertools
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from emulators import facebook_oauth, facebook_writes, meta_webhooks
from emulators import meta_graph as graph
from emulators.instagram import USER_ID as INSTAGRAM_USER_ID

PAGE_ID = "111222333"
SECOND_PAGE_ID = "111222444"
ALL_TASKS = ["ANALYZE", "ADVERTISE", "MESSAGING", "MODERATE", "CREATE_CONTENT", "MANAGE"]
DEFAULT_TOKEN = "demo-token"
POST_EDGES = ("feed", "posts", "published_posts", "tagged", "visitor_posts")
POST_DEFAULT_FIELDS = ("id", "message", "created_time")
COMMENT_DEFAULT_FIELDS = ("id", "message", "created_time", "from")
# Fields of the Post node (Graph reference, page post); asking a Post for any other is error 100.
POST_NODE_FIELDS = frozenset((
    "id", "message", "created_time", "updated_time", "from", "permalink_url", "parent_id", "story",
    "full_picture", "status_type", "attachments", "comments", "reactions", "shares", "is_hidden",
    "is_published", "message_tags", "place", "privacy", "to", "actions", "icon", "application",
))

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Café Démo (Facebook)",
    "external_id": PAGE_ID,
    "settings": {"lookback_days": 30},
    "credentials": {"access_token": DEFAULT_TOKEN},
}


class FacebookEmulator(graph.GraphEmulator):
    """One Facebook Page with its posts and comments."""

    platform = "facebook"
    use_case = "pages"
    held = "post or comment"
    webhook_object = "page"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        page_id: str = PAGE_ID,
        page_name: str = "Café Démo",
        seed: bool = True,
        usage_budget: int = 5000,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(token=token, **options)
        self.page = {"id": page_id, "name": page_name}
        # The Pages the demo user manages (/me/accounts): the demo Page, and one whose role lacks MODERATE.
        self.pages: list[dict[str, Any]] = [
            {"id": page_id, "name": page_name, "category": "Café", "tasks": list(ALL_TASKS),
             "instagram_business_account": {"id": INSTAGRAM_USER_ID}},
            {"id": SECOND_PAGE_ID, "name": "Boutique Démo", "category": "Boutique",
             "tasks": ["ANALYZE", "ADVERTISE", "CREATE_CONTENT"]},
        ]
        self.usage_budget = usage_budget
        self.clock = clock or (lambda: datetime.now(UTC))
        self.seed = seed
        self.posts: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self.reset()

    # -- data ------------------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget everything, then seed the Page's posts again."""
        super().reset()
        self.posts.clear()
        self.comments.clear()
        if self.seed:
            now = self.clock()
            self._add_post(
                "Nouveau menu du printemps ! / Our spring menu is here!", self.page, "page", now - timedelta(days=2)
            )
            self._add_post(
                "Ouvert le dimanche dès 9 h. Open Sundays from 9.", self.page, "page", now - timedelta(days=1)
            )

    def _add_post(self, message: str, sender: dict[str, str], kind: str, created: datetime) -> dict[str, Any]:
        created = created.replace(microsecond=0)  # Graph times have whole seconds
        post_id = f"{self.page['id']}_{self.next_id()}"
        post = {
            "id": post_id,
            "message": message,
            "created": created,
            "from": dict(sender),
            "kind": kind,
            "seq": next(self._seq),
        }
        self.posts[post_id] = post
        return post

    def add_comment(
        self, post_id: str, parent_id: str | None, message: str, sender: dict[str, str], created: datetime
    ) -> dict[str, Any]:
        created = created.replace(microsecond=0)
        number = post_id.split("_")[-1]
        comment_id = f"{number}_{self.next_id()}"
        comment = {
            "id": comment_id,
            "post_id": post_id,
            "parent_id": parent_id,
            "message": message,
            "created": created,
            "from": dict(sender),
            "is_hidden": False,
            "seq": next(self._seq),
        }
        self.comments[comment_id] = comment
        return comment

    def _permalink(self, comment: dict[str, Any]) -> str:
        page_part, _, post_number = comment["post_id"].rpartition("_")
        base = f"https://www.facebook.com/{page_part}/posts/{post_number}/"
        number = lambda cid: cid.split("_")[-1]
        if comment["parent_id"]:
            return f"{base}?comment_id={number(comment['parent_id'])}&reply_comment_id={number(comment['id'])}"
        return f"{base}?comment_id={number(comment['id'])}"

    def _children(self) -> Counter[str]:
        return Counter(c["parent_id"] for c in self.comments.values() if c["parent_id"])

    def comment_view(self, comment: dict[str, Any], children: Counter[str] | None = None) -> dict[str, Any]:
        view = {
            "id": comment["id"],
            "message": comment["message"],
            "created_time": graph.graph_time(comment["created"]),
            "from": comment["from"],
            "is_hidden": comment["is_hidden"],
            "can_hide": True,
            "permalink_url": self._permalink(comment),
            "like_count": 0,
            "comment_count": (children if children is not None else self._children())[comment["id"]],
        }
        if comment["parent_id"]:
            view["parent"] = {"id": comment["parent_id"]}
        return view

    def _post_view(self, post: dict[str, Any]) -> dict[str, Any]:
        page_part, _, number = post["id"].rpartition("_")
        return {
            "id": post["id"],
            "message": post["message"],
            "created_time": graph.graph_time(post["created"]),
            "from": post["from"],
            "permalink_url": f"https://www.facebook.com/{page_part}/posts/{number}",
        }

    # -- control API -----------------------------------------------------------------------------
    def find(self, object_id: str) -> dict[str, Any] | None:
        """A held post or comment."""
        return self.comments.get(object_id) or self.posts.get(object_id)

    def retext(self, object_id: str, entry: dict[str, Any], text: str) -> None:
        """A post's or comment's new message (a comment's edit is pushed as verb `edited`)."""
        entry["message"] = text
        if object_id in self.comments:
            self.webhooks.change(self.page["id"], "feed", meta_webhooks.feed_comment(entry, "edited"))

    def add(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add a post or comment (see the module docstring)."""
        kind = payload.get("kind", "comment")
        sender = {"id": str(payload.get("author_id") or self.next_id()), "name": str(payload.get("author_name") or "")}
        created = datetime.fromisoformat(payload["created_at"]) if payload.get("created_at") else self.clock()
        text = str(payload.get("text", ""))
        if kind in ("post", "mention", "page_post"):
            owner = self.page if kind == "page_post" else sender
            post = self._add_post(text, owner, {"post": "visitor", "mention": "tagged"}.get(kind, "page"), created)
            if kind in ("post", "mention"):  # a visitor post is a `feed` change, a tag a `mention` one
                field = "feed" if kind == "post" else "mention"
                self.webhooks.change(self.page["id"], field, meta_webhooks.page_post(post, field))
            return {"external_id": post["id"]}
        parent = str(payload.get("parent") or next(reversed(self.posts), ""))
        if parent in self.posts:
            comment = self.add_comment(parent, None, text, sender, created)
        elif parent in self.comments:
            top = self.comments[parent]
            top_id = top["parent_id"] or top["id"]
            comment = self.add_comment(top["post_id"], top_id, text, sender, created)
        else:
            raise web.HTTPBadRequest(text=f"parent {parent!r} is neither a post nor a comment")
        self.webhooks.change(self.page["id"], "feed", meta_webhooks.feed_comment(comment))
        return {"external_id": comment["id"]}

    def delete(self, object_id: str) -> None:
        """Forget a post or comment and the comments under it (a comment's removal is pushed)."""
        self.posts.pop(object_id, None)
        removed = self.comments.pop(object_id, None)
        if removed is not None:
            self.webhooks.change(self.page["id"], "feed", meta_webhooks.feed_comment(removed, "remove"))
        for comment_id in [c["id"] for c in self.comments.values() if object_id in (c["parent_id"], c["post_id"])]:
            self.comments.pop(comment_id, None)

    def state(self) -> dict[str, Any]:
        """Counts of posts and comments held."""
        return {
            "kinds": ["comment", "reply", "post", "mention", "page_post"],
            "posts": len(self.posts),
            "comments": len(self.comments),
            "page_id": self.page["id"],
            "pages": [p["id"] for p in self.pages],
            "webhook": self.webhooks.state(),
        }

    def add_oauth_routes(self, app: web.Application) -> None:
        """Facebook Login's endpoints."""
        facebook_oauth.install(self, app)

    # -- Graph API -------------------------------------------------------------------------------
    @property
    def owner_id(self) -> str:
        """Usage headers count the Page's calls."""
        return self.page["id"]

    def answer(self, request: web.Request, segments: list[str], params: dict[str, str]) -> web.Response | None:
        """Facebook Login's calls, post edges of the Pages, comments of any object, single objects."""
        method = request.method
        login = facebook_oauth.answer(self, request, segments, params)
        if login is not None:
            return login
        target = self._page_of(segments[0]) if segments else None
        refused = facebook_oauth.permission_refusal(self, request, target)
        if refused is not None:
            return refused
        if len(segments) == 2 and segments[0] == SECOND_PAGE_ID and segments[1] in POST_EDGES and method == "GET":
            return web.json_response({"data": []})  # the second Page has nothing posted
        if len(segments) == 2 and segments[0] == self.page["id"] and segments[1] in POST_EDGES and method == "GET":
            return self._list_posts(request, segments[1])
        if len(segments) == 2 and segments[1] == "comments" and method == "GET":
            return self._list_comments(request, segments[0])
        if len(segments) == 2 and segments[1] == "comments" and method == "POST":
            return facebook_writes.create_comment(self, segments[0], params)
        if len(segments) == 1 and method == "GET":
            return self._get_object(request, segments[0])
        if len(segments) == 1 and method == "POST":
            return facebook_writes.update_comment(self, segments[0], params)
        if len(segments) == 1 and method == "DELETE" and segments[0] in self.comments:
            self.delete(segments[0])
            return web.json_response({"success": True})
        return None

    def _page_of(self, object_id: str) -> str | None:
        """The Page an id belongs to (posts are PAGE_N, comments hang from the demo Page's posts)."""
        if object_id in {p["id"] for p in self.pages}:
            return object_id
        if object_id in self.posts or object_id in self.comments:
            return self.page["id"]
        return None

    def _list_posts(self, request: web.Request, edge: str) -> web.Response:
        kinds = {
            "feed": ("page", "visitor"),
            "posts": ("page",),
            "published_posts": ("page",),
            "tagged": ("tagged",),
            "visitor_posts": ("visitor",),
        }[edge]
        posts = sorted(
            (p for p in self.posts.values() if p["kind"] in kinds), key=lambda p: (p["created"], p["seq"]), reverse=True
        )
        query = request.query
        try:
            limit = min(100, max(1, int(query.get("limit", 25))))
            since = int(query["since"]) if query.get("since") else None
            until = int(query["until"]) if query.get("until") else None
        except ValueError:
            return graph.graph_error(400, 100, "(#100) since, until and limit must be integers")
        token = query.get("__paging_token")
        last_seq = None
        if token:
            try:
                last_seq = int(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode())
            except ValueError:
                return graph.graph_error(400, 100, "(#100) Invalid paging token")
        # Time-based paging (section 1.1): `until` is the last entry's time; the paging token
        # tells entries of that same second apart.
        selected = []
        for post in posts:
            stamp = int(post["created"].timestamp())
            if since is not None and stamp < since:
                continue
            if until is not None and (
                stamp > until or (stamp == until and last_seq is not None and post["seq"] >= last_seq)
            ):
                continue
            selected.append(post)
        window = selected[:limit]
        fields = graph.parse_fields(query.get("fields"))
        body: dict[str, Any] = {"data": [graph.select(self._post_view(p), fields, POST_DEFAULT_FIELDS) for p in window]}
        url = str(request.url.with_query(None))
        if window:
            keep = {k: v for k, v in query.items() if k not in ("until", "since", "__paging_token", "__previous")}
            last, first = window[-1], window[0]
            paging = {
                "previous": f"{url}?"
                + urlencode(
                    {
                        **keep,
                        "since": str(int(first["created"].timestamp())),
                        "__paging_token": _token(first["seq"]),
                        "__previous": "1",
                    }
                )
            }
            if len(selected) > limit:
                paging["next"] = f"{url}?" + urlencode(
                    {
                        **keep,
                        **({"since": query["since"]} if since else {}),
                        "until": str(int(last["created"].timestamp())),
                        "__paging_token": _token(last["seq"]),
                    }
                )
            body["paging"] = paging
        return web.json_response(body)

    def _list_comments(self, request: web.Request, object_id: str) -> web.Response:
        query = request.query
        if object_id in self.posts:
            stream = query.get("filter") == "stream"
            entries = [
                c for c in self.comments.values() if c["post_id"] == object_id and (stream or not c["parent_id"])
            ]
        elif object_id in self.comments:
            entries = [c for c in self.comments.values() if c["parent_id"] == object_id]
        else:
            return graph.missing_object(object_id)
        descending = query.get("order") == "reverse_chronological"
        key = lambda c: (c["created"].timestamp(), c["seq"])
        entries.sort(key=key, reverse=descending)
        paged = graph.cursor_page(request, entries, key, descending)
        if isinstance(paged, web.Response):
            return paged
        window, paging = paged
        fields = graph.parse_fields(query.get("fields"))
        children = self._children()
        body: dict[str, Any] = {
            "data": [graph.select(self.comment_view(c, children), fields, COMMENT_DEFAULT_FIELDS) for c in window]
        }
        if paging:
            body["paging"] = paging
        if query.get("summary") in ("true", "1"):
            body["summary"] = {
                "order": "reverse_chronological" if descending else "chronological",
                "total_count": len(entries),
                "can_comment": True,
            }
        return web.json_response(body)

    def _get_object(self, request: web.Request, object_id: str) -> web.Response:
        fields = graph.parse_fields(request.query.get("fields"))
        if object_id == "me":  # a Page access token's /me is its Page
            token = self.oauth_token(request)
            object_id = str(token.extra.get("page_id")) if token is not None else self.page["id"]
        if object_id in self.comments:
            return web.json_response(
                graph.select(self.comment_view(self.comments[object_id]), fields, COMMENT_DEFAULT_FIELDS)
            )
        if object_id in self.posts:
            unknown = sorted(set(fields) - POST_NODE_FIELDS)
            if unknown:
                return graph.graph_error(
                    400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type (Post)"
                )
            return web.json_response(graph.select(self._post_view(self.posts[object_id]), fields, POST_DEFAULT_FIELDS))
        page = next((p for p in self.pages if p["id"] == object_id), None)
        if page is not None:
            return web.json_response(graph.select(page, fields, ("id", "name")))
        return graph.missing_object(object_id)


def _token(seq: int) -> str:
    return base64.urlsafe_b64encode(str(seq).encode()).decode().rstrip("=")


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application (options: token, page_id, seed, usage_budget, clock)."""
    return FacebookEmulator(**options).create_app()
