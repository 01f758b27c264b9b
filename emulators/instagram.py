"""A local Instagram Graph API (business account): media, comments, replies, tags, hide.

Faithful to platform-apis.md section 2: cursor paging with only an `after` cursor on comments,
`replies{...}` field expansion, replies only one level deep (a reply to a reply lands on the
top-level comment), no reply to a hidden comment (code 100), Graph errors and usage headers.
Inject kinds: "comment"/"reply" (parent: a media or comment id), "mention" (someone's media
tagging the account), "media" (a media of the account).
Instagram Login with its token exchange and refresh, /me and subscribed_apps
(emulators/instagram_oauth.py), and signed `comments` / `mentions` webhook deliveries of injected
comments and mentions once the account subscribed the app (meta_webhooks).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from emulators import instagram_oauth
from emulators import meta_graph as graph

USER_ID = "17841400000000000"
USERNAME = "cafe.demo"
DEFAULT_TOKEN = "demo-token"
PAGE_ID = "106000000000001"  # the Facebook Page the account is linked to (Instagram API with Facebook Login)
OUTSIDER_PAGE_ID = "106999999999999"
# What the token's own /me is (platform-apis.md 2): the Instagram account itself (Instagram Login,
# the default), a Page token (Facebook Login) or a Facebook user who manages the Page.
LOGINS = ("instagram", "page", "user")
COMMENT_DEFAULT_FIELDS = ("id", "text", "timestamp")
MEDIA_DEFAULT_FIELDS = ("id",)
NESTED_REPLIES = 50  # a nested `replies{...}` shows this many, then paging

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Café Démo (Instagram)",
    "external_id": USER_ID,
    "settings": {"username": USERNAME, "lookback_days": 30},
    "credentials": {"access_token": DEFAULT_TOKEN},
}


class InstagramEmulator(graph.GraphEmulator):
    """One Instagram business account with its media and their comments."""

    platform = "instagram"
    use_case = "instagram"
    held = "media or comment"
    webhook_object = "instagram"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        user_id: str = USER_ID,
        username: str = USERNAME,
        seed: bool = True,
        usage_budget: int = 5000,
        clock: Callable[[], datetime] | None = None,
        page_id: str = PAGE_ID,
        login: str = "instagram",
        outsider_token: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(token=token, **options)
        if login not in LOGINS:
            raise ValueError(f"login is one of {LOGINS}")
        self.user = {"id": user_id, "username": username}
        self.page = {"id": page_id, "name": "Café Démo", "instagram_business_account": {"id": user_id}}
        self.login = login
        # A token Graph accepts for reading the account (another app's Page with broad public-content
        # access) without any link to it: its /me is another Page, linking no Instagram account.
        self.outsider_token = outsider_token
        self.usage_budget = usage_budget
        self.clock = clock or (lambda: datetime.now(UTC))
        self.seed = seed
        self.media: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self._seq = itertools.count(1)
        self._ids = itertools.count(17_900_000_000_000_001 + self.id_offset)
        self.reset()

    def next_id(self) -> str:
        """Instagram ids are long numbers."""
        return str(next(self._ids))

    def reset(self) -> None:
        """Forget everything, then seed the account's media again."""
        super().reset()
        self.media.clear()
        self.comments.clear()
        if self.seed:
            now = self.clock()
            self._add_media("Latte art du vendredi ☕ #cafe", self.user, False, now - timedelta(days=2))
            self._add_media("Croissants chauds / fresh croissants 🥐", self.user, False, now - timedelta(days=1))

    def _add_media(self, caption: str, owner: dict[str, str], tagged: bool, created: datetime) -> dict[str, Any]:
        media_id = self.next_id()
        media = {
            "id": media_id,
            "caption": caption,
            "created": created.replace(microsecond=0),
            "owner": dict(owner),
            "tagged": tagged,
            "seq": next(self._seq),
            "shortcode": f"C{media_id[-9:]}",
        }
        self.media[media_id] = media
        return media

    def _add_comment(
        self, media_id: str, parent_id: str | None, text: str, sender: dict[str, str], created: datetime
    ) -> dict[str, Any]:
        comment: dict[str, Any] = {
            "id": self.next_id(),
            "media_id": media_id,
            "parent_id": parent_id,
            "text": text,
            "created": created.replace(microsecond=0),
            "from": dict(sender),
            "hidden": False,
            "seq": next(self._seq),
        }
        self.comments[comment["id"]] = comment
        return comment

    def _key(self, entry: dict[str, Any]) -> tuple[Any, ...]:
        return (entry["created"].timestamp(), entry["seq"])

    def _children(self) -> dict[str, list[dict[str, Any]]]:
        children: dict[str, list[dict[str, Any]]] = {}
        for comment in self.comments.values():
            if comment["parent_id"]:
                children.setdefault(comment["parent_id"], []).append(comment)
        return children

    def _comment_view(
        self,
        comment: dict[str, Any],
        nested: dict[str, Any] | None,
        children: dict[str, list[dict[str, Any]]] | None = None,
    ) -> dict[str, Any]:
        view: dict[str, Any] = {
            "id": comment["id"],
            "text": comment["text"],
            "timestamp": graph.graph_time(comment["created"]),
            "username": comment["from"]["username"],
            "from": comment["from"],
            "hidden": comment["hidden"],
            "like_count": 0,
            "media": {"id": comment["media_id"]},
        }
        if comment["parent_id"]:
            view["parent_id"] = comment["parent_id"]
        if comment["from"]["id"] == self.user["id"]:
            view["user"] = {"id": self.user["id"]}
        if nested is not None and not comment["parent_id"]:
            replies = sorted(
                (children if children is not None else self._children()).get(comment["id"], []), key=self._key
            )
            if replies:
                shown = replies[:NESTED_REPLIES]
                block: dict[str, Any] = {
                    "data": [graph.select(self._comment_view(r, None), nested, COMMENT_DEFAULT_FIELDS) for r in shown]
                }
                if len(replies) > NESTED_REPLIES:
                    after = graph.encode_cursor(self._key(shown[-1]))
                    block["paging"] = {
                        "cursors": {"after": after},
                        "next": f"https://graph.facebook.com/v25.0/{comment['id']}/replies?limit={NESTED_REPLIES}&after={after}",
                    }
                view["replies"] = block
        return view

    def _media_view(self, media: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": media["id"],
            "caption": media["caption"],
            "timestamp": graph.graph_time(media["created"]),
            "media_type": "IMAGE",
            "permalink": f"https://www.instagram.com/p/{media['shortcode']}/",
            "comments_count": sum(1 for c in self.comments.values() if c["media_id"] == media["id"]),
            "like_count": 0,
            "username": media["owner"]["username"],
            "owner": {"id": media["owner"]["id"]},
        }

    # -- control API -----------------------------------------------------------------------------
    def find(self, object_id: str) -> dict[str, Any] | None:
        """A held media or comment."""
        return self.comments.get(object_id) or self.media.get(object_id)

    def retext(self, object_id: str, entry: dict[str, Any], text: str) -> None:
        """A comment's new text, or a media's new caption."""
        entry["text" if object_id in self.comments else "caption"] = text

    def add(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add a media or comment (see the module docstring)."""
        kind = payload.get("kind", "comment")
        sender = {
            "id": str(payload.get("author_id") or self.next_id()),
            "username": str(payload.get("author_handle") or payload.get("author_name") or ""),
        }
        created = datetime.fromisoformat(payload["created_at"]) if payload.get("created_at") else self.clock()
        text = str(payload.get("text", ""))
        if kind in ("mention", "media"):
            media = self._add_media(text, sender if kind == "mention" else self.user, kind == "mention", created)
            if kind == "mention":  # a caption mention carries the media id only
                self.webhooks.change(self.user["id"], "mentions", {"media_id": media["id"]})
            return {"external_id": media["id"]}
        own = [m for m in self.media.values() if not m["tagged"]]
        parent = str(payload.get("parent") or (own[-1]["id"] if own else ""))
        if parent in self.media:
            comment = self._add_comment(parent, None, text, sender, created)
        elif parent in self.comments:
            top = self.comments[parent]
            comment = self._add_comment(top["media_id"], top["parent_id"] or top["id"], text, sender, created)
        else:
            raise web.HTTPBadRequest(text=f"parent {parent!r} is neither a media nor a comment")
        value = {"from": comment["from"], "media": {"id": comment["media_id"], "media_product_type": "FEED"},
                 "id": comment["id"], "text": comment["text"]}
        if comment["parent_id"]:
            value["parent_id"] = comment["parent_id"]
        self.webhooks.change(self.user["id"], "comments", value)
        return {"external_id": comment["id"]}

    def delete(self, object_id: str) -> None:
        """Forget a media or comment and the comments under it."""
        self.media.pop(object_id, None)
        self.comments.pop(object_id, None)
        for comment_id in [c["id"] for c in self.comments.values() if object_id in (c["parent_id"], c["media_id"])]:
            self.comments.pop(comment_id, None)

    def state(self) -> dict[str, Any]:
        """Counts of media and comments held."""
        return {
            "kinds": ["comment", "reply", "mention", "media"],
            "media": len(self.media),
            "comments": len(self.comments),
            "user_id": self.user["id"],
            "webhook": self.webhooks.state(),
        }

    def add_oauth_routes(self, app: web.Application) -> None:
        """Instagram Login's endpoints."""
        instagram_oauth.install(self, app)

    # -- Graph API -------------------------------------------------------------------------------
    @property
    def owner_id(self) -> str:
        """Usage headers count the account's calls."""
        return self.user["id"]

    def _outsider(self, request: web.Request) -> bool:
        return bool(self.outsider_token) and super().token_of(request) == self.outsider_token

    def token_of(self, request: web.Request) -> str | None:
        """The request's token; the outsider's passes the check (its /me tells it apart)."""
        return self.token if self._outsider(request) else super().token_of(request)

    def _me(self, request: web.Request, edge: str | None) -> web.Response:
        """The token's own node: a Page, a Facebook user or the Instagram account (`login`)."""
        node: dict[str, Any]
        if self._outsider(request):
            node, kind = {"id": OUTSIDER_PAGE_ID, "name": "Autre page"}, "Page"
        elif self.login == "page":
            node, kind = self.page, "Page"
        elif self.login == "user":
            node, kind = {"id": "100000000000042", "name": "Gérante"}, "User"
        else:
            node, kind = {"id": self.user["id"], "user_id": self.user["id"], "username": self.user["username"]}, "IGUser"
        if edge is not None:
            if edge != "accounts" or kind != "User":
                return graph.graph_error(400, 100, f"(#100) Tried accessing nonexisting field ({edge}) on node type ({kind})")
            fields = graph.parse_fields(request.query.get("fields"))
            return web.json_response({"data": [graph.select(self.page, fields, ("id", "name"))]})
        fields = graph.parse_fields(request.query.get("fields"))
        unknown = sorted(f for f in fields if f not in node and not (kind == "Page" and f == "instagram_business_account"))
        if unknown:
            return graph.graph_error(400, 100, f"(#100) Tried accessing nonexisting field ({unknown[0]}) on node type ({kind})")
        return web.json_response(graph.select(node, fields, ("id",)))

    def answer(self, request: web.Request, segments: list[str], params: dict[str, str]) -> web.Response | None:
        """Media and tags of the account, comments and replies of any object, single objects."""
        method = request.method
        # A Page or user token (and the outsider) answer as such; Instagram Login tokens as main does.
        if (segments and segments[0] == "me" and len(segments) <= 2 and method == "GET"
                and (self.login != "instagram" or self._outsider(request))):
            return self._me(request, segments[1] if len(segments) == 2 else None)
        login = instagram_oauth.answer(self, request, segments, params)
        if login is not None:
            return login
        refused = instagram_oauth.permission_refusal(self, request)
        if refused is not None:
            return refused
        if len(segments) == 2 and segments[0] == self.owner_id and segments[1] in ("media", "tags") and method == "GET":
            tagged = segments[1] == "tags"
            return self._list(
                request,
                [m for m in self.media.values() if m["tagged"] == tagged],
                self._media_view,
                MEDIA_DEFAULT_FIELDS,
            )
        if len(segments) == 2 and segments[1] in ("comments", "replies") and method == "GET":
            return self._list_comments(request, segments[0], segments[1])
        if len(segments) == 2 and segments[1] in ("comments", "replies") and method == "POST":
            return self._create(segments[0], segments[1], params)
        if len(segments) == 1 and method == "GET":
            return self._get_object(request, segments[0])
        if len(segments) == 1 and method == "POST" and segments[0] in self.comments:
            return self._update(segments[0], params)
        if len(segments) == 1 and method == "DELETE" and segments[0] in self.comments:
            self.delete(segments[0])
            return web.json_response({"success": True})
        return None

    def _list(
        self,
        request: web.Request,
        entries: list[dict[str, Any]],
        view: Callable[[dict[str, Any]], dict[str, Any]],
        default: tuple[str, ...],
        nested: dict[str, Any] | None = None,
    ) -> web.Response:
        entries = sorted(entries, key=self._key, reverse=True)  # newest first (section 2.2 [U])
        paged = graph.cursor_page(request, entries, self._key, descending=True)
        if isinstance(paged, web.Response):
            return paged
        window, paging = paged
        fields = graph.parse_fields(request.query.get("fields"))
        body: dict[str, Any] = {"data": [graph.select(view(e), fields, default) for e in window]}
        if paging:
            # The recorded comments pages carry only an `after` cursor (section 2.2).
            paging["cursors"].pop("before", None)
            paging.pop("previous", None)
            body["paging"] = paging
        return web.json_response(body)

    def _list_comments(self, request: web.Request, object_id: str, edge: str) -> web.Response:
        if edge == "comments" and object_id in self.media:
            entries = [c for c in self.comments.values() if c["media_id"] == object_id and not c["parent_id"]]
        elif edge == "replies" and object_id in self.comments:
            entries = [c for c in self.comments.values() if c["parent_id"] == object_id]
        else:
            return graph.missing_object(object_id)
        nested = graph.parse_fields(request.query.get("fields")).get("replies")
        children = self._children() if nested else {}
        return self._list(
            request, entries, lambda c: self._comment_view(c, nested or None, children), COMMENT_DEFAULT_FIELDS
        )

    def _create(self, object_id: str, edge: str, params: dict[str, str]) -> web.Response:
        message = params.get("message", "")
        if not message:
            return graph.graph_error(400, 100, "(#100) The parameter message is required")
        if edge == "comments" and object_id in self.media and not self.media[object_id]["tagged"]:
            comment = self._add_comment(object_id, None, message, self.user, self.clock())
        elif edge == "replies" and object_id in self.comments:
            target = self.comments[object_id]
            if target["hidden"]:
                return graph.graph_error(400, 100, "(#100) Cannot reply to a hidden comment")
            # Replies go to top-level comments only; a reply to a reply lands on its top (2.3).
            comment = self._add_comment(
                target["media_id"], target["parent_id"] or target["id"], message, self.user, self.clock()
            )
        else:
            return graph.missing_object(object_id, "post")
        self.replies.append({"parent": object_id, "text": message, "external_id": comment["id"]})
        return web.json_response({"id": comment["id"]})

    def _get_object(self, request: web.Request, object_id: str) -> web.Response:
        fields = graph.parse_fields(request.query.get("fields"))
        if object_id in self.comments:
            view = self._comment_view(self.comments[object_id], fields.get("replies") or None)
            return web.json_response(graph.select(view, fields, COMMENT_DEFAULT_FIELDS))
        if object_id in self.media:
            return web.json_response(
                graph.select(self._media_view(self.media[object_id]), fields, MEDIA_DEFAULT_FIELDS)
            )
        if object_id == self.user["id"]:
            return web.json_response(graph.select(self.user, fields, ("id",)))
        return graph.missing_object(object_id)

    def _update(self, comment_id: str, params: dict[str, str]) -> web.Response:
        if "hide" not in params:
            return graph.graph_error(400, 100, "(#100) The parameter hide is required")
        hidden = params["hide"].lower() in ("true", "1")
        self.comments[comment_id]["hidden"] = hidden
        (self.hidden.add if hidden else self.hidden.discard)(comment_id)
        return web.json_response({"success": True})


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application (options: token, user_id, username, seed, usage_budget, clock,
    page_id, login, outsider_token)."""
    return InstagramEmulator(**options).create_app()
