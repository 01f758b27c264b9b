"""A local X API v2: mentions, recent search, user posts, post, delete, hide, reply rules.

Faithful to platform-apis.md section 3: newest first, `since_id`/`until_id`, opaque
`pagination_token`/`next_token`, `meta` with newest/oldest ids (a bare `{"meta":
{"result_count": 0}}` when empty), the 800-mention reach, parameter ranges and exclusions as 400
invalid-request problems, problem+json errors, x-rate-limit-* headers, edits as new post ids
with `edit_history_tweet_ids`, and the 2026 rule refusing (403) unsummoned replies.
Inject kinds: "mention" (a post mentioning the account), "post" (one that does not), "reply"
(parent: the post it answers).
OAuth 2.0 with PKCE and rotating refresh tokens (emulators/x_oauth.py) and `GET /2/users/me`; an
issued token reads with tweet.read, posts and deletes with tweet.write, hides with
tweet.moderate.write (403 problem otherwise). The static token stands for any of them.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from aiohttp import web

from emulators import x_oauth, x_writes
from emulators.base import Emulator, Fault
from emulators.bulk import inject_many
from emulators.windows import FixedWindow
from emulators.x_timeline import compile_query, invalid, matches, problem, timeline, x_time

USER_ID = "1500000000000000001"
USERNAME = "cafe_demo"
DEFAULT_TOKEN = "demo-token"
WINDOW = 900  # rate-limit windows of 15 minutes (3.4)
LIMITS = {"GET": 450, "POST": 200, "PUT": 50, "DELETE": 50}
MENTION_REACH = 800  # only the 800 most recent mentions can be paged to (3.1)
ALWAYS = ("id", "text", "edit_history_tweet_ids")
_LINK = re.compile(r"https?://\S+")


def shown_text(text: str) -> str:
    """A post's text as v2 shows it (recorded fixtures): every link as https://t.co/…, and
    &, < and > as HTML entities ("Q&amp;A")."""
    text = _LINK.sub(lambda m: "https://t.co/" + format(zlib.crc32(m.group().encode()), "010d"), text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Café Démo (X)",
    "external_id": USER_ID,
    "settings": {"username": USERNAME, "query": '"cafe demo" OR #cafedemo -is:retweet'},
    "credentials": {"access_token": DEFAULT_TOKEN},
}


class XEmulator(Emulator):
    """One X account, the users who mention it, and their posts."""

    platform = "x"
    oauth_capable = True

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        user_id: str = USER_ID,
        username: str = USERNAME,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(token=token, **options)
        self.me: dict[str, Any] = {"id": user_id, "username": username, "name": "Café Démo", "followers": 1200}
        self.clock = clock or (lambda: datetime.now(UTC))
        self.seed = seed
        self.users: dict[str, dict[str, Any]] = {}
        self.handles: dict[str, str] = {}  # lower-case username -> user id
        self.tweets: dict[str, dict[str, Any]] = {}  # current version id -> post
        self.aliases: dict[str, str] = {}  # any version id -> current version id
        # One 15-minute window per method and endpoint, on the emulator's clock (emulators/windows.py).
        self.windows: dict[tuple[str, str], FixedWindow] = {}
        self._tweet_ids = itertools.count(1 + self.id_offset)
        self.reset()

    def now(self) -> datetime:
        """The emulator's time: rate-limit windows and new posts read it (a test may move it)."""
        return self.clock()

    def _new_tweet_id(self) -> str:
        # Snowflake-like: grows with time, so since_id works as on X.
        return str(1_897_000_000_000_000_000 + next(self._tweet_ids) * 4096)

    def reset(self) -> None:
        """Forget everything, then seed two posts of the account."""
        super().reset()
        self.users = {self.me["id"]: dict(self.me)}
        self.handles = {self.me["username"].lower(): self.me["id"]}
        self.tweets.clear()
        self.aliases.clear()
        if self.seed:
            now = self.clock()
            self.add_tweet(self.me["id"], "Nouveau menu du printemps ! Spring menu is out 🌷", now - timedelta(days=2))
            self.add_tweet(self.me["id"], "Ouvert dimanche / open Sunday #cafedemo", now - timedelta(days=1))

    def add_tweet(
        self, author_id: str, text: str, created: datetime, reply_to: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        tweet_id = self._new_tweet_id()
        tweet = {
            "id": tweet_id,
            "text": text,
            "author_id": author_id,
            "created": created,
            "history": [tweet_id],
            "conversation_id": reply_to["conversation_id"] if reply_to else tweet_id,
            "mentions": self._mentioned(text),
            "hidden": False,
            "reply_to": reply_to["id"] if reply_to else None,
            "in_reply_to_user_id": reply_to["author_id"] if reply_to else None,
        }
        self.tweets[tweet_id] = tweet
        self.aliases[tweet_id] = tweet_id
        return tweet

    def _mentioned(self, text: str) -> set[str]:
        return {self.handles[h.lower()] for h in re.findall(r"@(\w+)", text) if h.lower() in self.handles}

    def lookup(self, tweet_id: str) -> dict[str, Any] | None:
        current = self.aliases.get(tweet_id)
        return self.tweets.get(current) if current else None

    def _view(self, tweet: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        full = {
            "id": tweet["id"],
            "text": shown_text(tweet["text"]),
            "edit_history_tweet_ids": list(tweet["history"]),
            "author_id": tweet["author_id"],
            "created_at": x_time(tweet["created"]),
            "conversation_id": tweet["conversation_id"],
            "lang": "und",
            "public_metrics": {
                "retweet_count": 0,
                "reply_count": 0,
                "like_count": 0,
                "quote_count": 0,
                "bookmark_count": 0,
                "impression_count": 0,
            },
        }
        if tweet["reply_to"]:
            full["referenced_tweets"] = [{"type": "replied_to", "id": tweet["reply_to"]}]
            full["in_reply_to_user_id"] = tweet["in_reply_to_user_id"]
        return {k: v for k, v in full.items() if k in ALWAYS or k in fields}

    def _user_view(self, user: dict[str, Any], fields: set[str]) -> dict[str, Any]:
        full = {
            "id": user["id"],
            "name": user["name"],
            "username": user["username"],
            "verified": False,
            "profile_image_url": f"https://pbs.twimg.com/profile_images/{user['id']}/normal.jpg",
            "public_metrics": {
                "followers_count": user.get("followers", 0),
                "following_count": 0,
                "tweet_count": 0,
                "listed_count": 0,
            },
        }
        return {k: v for k, v in full.items() if k in ("id", "name", "username") or k in fields}

    # -- control API -----------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, self.clock())
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add a post, or edit (a new version id) or delete one (see the module docstring)."""
        if "edit" in payload:
            tweet = self.lookup(str(payload["edit"]))
            if tweet is None:
                raise web.HTTPNotFound(text=f"no post {payload['edit']}")
            new_id = self._new_tweet_id()
            del self.tweets[tweet["id"]]
            tweet.update(
                id=new_id, text=str(payload.get("text", "")), mentions=self._mentioned(str(payload.get("text", "")))
            )
            tweet["history"].append(new_id)
            self.tweets[new_id] = tweet
            for old in tweet["history"]:
                self.aliases[old] = new_id
            return {"external_id": new_id}
        if "delete" in payload:
            tweet = self.lookup(str(payload["delete"]))
            if tweet is None:
                raise web.HTTPNotFound(text=f"no post {payload['delete']}")
            del self.tweets[tweet["id"]]
            return {"external_id": str(payload["delete"])}
        handle = str(payload.get("author_handle") or "someone")
        author_id = str(payload.get("author_id") or self.handles.get(handle.lower()) or f"42{len(self.users):08d}")
        user = self.users.setdefault(author_id, {"id": author_id})
        user.update(
            username=handle,
            name=str(payload.get("author_name") if payload.get("author_name") is not None else handle),
            followers=int(payload.get("followers") or 0),
        )
        self.handles[handle.lower()] = author_id
        created = datetime.fromisoformat(payload["created_at"]) if payload.get("created_at") else self.clock()
        kind, text = payload.get("kind", "mention"), str(payload.get("text", ""))
        parent = self.lookup(str(payload["parent"])) if payload.get("parent") else None
        if kind == "mention" and f"@{self.me['username']}".lower() not in text.lower():
            text = f"@{self.me['username']} {text}"
        if kind == "reply" and parent is None:
            raise web.HTTPBadRequest(text="a reply needs the parent post it answers")
        if kind == "reply" and parent is not None:
            # As X's apps do, a reply starts with the @handles of the conversation it joins.
            ids = [parent["author_id"], *sorted(parent["mentions"])]
            handles = [self.users[i]["username"] for i in dict.fromkeys(ids) if i in self.users and i != author_id]
            missing = [f"@{h}" for h in handles if f"@{h}".lower() not in text.lower()]
            text = " ".join([*missing, text])
        tweet = self.add_tweet(author_id, text, created, parent)
        return {"external_id": tweet["id"]}

    def state(self) -> dict[str, Any]:
        """How many posts the emulator holds."""
        return {
            "kinds": ["mention", "reply", "post"], "posts": len(self.tweets), "user_id": self.me["id"],
            "rate_limits": {f"{method} {path}": w.state() for (method, path), w in sorted(self.windows.items())},
        }

    # -- API -------------------------------------------------------------------------------------
    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults as X answers them: 429 with reset headers, 401, usage-capped, 503."""
        if fault.mode == "rate_limit":
            reset = int(self.now().timestamp()) + fault.retry_after
            return problem(
                429,
                "Too Many Requests",
                "Too Many Requests",
                headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)},
            )
        if fault.mode == "expired_token":
            return self.auth_error()
        if fault.mode == "quota":
            return problem(
                429,
                "UsageCapExceeded",
                "Usage cap exceeded: Monthly product cap",
                "https://api.x.com/2/problems/usage-capped",
                period="Monthly",
                scope="Product",
            )
        return problem(503, "Service Unavailable", "Service Unavailable")

    def auth_error(self) -> web.StreamResponse:
        """X's 401 problem."""
        return problem(401, "Unauthorized", "Unauthorized")

    def add_oauth_routes(self, app: web.Application) -> None:
        """X's OAuth 2.0 endpoints."""
        x_oauth.install(self, app)

    def add_routes(self, app: web.Application) -> None:
        """The v2 routes the collector uses, and the connecting user."""
        app.router.add_get("/2/users/me", self._limited(self._users_me, "users.read"))
        app.router.add_get("/2/users/{id}/mentions", self._limited(self._mentions, "tweet.read"))
        app.router.add_get("/2/users/{id}/tweets", self._limited(self._user_tweets, "tweet.read"))
        app.router.add_get("/2/tweets/search/recent", self._limited(self._search, "tweet.read"))
        app.router.add_get("/2/tweets/{id}", self._limited(self._get_tweet, "tweet.read"))
        app.router.add_post("/2/tweets", self._limited(partial(x_writes.create, self), "tweet.write"))
        app.router.add_delete("/2/tweets/{id}", self._limited(partial(x_writes.delete, self), "tweet.write"))
        app.router.add_put("/2/tweets/{id}/hidden", self._limited(partial(x_writes.hide, self), "tweet.moderate.write"))

    def _limited(self, handler: Callable[[web.Request], Any], scope: str) -> Callable[[web.Request], Any]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if self.lacks(request, scope):
                return problem(403, "Forbidden", f"Forbidden: this endpoint needs the {scope} scope.")
            key = (
                request.method,
                request.match_info.route.resource.canonical if request.match_info.route.resource else request.path,
            )
            window = self.windows.get(key)
            if window is None:
                window = self.windows[key] = FixedWindow(LIMITS[request.method], WINDOW, self.now)
            allowed = window.take()
            headers = {
                "x-rate-limit-limit": str(window.limit),
                "x-rate-limit-remaining": str(window.remaining),
                "x-rate-limit-reset": str(window.reset_at()),
            }
            if not allowed:
                return problem(429, "Too Many Requests", "Too Many Requests", headers=headers)
            response = await handler(request)
            response.headers.update(headers)
            return response

        return wrapped

    def _fields(self, request: web.Request) -> tuple[set[str], set[str], set[str]]:
        query = request.query
        tweet_fields = set((query.get("tweet.fields") or query.get("post.fields") or "").split(","))
        return (
            tweet_fields,
            set((query.get("user.fields") or "").split(",")),
            set((query.get("expansions") or "").split(",")),
        )

    async def _users_me(self, request: web.Request) -> web.Response:
        _, user_fields, _ = self._fields(request)
        return web.json_response({"data": self._user_view(self.me, user_fields)})

    async def _mentions(self, request: web.Request) -> web.Response:
        user_id = request.match_info["id"]
        found = [t for t in self.tweets.values() if user_id in t["mentions"] and t["author_id"] != user_id]
        return timeline(request, found, 5, 100, ("pagination_token",), self._render(request), reach=MENTION_REACH)

    async def _user_tweets(self, request: web.Request) -> web.Response:
        user_id = request.match_info["id"]
        mine = [t for t in self.tweets.values() if t["author_id"] == user_id]
        return timeline(request, mine, 5, 100, ("pagination_token",), self._render(request))

    async def _search(self, request: web.Request) -> web.Response:
        query = request.query.get("query", "")
        if not query:
            return invalid("The `query` query parameter can not be empty", "query", "")
        if len(query) > 512:
            return invalid("The `query` query parameter value is longer than 512 characters", "query", query[:20])
        week_ago = self.clock() - timedelta(days=7)
        groups = compile_query(query)
        found = [t for t in self.tweets.values() if t["created"] >= week_ago and self._matches(groups, t)]
        return timeline(request, found, 10, 100, ("next_token", "pagination_token"), self._render(request))

    def _matches(self, groups: list[list[str]], tweet: dict[str, Any]) -> bool:
        author = self.users.get(tweet["author_id"], {}).get("username", "")
        replied = self.tweets.get(self.aliases.get(tweet["reply_to"] or "", ""))
        to = self.users.get(replied["author_id"], {}).get("username", "") if replied else ""
        return matches(groups, tweet["text"], author, to)

    def _render(self, request: web.Request) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        tweet_fields, user_fields, expansions = self._fields(request)

        def render(window: list[dict[str, Any]]) -> dict[str, Any]:
            body: dict[str, Any] = {"data": [self._view(t, tweet_fields) for t in window]}
            if "author_id" in expansions:
                authors = dict.fromkeys(t["author_id"] for t in window)
                users = [self._user_view(self.users[a], user_fields) for a in authors if a in self.users]
                body["includes"] = {"users": users}
            return body

        return render

    async def _get_tweet(self, request: web.Request) -> web.Response:
        tweet = self.lookup(request.match_info["id"])
        if tweet is None:
            tid = request.match_info["id"]
            return web.json_response(
                {
                    "errors": [
                        {
                            "value": tid,
                            "detail": f"Could not find tweet with id: [{tid}].",
                            "title": "Not Found Error",
                            "resource_type": "tweet",
                            "parameter": "id",
                            "resource_id": tid,
                            "type": "https://api.x.com/2/problems/resource-not-found",
                        }
                    ]
                }
            )
        tweet_fields, _, _ = self._fields(request)
        return web.json_response({"data": self._view(tweet, tweet_fields)})


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application (options: token, user_id, username, seed, clock)."""
    return XEmulator(**options).create_app()
