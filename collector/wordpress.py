"""WordPress site comments through the REST API (platform-apis.md section 6).

Polling walks `GET /wp-json/wp/v2/comments?orderby=date_gmt&order=asc&after=…` with `offset`
paging. The cursor keeps the newest `date_gmt` seen (`mark`) and the ids seen within the
overlap window before it, so a restart re-reads a little and returns nothing twice.

Settings: "user_id" (the site user replies come from; asked of /users/me when absent),
"overlap_seconds" (default 172800: two days), "lookback_days" (how far back a first poll reads, default 30).
Credentials: "username" and "application_password" (Basic auth, WordPress 5.6+).
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from collector.base import (
    AuthFailed,
    Batch,
    Collector,
    FetchFailed,
    RateLimited,
    Refused,
    SentReply,
    SettingField,
    lookback_field,
    map_entries,
)
from collector.html_text import text_of_html
from collector.wire import Response, check_json, request, retry_after_seconds
from inbox.types import Author, NewItem

PLATFORM = "wordpress"
PER_PAGE = 100  # the REST API's maximum (section 6)
# Comments can be approved or clock-skewed a little after their date: re-read this window
# every poll and drop what the seen set already holds.
# A comment held for moderation keeps the date it was written; approved hours later, it shows up
# below the mark. Re-reading two days (the seen set drops repeats) catches those (platform-apis.md 6).
DEFAULT_OVERLAP = 2 * 24 * 3600
# `after` compares against the site-local `comment_date` (section 6, [U]): widen the server-side
# bound by a day so no time zone or DST change can hide a comment; we filter on date_gmt ourselves.
LOCAL_TIME_MARGIN = timedelta(hours=26)
DEFAULT_LOOKBACK_DAYS = 30  # the first poll of a site brings this much history, not years of it


def parse_gmt(value: Any) -> datetime:
    """WordPress `date_gmt` ("2026-03-02T10:01:00", naive UTC) as an aware datetime."""
    if not isinstance(value, str):
        raise ValueError(f"date_gmt is {value!r}, not a string")
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def map_comment(raw: dict[str, Any], business_user_id: int | None = None) -> NewItem:
    """One comment object of the REST API as an inbox item."""
    cid = raw["id"]
    if not isinstance(cid, int):
        raise ValueError(f"comment id {cid!r} is not a number")
    parent = raw.get("parent") or 0
    author_id = raw.get("author") or 0
    name = raw.get("author_name") or ""
    avatars = raw.get("author_avatar_urls") or {}
    # Visitors have no user id (author 0): their name is all WordPress shows of them.
    author = Author(
        external_id=str(author_id) if author_id else name,
        name=name,
        url=raw.get("author_url") or None,
        avatar_url=avatars.get("48") or avatars.get("24") or None if isinstance(avatars, dict) else None,
    )
    content = raw.get("content") or {}
    rendered = content.get("rendered", "") if isinstance(content, dict) else ""
    return NewItem(
        platform=PLATFORM,
        external_id=str(cid),
        kind="reply" if parent else "comment",
        # A line break the commenter typed can reach `rendered` bare (no <br />): it stays one.
        body=text_of_html(rendered, newlines=True),
        created_at=parse_gmt(raw.get("date_gmt")),
        author=author,
        parent_external_id=str(parent) if parent else None,
        thread_external_id=str(raw.get("post")) if raw.get("post") else None,
        url=raw.get("link") or None,
        from_business=bool(business_user_id) and author_id == business_user_id,
        raw=raw,
    )


def _map_all(elements: Any, business_user_id: int | None) -> tuple[list[NewItem], list[str]]:
    if not isinstance(elements, list):
        raise ValueError("a comments response is a JSON array of comment objects")
    return map_entries(elements, lambda raw: map_comment(raw, business_user_id), "comment", "id")


def parse(body: bytes | str) -> list[NewItem]:
    """Map one raw `GET /wp-json/wp/v2/comments` body to items."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if isinstance(data, dict) and "code" in data:
        raise ValueError(f"a WordPress error body ({data.get('code')}), not comments")
    items, problems = _map_all(data, None)
    if problems and not items:
        raise ValueError("no comment could be read: " + "; ".join(problems[:3]))
    return items


def _digest(item: NewItem) -> str:
    # The seen set remembers what each recent comment said, so an edit inside the window shows.
    return hashlib.sha1(item.body.encode("utf-8", "replace")).hexdigest()[:8]


