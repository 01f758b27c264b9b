"""YouTube Data API v3: comment threads on the channel's videos, their replies, reply, quota.

A round scans `commentThreads.list?allThreadsRelatedToChannelId` newest first down to the
watermark, re-checks the reply counts of recent threads 50 at a time (`id=`, 1 unit), and reads
`comments.list?parentId` for every thread whose count moved (platform-apis.md 4.1, 4.5).
An edited or deleted reply leaves the count as it was, so each round also re-reads the replies
of a few watched threads (collector/youtube_rereads.py) not re-read for "reply_reread_minutes" (default 30;
0 turns it off), oldest first, while less than half the day's quota is spent: 1 unit a page,
counted in the usage like every call.
The videos the comments answer are read once each, as the pane's context posts (youtube_videos).
Every call's quota cost is counted per Pacific day and reported in `Batch.usage` (4.3);
`quotaExceeded` becomes RateLimited until midnight Pacific.
Credentials: {"access_token"} (OAuth, needed to reply) or {"api_key"}.
Settings: "reply_days" (default 7): how long threads are watched for new replies;
"reply_reread_minutes" (default 30); "quota_limit" (default 10000).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from collector.base import AuthFailed, FetchFailed, PermissionMissing, RateLimited, Refused, SentReply, SettingField
from collector.scan import Page, ScanningCollector
from collector.wire import (
    Response,
    as_dict,
    as_list,
    check_json,
    decode_json_body,
    iso,
    parse_time,
    request,
    retry_after_seconds,
)
from collector.youtube_rereads import due_rereads, note_listed
from collector.youtube_videos import fetch_videos
from inbox.types import Author, NewItem

PLATFORM = "youtube"
DEFAULT_BASE_URL = "https://www.googleapis.com/youtube/v3"
PACIFIC = ZoneInfo("America/Los_Angeles")
COSTS = {"GET": 1, "POST": 50, "PUT": 50, "DELETE": 50}  # section 4.3
DEFAULT_QUOTA = 10_000
RECHECK_BATCH = 50
DEFAULT_REPLY_DAYS = 7
SHORT_LIMIT_WAIT = 60.0
DEFAULT_REREAD_MINUTES = 30


def seconds_to_pacific_midnight(now: datetime) -> float:
    """Seconds from `now` until the next midnight in Pacific time (when the quota resets)."""
    local = now.astimezone(PACIFIC)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=PACIFIC)
    # Subtract in UTC: aware datetimes sharing a tzinfo subtract as wall clocks, wrong across DST.
    return max(1.0, (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds())


class YouTubeCollector(ScanningCollector):
    """One YouTube channel."""

    platform = PLATFORM
    display_name = "YouTube"
    can_reply = True
    default_base_url = DEFAULT_BASE_URL
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("quota_limit", "Daily API quota (units)", kind="int", default=DEFAULT_QUOTA, minimum=100,
                     maximum=10_000_000, advanced=True,
                     hint="The quota Google granted your project; Jasette spreads its reading over the day to stay under it."),
        SettingField("reply_days", "Days a video's replies are watched", kind="int", default=DEFAULT_REPLY_DAYS,
                     minimum=1, maximum=90, advanced=True,
                     hint="Replies under comments are re-read for this many days after the comment."),
        SettingField("reply_reread_minutes", "Minutes between re-reads of replies", kind="int",
                     default=DEFAULT_REREAD_MINUTES, minimum=5, maximum=1440, advanced=True,
                     hint="Shorter means fresher replies and more quota spent."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.base_url = (self.account.base_url or DEFAULT_BASE_URL).rstrip("/")
        self.channel_id = self.account.external_id
        settings = self.account.settings
        self.reply_window = timedelta(days=float(settings.get("reply_days", DEFAULT_REPLY_DAYS)))
        self.quota_limit = int(settings.get("quota_limit", DEFAULT_QUOTA))
        self.reread_every = timedelta(minutes=float(settings.get("reply_reread_minutes", DEFAULT_REREAD_MINUTES)))
        self.unreported_units = 0  # spent by reply/find_reply, told with the next batch

    def ordered(self, source: str) -> bool:
        """Threads come newest first (order=time); replies of a thread are read in full."""
        return source == "threads"

    def round_sources(self, cursor: dict[str, Any]) -> list[str]:
        """New threads, then the reply counts of the threads still watched."""
        threads: dict[str, dict[str, Any]] = cursor.setdefault("threads", {})
        oldest = self.clock() - self.reply_window
        for thread_id, known in list(threads.items()):
            moment = parse_time(known["t"])
            if moment is not None and moment < oldest:
                del threads[thread_id]
                cursor["marks"].pop(f"replies:{thread_id}", None)
        today = self.clock().astimezone(PACIFIC).date().isoformat()
        rereads = due_rereads(cursor, today, self.clock(), self.reread_every, self.quota_limit)
        return (["threads", "recheck"] if threads else ["threads"]) + rereads

    async def _call(
        self, method: str, path: str, params: dict[str, str], *, json_body: Any = None, writing: bool = False
    ) -> Any:
        creds = self.account.credentials
        headers = {}
        if creds.get("access_token"):
            headers["Authorization"] = f"Bearer {creds['access_token']}"
        elif creds.get("api_key"):
            params = {**params, "key": str(creds["api_key"])}
        # Every request costs its units, failed ones included (4.3).
        self.unreported_units += COSTS.get(method, 1)
        resp = await request(
            self.session, method, f"{self.base_url}/{path}", params=params, headers=headers, json_body=json_body
        )
        raise_for_error(resp, self.clock(), writing=writing)
        return resp.body

    def _usage(self, cursor: dict[str, Any]) -> dict[str, Any]:
        day = self.clock().astimezone(PACIFIC).date().isoformat()
        quota = cursor.get("quota") or {}
        used = quota.get("used", 0) if quota.get("day") == day else 0
        spent, self.unreported_units = self.unreported_units, 0
        cursor["quota"] = {"day": day, "used": used + spent}
        # quota_units is the day's total (Pacific day), as the poller weighs it against quota_limit;
        # the quota belongs to the Google project, so accounts sharing one should share a limit.
        return {
            "quota_units": used + spent,
            "quota_units_batch": spent,
            "quota_limit": self.quota_limit,
            "quota_reset_in": seconds_to_pacific_midnight(self.clock()),
        }

    async def fetch(self, cursor: dict[str, Any]) -> Any:
        """As ScanningCollector.fetch, then the videos its comments answer (collector/youtube_videos.py),
        with the quota spent today and by this batch in `usage`."""
        batch = await super().fetch(cursor)
        batch.items[:0] = await fetch_videos(self._call, batch.items, batch.cursor, self.channel_id, batch.problems)
        batch.usage = self._usage(batch.cursor)
        return batch

    async def fetch_page(self, source: str, scan: dict[str, Any], cursor: dict[str, Any]) -> Page:
        """One page of threads, one batch of reply-count checks, or one page of a thread's replies."""
        threads: dict[str, dict[str, Any]] = cursor.setdefault("threads", {})
        problems: list[str] = []
        if source == "threads":
            params = {"part": "snippet", "allThreadsRelatedToChannelId": self.channel_id, "order": "time",
                      "maxResults": "100", "textFormat": "plainText"}
            if scan["token"]:
                params["pageToken"] = scan["token"]
            body = await self._call("GET", "commentThreads", params)
            items = []
            for thread in _items(body, "youtube#commentThreadListResponse"):
                item = map_thread(thread, problems, self.channel_id)
                if item is None:
                    continue
                items.append(item)
                self._watch(thread, item, cursor)
            return Page(items, body.get("nextPageToken"), problems=problems)
        if source == "recheck":
            offset = int(scan["token"] or 0)
            ids = sorted(threads)[offset : offset + RECHECK_BATCH]
            if ids:
                body = await self._call("GET", "commentThreads", {"part": "snippet", "id": ",".join(ids)})
                for thread in _items(body, "youtube#commentThreadListResponse"):
                    self._watch(thread, None, cursor)
            more = offset + RECHECK_BATCH < len(threads)
            return Page([], str(offset + RECHECK_BATCH) if more else None)
        thread_id = source.partition(":")[2]
        params = {"part": "snippet", "parentId": thread_id, "maxResults": "100", "textFormat": "plainText"}
        if scan["token"]:
            params["pageToken"] = scan["token"]
        try:
            body = await self._call("GET", "comments", params)
        except Gone as exc:
            threads.pop(thread_id, None)
            return Page([], None, problems=[f"thread {thread_id} dropped: {exc}"])
        items = [
            i for c in _items(body, "youtube#commentListResponse") if (i := map_comment(c, problems, self.channel_id))
        ]
        gone = note_listed(PLATFORM, thread_id, items, scan, cursor, self.clock(), last=not body.get("nextPageToken"))
        return Page(items + gone, body.get("nextPageToken"), problems=problems)

    def _watch(self, thread: Any, item: NewItem | None, cursor: dict[str, Any]) -> None:
        """Track a recent thread's reply count; queue a read of its replies when it moved."""
        snippet = thread.get("snippet") if isinstance(thread, dict) else None
        if not isinstance(snippet, dict) or not isinstance(thread.get("id"), str):
            return
        count = snippet.get("totalReplyCount") or 0
        threads = cursor["threads"]
        known = threads.get(thread["id"])
        if known is None:
            created = item.created_at if item is not None else None
            recent = created is not None and created >= self.clock() - self.reply_window
            if not recent and not count:
                return  # old and quiet: nothing to watch
            # "r": the replies are read in full now, so the first re-read is due a period later.
            known = threads[thread["id"]] = {"t": iso(created or self.clock()), "n": 0, "r": iso(self.clock())}
        if count != known["n"]:
            known["pending"] = count  # kept once the replies are read (finish_scan)
            source = f"replies:{thread['id']}"
            if source not in cursor["queue"]:
                cursor["queue"].append(source)

    def finish_scan(self, source: str, mark: dict[str, Any], scan: dict[str, Any], cursor: dict[str, Any]) -> None:
        """A thread's replies are read: its reply count is now known; a re-read keeps no mark
        (the next one reads every reply again, however old)."""
        if source.startswith("reread:"):
            cursor["marks"].pop(source, None)
        if source.startswith("replies:"):
            known = cursor.get("threads", {}).get(source.partition(":")[2])
            if known is not None and "pending" in known:
                known["n"] = known.pop("pending")

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Reply with comments.insert (4.2); a reply to a reply goes to its thread."""
        thread_id = parent_external_id.split(".")[0]
        body = await self._call("POST", "comments", {"part": "snippet"},
                                json_body={"snippet": {"parentId": thread_id, "textOriginal": text}}, writing=True)
        if not isinstance(body, dict) or not body.get("id"):
            raise Refused(f"YouTube answered the reply without an id: {body!r:.200}")
        return SentReply(str(body["id"]), _url(body.get("snippet") or {}, str(body["id"])))

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look through the thread's replies for one of the channel with this text."""
        params = {"part": "snippet", "parentId": parent_external_id.split(".")[0], "maxResults": "100",
                  "textFormat": "plainText"}
        for _ in range(20):
            try:
                body = await self._call("GET", "comments", params)
            except Gone:
                return None
            for comment in _items(body, "youtube#commentListResponse"):
                item = map_comment(comment, [], self.channel_id)
                if item is not None and item.from_business and item.body == text:
                    return SentReply(item.external_id, item.url)
            if not body.get("nextPageToken"):
                return None
            params = {**params, "pageToken": body["nextPageToken"]}
        return None


