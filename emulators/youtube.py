"""A local YouTube Data API v3 for comments: threads, replies, insert, moderation, quota.

Faithful to platform-apis.md section 4: `commentThreads.list` filters (exactly one of
allThreadsRelatedToChannelId, videoId, id, channelId; no paging options with `id`), order=time
newest first, `pageToken`/`nextPageToken`, a few replies inside each thread, `comments.list
?parentId`, one level of replies on insert, HTML-escaped `textDisplay` unless plainText, quota
units charged per call (failed calls too) with `quotaExceeded` at the limit and a reset at
midnight Pacific, and Google's error bodies. Served under /youtube/v3/ and at the root.
Google's OAuth server (emulators/google_oauth.py), `channels?mine=true` for discovery and
`videos?id=` for the videos' titles (emulators/youtube_videos.py); an
issued token reads with youtube.readonly, youtube or youtube.force-ssl, and writes (reply,
moderate, delete) only with youtube or youtube.force-ssl (403 insufficient scopes otherwise).
Inject kinds: "comment" (parent: a video id; default the newest video), "reply" (parent: a
thread or comment id).
"""

from __future__ import annotations

import base64
import html
import itertools
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from aiohttp import web

from emulators import google_oauth, youtube_channels, youtube_videos, youtube_writes
from emulators.base import Emulator, Fault
from emulators.bulk import inject_many
from emulators.windows import DailyQuota
from emulators.youtube_wire import google_error, page_of, quota_error, yt_time

CHANNEL_ID = "UCcafeDemo0000000000000a"
DEFAULT_TOKEN = "demo-token"
QUOTA_ZONE = "America/Los_Angeles"  # the quota day is Pacific time (4.3)
COSTS = {"GET": 1, "POST": 50, "PUT": 50, "DELETE": 50}
INCLUDED_REPLIES = 5  # a thread shows only some of its replies (4.1)
FILTERS = ("allThreadsRelatedToChannelId", "videoId", "id", "channelId")
READ_SCOPES = (google_oauth.YOUTUBE_READONLY, google_oauth.YOUTUBE, google_oauth.YOUTUBE_FORCE_SSL)
WRITE_SCOPES = (google_oauth.YOUTUBE, google_oauth.YOUTUBE_FORCE_SSL)

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Café Démo (YouTube)",
    "external_id": CHANNEL_ID,
    "settings": {"reply_days": 7, "quota_limit": 10_000},
    "credentials": {"access_token": DEFAULT_TOKEN},
}


def _channel_url(author: dict[str, str]) -> str:
    handle = author["name"] if author["name"].startswith("@") else f"channel/{author['id']}"
    return f"http://www.youtube.com/{handle}"