class WordPressCollector(Collector):
    """Comments of one WordPress site; replies as the site user (application password)."""

    platform = PLATFORM
    display_name = "WordPress"
    can_reply = True
    can_hide = True  # "hide" = status 'hold': the comment goes back to moderation, not deleted
    base_url_hint = "WordPress: the site's address, e.g. https://blog.example.com (required)."
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        lookback_field(DEFAULT_LOOKBACK_DAYS),
        SettingField("user_id", "WordPress user id of the business", kind="int", minimum=1, maximum=2**31 - 1,
                     advanced=True, hint="Found by itself from the application password; set it only if the site hides /users/me."),
        SettingField("overlap_seconds", "Seconds re-read on each check", kind="int", default=DEFAULT_OVERLAP,
                     minimum=0, maximum=30 * 86400, advanced=True,
                     hint="Comments approved late by a moderator still get caught within this window."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        settings, creds = self.account.settings, self.account.credentials
        self.lookback = timedelta(days=float(settings.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))
        pair = f"{creds.get('username', '')}:{creds.get('application_password', '')}"
        self._auth = "Basic " + base64.b64encode(pair.encode()).decode()
        self._user_id: int | None = settings.get("user_id")
        self.overlap = float(settings.get("overlap_seconds", DEFAULT_OVERLAP))

    @property
    def api(self) -> str:
        return self.account.base_url.rstrip("/") + "/wp-json/wp/v2"

    # -- HTTP ----------------------------------------------------------------------------------
    async def _call(
        self, method: str, url: str, *, params: dict[str, str] | None = None, json_body: Any = None
    ) -> tuple[Any, Any]:
        headers = {"Authorization": self._auth, "Accept": "application/json"}
        resp = await request(self.session, method, url, params=params, headers=headers, json_body=json_body)
        raise_for_error(resp, self.clock())
        return resp.body, resp.headers

    async def _business_user_id(self) -> int | None:
        if self._user_id is None:
            me, _ = await self._call("GET", self.api + "/users/me")
            self._user_id = me.get("id") if isinstance(me, dict) else None
        return self._user_id

    # -- polling -------------------------------------------------------------------------------
    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """One page of comments newer than the cursor's mark (minus the overlap window)."""
        mark = cursor.get("mark")
        if mark and parse_gmt(mark) > self.clock():  # saved in the future by an older version: heal
            mark = self.clock().strftime("%Y-%m-%dT%H:%M:%S")
        # seen: id -> [digest of the text, epoch of date_gmt]
        seen: dict[str, list[Any]] = dict(cursor.get("seen", {}))
        walk = cursor.get("walk") or self._new_walk(mark)
        params = {"orderby": "date_gmt", "order": "asc", "per_page": str(PER_PAGE), "offset": str(walk["offset"])}
        params["after"] = walk["after"]
        business = await self._business_user_id()
        data, headers = await self._call("GET", self.api + "/comments", params=params)
        try:
            mapped, problems = _map_all(data, business)
        except ValueError as exc:
            raise FetchFailed(f"malformed comments page: {exc}") from exc
        total = _int(headers.get("X-WP-Total"))
        floor = parse_gmt(walk["floor"])
        # A date past now (a site clock ahead, an edited date) must not lift the mark past now:
        # every comment written afterwards would fall below the floor and be missed.
        now = self.clock()
        items = []
        for item in mapped:
            if item.created_at is None or item.created_at < floor:
                continue  # older than the window: an earlier poll returned it
            digest = _digest(item)
            if seen.get(item.external_id, [None])[0] == digest:
                continue
            seen[item.external_id] = [digest, int(item.created_at.timestamp())]
            items.append(item)
            if mark is None or min(item.created_at, now) > parse_gmt(mark):
                mark = min(item.created_at, now).strftime("%Y-%m-%dT%H:%M:%S")
        # A comment deleted since the last page shifted the rest up, so this page may have
        # started past some: read again from that far back (the seen set drops the repeats).
        shrink = max(0, walk["total"] - total) if walk["total"] is not None and total is not None else 0
        if shrink:
            offset = max(0, walk["offset"] - shrink)
            more = True
        else:
            offset = walk["offset"] + len(data)
            more = bool(data) and len(data) >= PER_PAGE and (total is None or offset < total)
        new_cursor: dict[str, Any] = {"mark": mark, "seen": self._trim(seen, mark)}
        if more:
            new_cursor["walk"] = {**walk, "offset": offset, "total": total}
        return Batch(items=items, cursor=new_cursor, more=more, problems=problems)

    def _new_walk(self, mark: str | None) -> dict[str, Any]:
        # The floor (on date_gmt, ours to compare) stays fixed for the whole walk: the overlap
        # window below the mark, or the lookback window on a first poll. The server-side
        # `after` is widened by LOCAL_TIME_MARGIN because WordPress compares site-local time.
        floor = parse_gmt(mark) - timedelta(seconds=self.overlap) if mark else self.clock() - self.lookback
        return {
            "floor": floor.strftime("%Y-%m-%dT%H:%M:%S"),
            "after": (floor - LOCAL_TIME_MARGIN).strftime("%Y-%m-%dT%H:%M:%S"),
            "offset": 0,
            "total": None,
        }

    def _trim(self, seen: dict[str, list[Any]], mark: str | None) -> dict[str, list[Any]]:
        # Only ids dated inside the overlap window can come back past the floor: forget the rest.
        if not mark:
            return seen
        floor = (parse_gmt(mark) - timedelta(seconds=self.overlap)).timestamp()
        return {key: entry for key, entry in seen.items() if entry[1] >= floor}

    # -- actions -------------------------------------------------------------------------------
    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Post `text` as the site user in answer to comment `parent_external_id`."""
        parent_id = _comment_id(parent_external_id)
        # The REST API needs the post as well as the parent comment: ask the parent for it.
        parent, _ = await self._call("GET", f"{self.api}/comments/{parent_id}")
        body = {"post": parent["post"], "parent": parent_id, "content": text}
        created, _ = await self._call("POST", self.api + "/comments", json_body=body)
        return SentReply(external_id=str(created["id"]), url=created.get("link"))

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Find our reply with this text under the comment (after a crash, before resending)."""
        user_id = await self._business_user_id()
        # context=edit adds `content.raw`, the text as posted: `rendered` is typeset (' as ’,
        # ... as …) and would not match what we sent.
        params = {
            "parent": str(_comment_id(parent_external_id)), "per_page": str(PER_PAGE), "orderby": "id",
            "order": "desc", "context": "edit",
        }
        if user_id:
            params["author"] = str(user_id)
        found, _ = await self._call("GET", self.api + "/comments", params=params)
        wanted = " ".join(text.split())
        for raw in found if isinstance(found, list) else []:
            content = raw.get("content") if isinstance(raw, dict) else None
            content = content if isinstance(content, dict) else {}
            said = content.get("raw")
            if not isinstance(said, str):
                said = text_of_html(str(content.get("rendered", "")), newlines=True)
            if " ".join(said.split()) == wanted:
                return SentReply(external_id=str(raw["id"]), url=raw.get("link"))
        return None

    async def hide(self, external_id: str, hidden: bool) -> None:
        """Send the comment back to moderation ('hold') or approve it again."""
        status = "hold" if hidden else "approve"
        await self._call("POST", f"{self.api}/comments/{_comment_id(external_id)}", json_body={"status": status})


def _comment_id(external_id: str) -> int:
    if not str(external_id).isdigit():
        raise Refused(f"{external_id!r} is not a WordPress comment id")
    return int(external_id)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def raise_for_error(resp: Response, now: datetime) -> None:
    """Turn the REST API's answers (`{"code", "message"}` error bodies) into the collector errors."""
    if resp.unreadable is not None:
        # Hosts and WAFs answer with HTML pages (section 6): transient unless they say 401 or 429.
        if resp.status == 401:
            raise AuthFailed(f"HTTP 401 from {resp.request}") from resp.unreadable
        if resp.status == 429:
            raise RateLimited("HTTP 429", retry_after_seconds(resp.headers, now)) from resp.unreadable
        check_json(resp)
    data = resp.body
    code = data.get("code") if isinstance(data, dict) else None
    message = data.get("message") if isinstance(data, dict) else ""
    if resp.status == 401 or (resp.status == 403 and code in ("rest_forbidden", "rest_cannot_moderate")):
        raise AuthFailed(f"HTTP {resp.status} {code}: {message}")
    if resp.status == 429:
        raise RateLimited(f"HTTP 429 {code}", retry_after_seconds(resp.headers, now))
    if resp.status >= 500:
        raise FetchFailed(f"HTTP {resp.status} {code}")
    if resp.status >= 400:
        raise Refused(f"HTTP {resp.status} {code}: {message if isinstance(data, dict) else data}")