class Gone(FetchFailed):
    """A read found the thread or video gone, or its comments turned off (404, commentsDisabled)."""


def raise_for_error(resp: Response, now: datetime, *, writing: bool = False) -> None:
    """Turn Google's JSON errors into the collector errors (4.4)."""
    check_json(resp)
    body = resp.body
    if resp.status < 400:
        if not isinstance(body, dict) and resp.status != 204:
            raise FetchFailed(f"YouTube answered HTTP {resp.status} without a JSON object")
        return
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    reasons = {e.get("reason") for e in error.get("errors") or [] if isinstance(e, dict)}
    message = (
        f"YouTube {resp.status} {'/'.join(sorted(r for r in reasons if r)) or ''}: {error.get('message') or ''}".strip()
    )
    if "quotaExceeded" in reasons or "dailyLimitExceeded" in reasons:
        raise RateLimited(message, seconds_to_pacific_midnight(now))
    if reasons & {"rateLimitExceeded", "userRateLimitExceeded"} or resp.status == 429:
        raise RateLimited(message, retry_after_seconds(resp.headers, now) or SHORT_LIMIT_WAIT)
    if writing and resp.status == 403 and reasons & {"forbidden", "insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"}:
        # A token without the write scope: this reply or moderation fails, the channel keeps being read.
        raise PermissionMissing(message)
    if resp.status == 401 or reasons & {"authError", "forbidden", "insufficientPermissions", "keyInvalid"}:
        raise AuthFailed(message)
    if resp.status >= 500:
        raise FetchFailed(message)
    if writing:
        raise Refused(message)
    if resp.status == 404 or "commentsDisabled" in reasons:
        raise Gone(message)
    raise FetchFailed(message)