class YouTubeEmulator(Emulator):
    """One channel, its videos and their comment threads."""

    platform = "youtube"
    oauth_capable = True

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        channel_id: str = CHANNEL_ID,
        quota_limit: int = 10_000,
        seed: bool = True,
        clock: Callable[[], datetime] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(token=token, **options)
        self.channel = {"id": channel_id, "name": "@cafedemo"}
        self.quota_limit = quota_limit
        self.clock = clock or (lambda: datetime.now(UTC))
        self.seed = seed
        self.videos: list[str] = []
        self.comments: dict[str, dict[str, Any]] = {}  # top-level comments and replies
        self.changes = 0  # bumped on every change of the comments, for the reply index
        self._index: dict[str, list[dict[str, Any]]] = {}
        self._index_version: tuple[int, int] = (-1, -1)
        # Units per day, starting over at midnight Pacific on the emulator's clock (4.3).
        self.quota = DailyQuota(quota_limit, self.now, zone=QUOTA_ZONE)
        self._seq = itertools.count(1)
        self.reset()

    def reset(self) -> None:
        """Forget everything, then seed two videos."""
        super().reset()
        self.comments.clear()
        self.changes += 1
        self.videos = ["dQw4w9WgXcQ", "cafeDemo01A"] if self.seed else []
        self.quota.forget()

    def now(self) -> datetime:
        """The emulator's time: the quota's day and new comments read it (a test may move it)."""
        return self.clock()

    @property
    def quota_used(self) -> int:
        """Units spent today (Pacific)."""
        return self.quota.spent()

    def new_comment(
        self, video: str, parent: str | None, text: str, author: dict[str, str], created: datetime
    ) -> dict[str, Any]:
        suffix = base64.urlsafe_b64encode(secrets.token_bytes(12)).decode().rstrip("=")[:16]
        comment_id = f"{parent}.9{suffix}" if parent else f"Ugz{suffix}4AaABAg"
        comment = {
            "id": comment_id,
            "video": video,
            "parent": parent,
            "text": text,
            "author": dict(author),
            "created": created.replace(microsecond=0),
            "updated": created.replace(microsecond=0),
            "status": "published",
            "seq": next(self._seq),
        }
        self.comments[comment_id] = comment
        self.changes += 1
        return comment

    def _key(self, comment: dict[str, Any]) -> tuple[float, int]:
        return (comment["created"].timestamp(), comment["seq"])

    def comment_view(self, comment: dict[str, Any], plain: bool) -> dict[str, Any]:
        author = comment["author"]
        snippet: dict[str, Any] = {
            "channelId": self.channel["id"],
            "videoId": comment["video"],
            "textDisplay": comment["text"] if plain else html.escape(comment["text"]).replace("\n", "<br>"),
            "textOriginal": comment["text"],
            "authorDisplayName": author["name"],
            "authorProfileImageUrl": f"https://yt3.ggpht.com/{author['id']}=s48",
            "authorChannelUrl": _channel_url(author),
            "authorChannelId": {"value": author["id"]},
            "canRate": True,
            "viewerRating": "none",
            "likeCount": 0,
            "publishedAt": yt_time(comment["created"]),
            "updatedAt": yt_time(comment["updated"]),
        }
        if not author["id"]:  # a deleted channel: YouTube leaves the author out
            for key in ("authorChannelId", "authorChannelUrl", "authorProfileImageUrl"):
                snippet.pop(key)
        if comment["parent"]:
            snippet["parentId"] = comment["parent"]
        return {"kind": "youtube#comment", "etag": secrets.token_urlsafe(20), "id": comment["id"], "snippet": snippet}

    def _replies_of(self, thread_id: str) -> list[dict[str, Any]]:
        return list(self._reply_index().get(thread_id, []))

    def _reply_index(self) -> dict[str, list[dict[str, Any]]]:
        # Rebuilt only when comments change: paging a 10,000-reply thread stays linear.
        version = (len(self.comments), self.changes)
        if self._index_version != version:
            index: dict[str, list[dict[str, Any]]] = {}
            for comment in sorted(self.comments.values(), key=self._key):
                if comment["parent"] and comment["status"] == "published":
                    index.setdefault(comment["parent"], []).append(comment)
            self._index, self._index_version = index, version
        return self._index

    def _thread_view(
        self, top: dict[str, Any], parts: set[str], plain: bool, index: dict[str, list[dict[str, Any]]] | None = None
    ) -> dict[str, Any]:
        replies = (index if index is not None else self._reply_index()).get(top["id"], [])
        view: dict[str, Any] = {"kind": "youtube#commentThread", "etag": secrets.token_urlsafe(20), "id": top["id"]}
        if "snippet" in parts:
            view["snippet"] = {
                "channelId": self.channel["id"],
                "videoId": top["video"],
                "topLevelComment": self.comment_view(top, plain),
                "canReply": True,
                "totalReplyCount": len(replies),
                "isPublic": True,
            }
        if "replies" in parts and replies:
            view["replies"] = {"comments": [self.comment_view(r, plain) for r in replies[-INCLUDED_REPLIES:]]}
        return view

    # -- control API -----------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Inject one item, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, self.clock())
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Add, edit or delete a comment (see the module docstring)."""
        if "edit" in payload or "delete" in payload:
            target = self.comments.get(str(payload.get("edit") or payload.get("delete")))
            if target is None:
                raise web.HTTPNotFound(text="no such comment")
            if "delete" in payload:
                self.delete(target["id"])
            else:
                target["text"] = str(payload.get("text", ""))
                target["updated"] = max(self.clock(), target["created"]).replace(microsecond=0)
            return {"external_id": target["id"]}
        name = payload.get("author_handle") or payload.get("author_name") or ""
        author = {
            "id": str(
                payload.get("author_id") if payload.get("author_id") is not None else f"UC{secrets.token_hex(11)}"
            ),
            "name": str(name),
        }
        created = datetime.fromisoformat(payload["created_at"]) if payload.get("created_at") else self.clock()
        parent = str(payload.get("parent") or "")
        text = str(payload.get("text", ""))
        if payload.get("kind") == "reply" or parent in self.comments:
            top = self.comments.get(parent)
            if top is None:
                raise web.HTTPBadRequest(text=f"no comment {parent!r} to reply to")
            top = self.comments[top["parent"]] if top["parent"] else top
            comment = self.new_comment(top["video"], top["id"], text, author, created)
        else:
            video = parent or (self.videos[-1] if self.videos else "cafeDemo01A")
            if video not in self.videos:
                self.videos.append(video)
            comment = self.new_comment(video, None, text, author, created)
        return {"external_id": comment["id"]}

    def delete(self, comment_id: str) -> None:
        self.changes += 1
        self.comments.pop(comment_id, None)
        for reply_id in [c["id"] for c in self.comments.values() if c["parent"] == comment_id]:
            self.comments.pop(reply_id)

    def state(self) -> dict[str, Any]:
        """Comments held and quota spent today."""
        return {
            "kinds": ["comment", "reply"],
            "comments": len(self.comments),
            "quota_used": self.quota_used,
            "quota_limit": self.quota_limit,
            "quota_day": self.quota.day,
            "quota_resets_at": self.quota.resets_at().isoformat(),
        }

    # -- API -------------------------------------------------------------------------------------
    def fault_response(self, fault: Fault) -> web.StreamResponse:
        """Faults as YouTube answers them."""
        if fault.mode == "rate_limit":
            return google_error(
                429,
                "rateLimitExceeded",
                "The request rate is too high.",
                "youtube.quota",
                "RESOURCE_EXHAUSTED",
                headers={"Retry-After": str(fault.retry_after)},
            )
        if fault.mode == "quota":
            return quota_error()
        if fault.mode == "expired_token":
            return self.auth_error()
        return google_error(503, "backendError", "Backend Error", "global", "UNAVAILABLE")

    def auth_error(self) -> web.StreamResponse:
        """Google's 401 for a missing, wrong or expired token."""
        return google_error(
            401, "authError", "Request had invalid authentication credentials.", "global", "UNAUTHENTICATED"
        )

    def add_oauth_routes(self, app: web.Application) -> None:
        """Google's OAuth endpoints."""
        google_oauth.install(self, app)

    def add_routes(self, app: web.Application) -> None:
        """The comment and channel routes, under /youtube/v3/ and at the root."""
        for prefix in ("/youtube/v3", ""):
            app.router.add_get(f"{prefix}/channels", self._charged(partial(youtube_channels.list_channels, self)))
            app.router.add_get(f"{prefix}/videos", self._charged(partial(youtube_videos.list_videos, self)))
            app.router.add_get(f"{prefix}/commentThreads", self._charged(self._list_threads))
            app.router.add_get(f"{prefix}/comments", self._charged(self._list_comments))
            app.router.add_post(f"{prefix}/comments", self._charged(partial(youtube_writes.insert_reply, self)))
            app.router.add_post(f"{prefix}/comments/setModerationStatus", self._charged(partial(youtube_writes.moderate, self)))
            app.router.add_delete(f"{prefix}/comments", self._charged(partial(youtube_writes.delete_comment, self)))

    def _charged(self, handler: Callable[[web.Request], Any]) -> Callable[[web.Request], Any]:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            if self.lacks(request, *(READ_SCOPES if request.method == "GET" else WRITE_SCOPES)):
                return google_oauth.insufficient_scope("youtube.googleapis.com")
            if not self.quota.charge(COSTS.get(request.method, 1)):  # invalid requests cost too
                return quota_error()
            return await handler(request)

        return wrapped

    async def _list_threads(self, request: web.Request) -> web.Response:
        query = request.query
        parts = set(query.get("part", "").split(","))
        if not query.get("part"):
            return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: part")
        given = [name for name in FILTERS if query.get(name)]
        if len(given) != 1:
            reason = "missingRequiredParameter" if not given else "incompatibleParameters"
            return google_error(400, reason, f"Exactly one of {', '.join(FILTERS)} must be given")
        if given[0] == "id":
            clash = [
                p
                for p in ("order", "pageToken", "searchTerms", "textFormat", "maxResults", "moderationStatus")
                if p in query
            ]
            if clash:
                return google_error(400, "incompatibleParameters", f"{clash[0]} cannot be used with the id filter")
            ids = query["id"].split(",")
            found = [self.comments[i] for i in ids if i in self.comments and not self.comments[i]["parent"]]
            return web.json_response(
                {
                    "kind": "youtube#commentThreadListResponse",
                    "etag": secrets.token_urlsafe(20),
                    "pageInfo": {"totalResults": len(found), "resultsPerPage": len(found)},
                    "items": [self._thread_view(c, parts, False) for c in found],
                }
            )
        if given[0] == "allThreadsRelatedToChannelId" and query[given[0]] != self.channel["id"]:
            return google_error(
                404,
                "channelNotFound",
                "The channel identified by the allThreadsRelatedToChannelId parameter cannot be found.",
            )
        status = query.get("moderationStatus", "published")
        tops = [
            c
            for c in self.comments.values()
            if not c["parent"]
            and c["status"] == status
            and (given[0] != "videoId" or c["video"] == query["videoId"])
            and given[0] != "channelId"
        ]
        if query.get("searchTerms"):
            tops = [c for c in tops if query["searchTerms"].lower() in c["text"].lower()]
        index = self._reply_index()
        return page_of(
            request,
            self._key,
            tops,
            "youtube#commentThreadListResponse",
            20,
            lambda c, plain: self._thread_view(c, parts, plain, index),
            descending=query.get("order", "time") == "time",
        )

    async def _list_comments(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("id"):
            found = [self.comments[i] for i in query["id"].split(",") if i in self.comments]
            return web.json_response(
                {
                    "kind": "youtube#commentListResponse",
                    "etag": secrets.token_urlsafe(20),
                    "pageInfo": {"totalResults": len(found), "resultsPerPage": len(found)},
                    "items": [self.comment_view(c, query.get("textFormat") == "plainText") for c in found],
                }
            )
        parent = query.get("parentId")
        if not parent:
            return google_error(
                400,
                "missingRequiredParameter",
                "No filter selected. Expected one of: id, parentId",
                "youtube.parameter",
            )
        if parent not in self.comments:
            return google_error(
                404,
                "commentNotFound",
                "The comment identified by the parentId parameter could not be found.",
                "youtube.comment",
            )
        return page_of(
            request,
            self._key,
            self._replies_of(parent),
            "youtube#commentListResponse",
            20,
            self.comment_view,
            descending=False,
        )


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application (options: token, channel_id, quota_limit, seed, clock)."""
    return YouTubeEmulator(**options).create_app()
