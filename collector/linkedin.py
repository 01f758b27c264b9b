"""LinkedIn organisation comments and mentions (Community Management API, platform-apis.md section 5).

A poll is a queue of reads kept in the cursor, one page per `fetch` (section 5.6): the
organisation's recent posts, then each post's comments (`socialActions/{post}/comments`), the
replies of comments whose reply count changed (`socialActions/{comment}/comments`), then
notifications for mentions and deletions. Comment order is not documented, so every source is
read whole and filtered by its own mark (newest time seen, minus an overlap) plus the keys seen
inside the overlap; the cursor is the queue and those marks, nothing else.

Settings: "version" (LinkedIn-Version, default 202609), "posts" (recent organisation posts
watched, default 20), "page_size" (count per page, default 100), "lookback_days" (how far back a
first poll reads, default 30). Credentials: "access_token".
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote

from yarl import URL

from collector.base import (
    AuthFailed,
    Batch,
    Collector,
    FetchFailed,
    PermissionMissing,
    RateLimited,
    Refused,
    SentReply,
    SettingField,
    lookback_field,
)
from collector.linkedin_items import COMMENT_URN, epoch_ms_time, map_comment, map_own_post, map_post, version_key
from collector.wire import Response, check_json, request, retry_after_seconds
from inbox.types import NewItem

PLATFORM = "linkedin"
DEFAULT_BASE_URL = "https://api.linkedin.com"  # paths carry /rest (the versioned API)
DEFAULT_VERSION = "202609"  # LinkedIn-Version (YYYYMM); versions sunset after a year: a setting
PAGE_SIZE = 100
DEFAULT_POSTS = 20  # how many recent organisation posts are watched for comments
OVERLAP_MS = 10 * 60 * 1000  # section 5.6: re-read 10 minutes back
DEFAULT_LOOKBACK_DAYS = 30  # a first poll brings comments and mentions this far back
def urn_in_path(urn: str) -> str:
    """A URN as protocol 2.0.0 wants it in a path or query value: fully percent-encoded."""
    return quote(urn, safe="")


class _Gone(Refused):
    """404: the post or comment read is gone (deleted between two reads)."""


def raise_for_error(resp: Response, now: datetime, *, writing: bool = False) -> None:
    """Turn LinkedIn's answers (`{"status", "code", "message"}` error bodies) into the collector errors."""
    check_json(resp)
    if resp.status < 400:
        return
    data = resp.body if isinstance(resp.body, dict) else {}
    message = str(data.get("message", ""))
    what = f"HTTP {resp.status} {data.get('code', '')}: {message}"
    if writing and resp.status == 403:
        # A token without w_organization_social: this comment fails, the Page keeps being read.
        raise PermissionMissing(what)
    if resp.status in (401, 403):
        raise AuthFailed(what)
    if resp.status == 429:
        raise RateLimited(what, _retry_wait(resp, message, now))
    if resp.status >= 500:
        raise FetchFailed(what)
    if resp.status in (404, 410):
        raise _Gone(what)
    raise Refused(what)


def _retry_wait(resp: Response, message: str, now: datetime) -> float | None:
    after = retry_after_seconds(resp.headers, now)
    if after is not None:
        return after
    if " DAY " in f" {message} ":
        # Daily limits reset at midnight UTC (section 5.5).
        midnight = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return (midnight - now).total_seconds()
    return None