def _items(body: Any, kind: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise FetchFailed(f"YouTube answer is not a {kind} with items")
    items: list[Any] = body["items"]
    return items


def _url(snippet: Mapping[str, Any], comment_id: str) -> str | None:
    video = snippet.get("videoId")
    return f"https://www.youtube.com/watch?v={video}&lc={comment_id}" if video else None


def map_comment(
    comment: Any,
    problems: list[str],
    channel_id: str | None = None,
    video_id: str | None = None,
    parent: str | None = None,
) -> NewItem | None:
    """One comment resource: a top-level comment (parent: its video) or a reply (parent: thread)."""
    if not isinstance(comment, dict) or not isinstance(comment.get("id"), str) or not comment["id"]:
        problems.append(f"comment skipped: no id in {str(comment)[:80]}")
        return None
    comment_id = comment["id"]
    snippet = as_dict(comment.get("snippet"))
    video = snippet.get("videoId") or video_id
    parent = snippet.get("parentId") or parent
    try:
        created = parse_time(snippet.get("publishedAt"))
    except ValueError:
        created = None
    if created is None:
        problems.append(f"comment {comment_id} has no readable publishedAt")
    channel = snippet.get("authorChannelId")
    author_id = channel.get("value") if isinstance(channel, dict) else channel if isinstance(channel, str) else None
    name = str(snippet.get("authorDisplayName") or "")
    if not author_id:
        problems.append(f"comment {comment_id} has no author channel (deleted account); kept with an empty author")
    author = Author(
        external_id=str(author_id or ""),
        name=name if author_id else "",
        handle=name if name.startswith("@") else "",
        url=snippet.get("authorChannelUrl") if author_id else None,
        avatar_url=snippet.get("authorProfileImageUrl") if author_id else None,
    )
    text = snippet.get("textOriginal")
    thread = parent or comment_id
    return NewItem(
        platform=PLATFORM,
        external_id=comment_id,
        kind="reply" if parent else "comment",
        body=str(text if isinstance(text, str) else snippet.get("textDisplay") or ""),
        created_at=created,
        author=author,
        parent_external_id=parent or video,
        thread_external_id=thread,
        url=_url({"videoId": video}, comment_id),
        from_business=bool(channel_id) and author.external_id == channel_id,
        raw=comment,
    )


def map_thread(thread: Any, problems: list[str], channel_id: str | None = None) -> NewItem | None:
    """The top-level comment of a commentThread resource."""
    snippet = thread.get("snippet") if isinstance(thread, dict) else None
    top = snippet.get("topLevelComment") if isinstance(snippet, dict) else None
    if not isinstance(top, dict):
        problems.append(f"thread skipped: no topLevelComment in {str(thread)[:80]}")
        return None
    return map_comment(top, problems, channel_id, video_id=as_dict(snippet).get("videoId"))


def parse(body: bytes | str) -> list[NewItem]:
    """Items of one YouTube body: comment threads (with included replies), comments, or one of them."""
    data = decode_json_body(body)
    if not isinstance(data, dict):
        raise ValueError("a YouTube Data API body is a JSON object; this is not")
    if "error" in data:
        error = data["error"]
        raise ValueError(
            f"the body is a YouTube error, not comments: {error.get('message') if isinstance(error, dict) else error}"
        )
    kind = data.get("kind")
    problems: list[str] = []
    if kind == "youtube#commentThreadListResponse":
        threads = as_list(data.get("items"))
    elif kind == "youtube#commentThread":
        threads = [data]
    elif kind == "youtube#commentListResponse":
        return [i for c in as_list(data.get("items")) if (i := map_comment(c, problems))]
    elif kind == "youtube#comment":
        item = map_comment(data, problems)
        if item is None:
            raise ValueError("the comment has no id")
        return [item]
    else:
        raise ValueError(f"not a YouTube comment body (kind {kind!r}; expected commentThread or comment lists)")
    items: list[NewItem] = []
    for thread in threads:
        top = map_thread(thread, problems)
        if top is None:
            continue
        items.append(top)
        replies = as_dict(thread.get("replies"))
        for reply in as_list(replies.get("comments")):
            item = map_comment(
                reply, problems, video_id=as_dict(top.raw.get("snippet")).get("videoId"), parent=top.external_id
            )
            if item is not None:
                items.append(item)
    return items