class LinkedInCollector(Collector):
    """Comments on one organisation's posts, replies to them, and mentions of the organisation."""

    platform = PLATFORM
    display_name = "LinkedIn"
    can_reply = True
    can_hide = False  # the Community Management API offers delete, not hide
    default_base_url = DEFAULT_BASE_URL
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("posts", "Recent posts watched", kind="int", default=DEFAULT_POSTS, minimum=1, maximum=100,
                     hint="Comments are collected under this many of the page's most recent posts."),
        lookback_field(DEFAULT_LOOKBACK_DAYS),
        SettingField("version", "LinkedIn API version", default=DEFAULT_VERSION, pattern=r"20[0-9]{2}(0[1-9]|1[0-2])",
                     max_length=6, advanced=True,
                     hint="YYYYMM. LinkedIn retires each version after about a year; change it only when told to."),
        SettingField("page_size", "Comments per request", kind="int", default=PAGE_SIZE, minimum=10, maximum=100,
                     advanced=True, hint="Lower it only if LinkedIn answers slowly."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings = self.account.settings
        self.lookback_ms = int(float(settings.get("lookback_days", DEFAULT_LOOKBACK_DAYS)) * 86_400_000)
        self.org = self.account.external_id
        self.version = str(settings.get("version", DEFAULT_VERSION))
        self.page_size = int(settings.get("page_size", PAGE_SIZE))
        self.posts = int(settings.get("posts", DEFAULT_POSTS))

    # -- HTTP ----------------------------------------------------------------------------------
    def _url(self, path: str, query: dict[str, str] | None = None) -> URL:
        # Built pre-encoded: yarl would otherwise decode %3A back to ':' and re-encode the
        # Rest.li syntax characters that must stay as they are (section 5).
        text = (self.account.base_url or DEFAULT_BASE_URL).rstrip("/") + path
        if query:
            text += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return URL(text, encoded=True)

    async def _call(self, method: str, url: URL, body: Any = None) -> tuple[Any, Any]:
        headers = {
            "Authorization": f"Bearer {self.account.credentials.get('access_token', '')}",
            "LinkedIn-Version": self.version,
            "X-Restli-Protocol-Version": "2.0.0",
        }
        resp = await request(self.session, method, url, headers=headers, json_body=body)
        raise_for_error(resp, self.clock(), writing=method != "GET")
        return (resp.body if resp.body is not None else {}), resp.headers

    # -- polling -------------------------------------------------------------------------------
    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """One page of the current poll's queue of reads."""
        state = json.loads(json.dumps(cursor)) if cursor else {}
        state.setdefault("sources", {})
        state.setdefault("counts", {})
        queue: list[dict[str, Any]] = state.get("queue") or [{"read": "posts"}]
        task = queue[0]
        items: list[NewItem] = []
        problems: list[str] = []
        if task["read"] == "posts":
            posts = await self._read_posts()
            queue = [{"read": "comments", "source": p["id"], "start": 0} for p in posts] + [{"read": "notifications"}]
            self._forget_old_posts(state, {p["id"] for p in posts})
            items = self._own_posts(posts, state, problems)
        elif task["read"] == "comments":
            done = await self._read_comments(task, state, queue, items, problems)
            queue = queue[1:] if done else queue
        else:
            done = await self._read_notifications(task, state, items, problems)
            queue = queue[1:] if done else queue
        state["queue"] = queue
        if not queue:
            del state["queue"]
        return Batch(items=items, cursor=state, more=bool(queue), problems=problems)

    async def _read_posts(self) -> list[dict[str, Any]]:
        query = {"q": "author", "author": urn_in_path(self.org), "count": str(self.posts), "start": "0", "sortBy": "LAST_MODIFIED"}
        data, _ = await self._call("GET", self._url("/rest/posts", query))
        elements = data.get("elements") if isinstance(data, dict) else None
        if not isinstance(elements, list):
            raise FetchFailed("malformed posts page: no `elements` list")
        return [e for e in elements if isinstance(e, dict) and isinstance(e.get("id"), str)]

    def _own_posts(self, posts: list[dict[str, Any]], state: dict[str, Any], problems: list[str]) -> list[NewItem]:
        # The watched posts become context items (the pane shows the post a comment answers),
        # passed on when new or edited only: "posted" keeps each one's lastModifiedAt.
        before: dict[str, Any] = state.get("posted") or {}
        state["posted"] = {}
        items = []
        for raw in posts:
            stamp = raw.get("lastModifiedAt") or raw.get("createdAt")
            state["posted"][raw["id"]] = stamp
            if before.get(raw["id"]) == stamp:
                continue
            try:
                items.append(map_own_post(raw, self.org))
            except (KeyError, TypeError, ValueError) as exc:
                problems.append(f"skipped post {raw['id']}: {exc}")
        return items

    def _forget_old_posts(self, state: dict[str, Any], watched: set[str]) -> None:
        # Posts that left the watched window take their marks and reply counts with them.
        def kept(urn: str) -> bool:
            match = COMMENT_URN.match(urn)
            return (match.group("object") if match else urn) in watched

        state["sources"] = {urn: mark for urn, mark in state["sources"].items() if kept(urn)}
        state["counts"] = {urn: count for urn, count in state["counts"].items() if kept(urn)}

    def _source(self, state: dict[str, Any], urn: str) -> dict[str, Any]:
        source: dict[str, Any] = state["sources"].setdefault(urn, {"mark": None, "recent": {}})
        return source

    async def _read_comments(self, task: dict[str, Any], state: dict[str, Any], queue: list[dict[str, Any]],
                             items: list[NewItem], problems: list[str]) -> bool:
        source = self._source(state, task["source"])
        if "floor" not in task:
            # The filter stays the one from the start of this source's walk: the mark may move
            # while the pages go by, and comment order is not documented.
            now = int(self.clock().timestamp() * 1000)
            task["floor"] = source["mark"] - OVERLAP_MS if source["mark"] is not None else now - self.lookback_ms
        query = {"start": str(task["start"]), "count": str(self.page_size)}
        try:
            data, _ = await self._call("GET", self._url(f"/rest/socialActions/{urn_in_path(task['source'])}/comments", query))
        except _Gone:
            # Deleted since it was queued: its deletion comes through notifications.
            state["sources"].pop(task["source"], None)
            state["counts"].pop(task["source"], None)
            return True
        elements = data.get("elements") if isinstance(data, dict) else None
        if not isinstance(elements, list):
            raise FetchFailed("malformed comments page: no `elements` list")
        paging = data.get("paging") or {}
        for raw in elements:
            try:
                item = map_comment(raw, self.org)
                key, stamp = version_key(item, raw)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
                problems.append(f"skipped comment on {task['source']}: {exc}")
                continue
            self._follow_replies(raw, item.external_id, state, queue)
            if (task["floor"] is not None and stamp < task["floor"]) or key in source["recent"]:
                continue
            source["recent"][key] = stamp
            source["mark"] = max(source["mark"] or 0, stamp)
            items.append(item)
        total = paging.get("total") if isinstance(paging.get("total"), int) else None
        # A comment deleted since the last page shifted the rest up, so this page may have
        # started past some: read again from that far back (seen keys drop the repeats).
        previous = task.get("total")
        shrink = previous - total if previous is not None and total is not None and previous > total else 0
        task["total"] = total
        if shrink:
            task["start"] = max(0, task["start"] - shrink)
            return False
        task["start"] += len(elements)
        if len(elements) >= self.page_size and (total is None or task["start"] < total):
            return False
        if source["mark"] is not None:
            floor = source["mark"] - OVERLAP_MS
            source["recent"] = {k: v for k, v in source["recent"].items() if v >= floor}
        return True

    def _follow_replies(self, raw: dict[str, Any], urn: str, state: dict[str, Any], queue: list[dict[str, Any]]) -> None:
        # Replies live under the comment's own URN: read them only when its count changed.
        summary = raw.get("commentsSummary") or {}
        count = summary.get("aggregatedTotalComments", summary.get("totalFirstLevelComments", 0)) if isinstance(summary, dict) else 0
        if raw.get("parentComment") or not isinstance(count, int):
            return
        if count and state["counts"].get(urn) != count:
            state["counts"][urn] = count
            if not any(t.get("source") == urn for t in queue):
                queue.append({"read": "comments", "source": urn, "start": 0})

    async def _read_notifications(self, task: dict[str, Any], state: dict[str, Any], items: list[NewItem], problems: list[str]) -> bool:
        notes = state.setdefault("notifications", {"mark": None, "recent": {}})
        if "end" not in task:
            end = int(self.clock().timestamp() * 1000)
            begin = notes["mark"] - OVERLAP_MS if notes["mark"] is not None else end - self.lookback_ms
            task.update(begin=begin, end=end, start=0)
        query = {
            "q": "criteria", "organizationalEntity": urn_in_path(self.org),
            "actions": "List(SHARE_MENTION,COMMENT_DELETE)",
            "timeRange": f"(start:{task['begin']},end:{task['end']})",
            "start": str(task["start"]), "count": str(self.page_size),
        }
        data, _ = await self._call("GET", self._url("/rest/organizationalEntityNotifications", query))
        elements = data.get("elements") if isinstance(data, dict) else None
        if not isinstance(elements, list):
            raise FetchFailed("malformed notifications page: no `elements` list")
        for raw in elements:
            try:
                action, stamp = raw["action"], int(raw["lastModifiedAt"])
                target = raw.get("generatedActivity") or raw.get("sourcePost")
                key = f"{action}|{target}|{stamp}"
                if key in notes["recent"]:
                    continue
                item = await self._notification_item(action, raw, stamp)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                problems.append(f"skipped notification: {exc}")
                continue
            except Refused as exc:
                problems.append(f"mentioning post unreadable: {exc}")
                item = None
            notes["recent"][key] = stamp
            notes["mark"] = max(notes["mark"] or 0, stamp)
            if item is not None:
                items.append(item)
        task["start"] += len(elements)
        if len(elements) >= self.page_size:
            return False
        # The next range starts where this one ended (minus the overlap), even with no news.
        notes["mark"] = max(notes["mark"] or 0, task["end"])
        floor = notes["mark"] - OVERLAP_MS
        notes["recent"] = {k: v for k, v in notes["recent"].items() if v >= floor}
        return True

    async def _notification_item(self, action: str, raw: dict[str, Any], stamp: int) -> NewItem | None:
        if action == "COMMENT_DELETE":
            urn = raw.get("generatedActivity")
            if not isinstance(urn, str):
                raise ValueError("COMMENT_DELETE without generatedActivity")
            return NewItem(platform=PLATFORM, external_id=urn, kind="comment", body="", created_at=epoch_ms_time(stamp), deleted=True, raw=raw)
        if action == "SHARE_MENTION":
            post_urn = raw.get("generatedActivity") or raw.get("sourcePost")
            post, _ = await self._call("GET", self._url(f"/rest/posts/{urn_in_path(str(post_urn))}"))
            return map_post(post, self.org)
        return None

    # -- actions -------------------------------------------------------------------------------
    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Comment as the organisation under a comment (a reply) or a post (a mention)."""
        match = COMMENT_URN.match(parent_external_id)
        body: dict[str, Any] = {"actor": self.org, "message": {"text": text}}
        if match:
            body["object"] = match.group("object")
            body["parentComment"] = parent_external_id
        else:
            body["object"] = parent_external_id
        created, headers = await self._call("POST", self._url(f"/rest/socialActions/{urn_in_path(parent_external_id)}/comments"), body)
        urn = created.get("commentUrn") if isinstance(created, dict) else None
        if not urn:
            urn = f"urn:li:comment:({body['object']},{headers.get('x-restli-id', '')})"
        return SentReply(external_id=urn, url=f"https://www.linkedin.com/feed/update/{body['object']}/")

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Our comment with this text under the parent, if it was posted before a crash."""
        wanted = " ".join(text.split())
        start = 0
        while True:
            query = {"start": str(start), "count": str(self.page_size)}
            data, _ = await self._call("GET", self._url(f"/rest/socialActions/{urn_in_path(parent_external_id)}/comments", query))
            elements = data.get("elements", []) if isinstance(data, dict) else []
            for raw in elements:
                said = " ".join(str((raw.get("message") or {}).get("text", "")).split())
                if raw.get("actor") == self.org and said == wanted:
                    urn = raw.get("commentUrn") or raw.get("$URN")
                    return SentReply(external_id=urn, url=f"https://www.linkedin.com/feed/update/{raw.get('object')}/")
            start += len(elements)
            if len(elements) < self.page_size:
                return None
