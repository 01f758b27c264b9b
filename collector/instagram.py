"""Instagram business accounts through the Graph API: comments and replies, tags, reply, hide.

A round lists recent media (their `comments_count` says which changed), the media that tag the
account, then walks every page of each changed media's comments with their nested replies
(platform-apis.md 2.1-2.4, strategy 2.7: comment order is undocumented, so no early stop).
@mentions inside captions and comments have no list endpoint (webhook only, section 2.4);
`parse` still reads `mentioned_comment` / `mentioned_media` lookups.
Credentials: {"access_token"}. Settings: "username" (the account's handle), "lookback_days".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from collector import meta_graph
from collector.base import Refused, SentReply, SettingField, lookback_field
from collector.scan import Page, ScanningCollector
from collector.wire import as_dict, decode_json_body, parse_time
from inbox.types import Author, NewItem

PLATFORM = "instagram"
MEDIA_FIELDS = "id,caption,timestamp,permalink,comments_count,media_type"
TAG_FIELDS = "id,caption,timestamp,permalink,username,comments_count,media_type"
REPLY_FIELDS = "id,text,timestamp,username,from{id,username},hidden,parent_id"
COMMENT_FIELDS = f"{REPLY_FIELDS},replies{{{REPLY_FIELDS}}}"
PAGE_SIZE = "50"
DEFAULT_LOOKBACK_DAYS = 30


class InstagramCollector(ScanningCollector):
    """One Instagram business account."""

    platform = PLATFORM
    display_name = "Instagram"
    can_reply = True
    can_hide = True
    default_base_url = meta_graph.DEFAULT_BASE_URL
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("username", "Instagram username", max_length=30, pattern=r"[A-Za-z0-9._]{1,30}",
                     hint="The account's @name, without the @: its own comments are recognised by it."),
        lookback_field(DEFAULT_LOOKBACK_DAYS),
    )
    receives_pushes = True  # Meta's webhooks (web/webhooks.py)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graph = meta_graph.GraphClient.for_account(self.account, self.session, self.clock)
        self.user_id = self.account.external_id
        self.username = str(self.account.settings.get("username") or "")
        self.lookback = timedelta(days=float(self.account.settings.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))

    async def prove_access(self) -> bool:
        """The token's own Page, Instagram account or managed Pages lead to this account."""
        return await self.graph.leads_to_instagram(self.user_id)

    def ordered(self, source: str) -> bool:
        """Only the tags edge is known to list newest first."""
        return source == "tags"

    def round_sources(self, cursor: dict[str, Any]) -> list[str]:
        """Media (to learn which comment counts changed) and tags; comments get queued on the way."""
        return ["media", "tags"]

    async def fetch_page(self, source: str, scan: dict[str, Any], cursor: dict[str, Any]) -> Page:
        """One page of media, tags, one media's comments or one comment's replies."""
        params = meta_graph.token_params(scan["token"])
        problems: list[str] = []
        kind, _, target = source.partition(":")
        if kind == "media":
            body = await self.graph.call(
                "GET", f"{self.user_id}/media", params or {"fields": MEDIA_FIELDS, "limit": PAGE_SIZE}
            )
            token = meta_graph.next_token(body)
            own = []
            for entry in meta_graph.entries_of(body, "media"):
                if not self._track(entry, cursor):
                    token = None  # older than the lookback: the rest is older still
                elif (post := map_own_media(entry)) is not None:
                    # Kept as context (from_business, never listed): the item pane shows the
                    # caption a comment answers; the scan's fingerprints pass it on once.
                    own.append(post)
            return Page(own, token, dict(self.graph.usage), problems)
        if kind == "tags":
            try:
                body = await self.graph.call(
                    "GET", f"{self.user_id}/tags", params or {"fields": TAG_FIELDS, "limit": PAGE_SIZE}
                )
            except meta_graph.GraphError as exc:  # a permission this account lacks: the rest flows
                return Page([], None, dict(self.graph.usage), [f"tagged media skipped: {exc}"])
            tags = [i for e in meta_graph.entries_of(body, "tags") if (i := map_media(e, "mention", problems))]
            return Page(tags, meta_graph.next_token(body), dict(self.graph.usage), problems)
        path = f"{target}/comments" if kind == "comments" else f"{target}/replies"
        fields = COMMENT_FIELDS if kind == "comments" else REPLY_FIELDS
        try:
            body = await self.graph.call("GET", path, params or {"fields": fields, "limit": PAGE_SIZE})
        except meta_graph.GraphError as exc:
            cursor.get("media", {}).pop(target, None)
            return Page([], None, dict(self.graph.usage), [f"{source} dropped: {exc}"])
        media = cursor.get("media", {}).get(target, {}) if kind == "comments" else {}
        items: list[NewItem] = []
        for entry in meta_graph.entries_of(body, source):
            nested = entry.get("replies") if isinstance(entry, dict) else None
            if isinstance(nested, dict) and meta_graph.next_token(nested) and isinstance(entry.get("id"), str):
                # The nested edge shows a first page only: read all replies in their own scan.
                entry = {k: v for k, v in entry.items() if k != "replies"}
                extra = f"replies:{entry['id']}"
                if extra not in cursor["queue"]:
                    cursor["queue"].append(extra)
            parent = target if kind == "replies" else None
            mapped = map_comment(entry, parent, target if kind == "comments" else None, media.get("url"), problems)
            for item in mapped:
                item.from_business = self._is_business(item)
            items.extend(mapped)
        return Page(items, meta_graph.next_token(body), dict(self.graph.usage), problems)

    def _is_business(self, item: NewItem) -> bool:
        author = item.author
        if author is None:
            return False
        return author.external_id == self.user_id or (bool(self.username) and author.handle == self.username)

    def _track(self, entry: Any, cursor: dict[str, Any]) -> bool:
        """Remember a media and queue its comments when their count moved; False when too old."""
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return True
        try:
            created = parse_time(entry.get("timestamp"))
        except ValueError:
            created = None
        if created is not None and created < self.clock() - self.lookback:
            cursor.setdefault("media", {}).pop(entry["id"], None)
            cursor["marks"].pop(f"comments:{entry['id']}", None)
            return False
        media = cursor.setdefault("media", {})
        known = media.setdefault(entry["id"], {"count": None, "url": entry.get("permalink")})
        count = entry.get("comments_count")
        if count != known["count"]:
            known["pending"] = count
            source = f"comments:{entry['id']}"
            if source not in cursor["queue"]:
                cursor["queue"].append(source)
        return True

    def finish_scan(self, source: str, mark: dict[str, Any], scan: dict[str, Any], cursor: dict[str, Any]) -> None:
        """A media's comments are read: its count is now known."""
        if source.startswith("comments:"):
            media = cursor.get("media", {}).get(source.partition(":")[2])
            if media is not None and "pending" in media:
                media["count"] = media.pop("pending")

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Reply to a comment (section 2.3); a reply to a reply lands on its top-level comment."""
        try:
            body = await self.graph.call("POST", f"{parent_external_id}/replies", form={"message": text}, writing=True)
        except Refused as refused:
            # The parent may be one of our media rather than a comment: comment on it then;
            # if that fails too, the comment's own refusal (hidden, deleted...) is the news.
            try:
                body = await self.graph.call(
                    "POST", f"{parent_external_id}/comments", form={"message": text}, writing=True
                )
            except Refused:
                raise refused from None
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise Refused(f"Graph API answered the reply without an id: {body!r:.200}")
        return SentReply(body["id"])

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look for a reply of the account with this text under the comment (or its top comment)."""
        targets = [parent_external_id]
        try:
            info = await self.graph.call("GET", parent_external_id, {"fields": "id,parent_id"})
        except meta_graph.GraphError:
            info = None  # not a comment (a media has no parent_id): look under the parent itself
        if isinstance(info, dict) and isinstance(info.get("parent_id"), str):
            targets.append(info["parent_id"])
        # A comment's answers are its replies; `reply` comments on a media instead (section 2.3).
        for target, edge in [(t, e) for t in targets for e in ("replies", "comments")]:
            params = {"fields": REPLY_FIELDS, "limit": PAGE_SIZE}
            for _ in range(10):
                try:
                    body = await self.graph.call("GET", f"{target}/{edge}", params)
                except meta_graph.GraphError:
                    break
                for item in map_comment_list(meta_graph.entries_of(body, edge), target):
                    if self._is_business(item) and item.body == text:
                        return SentReply(item.external_id, item.url)
                token = meta_graph.next_token(body)
                if token is None:
                    break
                params = meta_graph.token_params(token)
        return None

    async def hide(self, external_id: str, hidden: bool) -> None:
        """Hide or unhide a comment (section 2.3: `hide=true|false`)."""
        body = await self.graph.call("POST", external_id, form={"hide": "true" if hidden else "false"}, writing=True)
        if isinstance(body, dict) and body.get("success") is False:
            raise Refused(f"Graph API did not hide comment {external_id}")


def map_comment_list(entries: list[Any], parent: str | None) -> list[NewItem]:
    """Comments of a list, without their problems (for lookups)."""
    return [item for entry in entries for item in map_comment(entry, parent, None, None, [])]


def _author(entry: dict[str, Any], what: str, problems: list[str]) -> Author:
    sender = as_dict(entry.get("from"))
    handle = str(sender.get("username") or entry.get("username") or "")
    user = as_dict(entry.get("user"))
    ident = str(sender.get("id") or user.get("id") or "")
    if not handle and not ident:
        problems.append(f"{what} has no author (deleted or not visible); kept with an empty author")
        return Author(external_id="", name="")
    # Without `from{id}` the handle is the only stable name the platform gives.
    return Author(
        external_id=ident or handle,
        name=handle,
        handle=handle,
        url=f"https://www.instagram.com/{handle}/" if handle else None,
    )


def _created(entry: dict[str, Any], what: str, problems: list[str]) -> Any:
    try:
        created = parse_time(entry.get("timestamp"))
    except ValueError:
        created = None
    if created is None:
        problems.append(f"{what} has no readable timestamp")
    return created


def map_comment(
    entry: Any, parent: str | None, media_id: str | None, media_url: str | None, problems: list[str]
) -> list[NewItem]:
    """A comment (kind comment, or reply when it has a parent) and its nested replies."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        problems.append(f"comment skipped: no id in {str(entry)[:80]}")
        return []
    comment_id = entry["id"]
    parent = entry.get("parent_id") if isinstance(entry.get("parent_id"), str) else parent
    media = as_dict(entry.get("media"))
    media_id = media_id or media.get("id")
    item = NewItem(
        platform=PLATFORM,
        external_id=comment_id,
        kind="reply" if parent else "comment",
        body=str(entry.get("text") or ""),
        created_at=_created(entry, f"comment {comment_id}", problems),
        author=_author(entry, f"comment {comment_id}", problems),
        parent_external_id=parent or media_id,
        thread_external_id=media_id,
        url=f"{media_url.rstrip('/')}/c/{comment_id}/" if media_url else None,
        raw={k: v for k, v in entry.items() if k != "replies"},
    )
    items = [item]
    nested = entry.get("replies")
    if isinstance(nested, dict) and isinstance(nested.get("data"), list):
        for reply in nested["data"]:
            items.extend(map_comment(reply, comment_id, media_id, media_url, problems))
    return items


def map_own_media(entry: Any) -> NewItem | None:
    """The account's own media as context: its caption, link and time."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        return None
    media_id = entry["id"]
    return NewItem(
        platform=PLATFORM, external_id=media_id, kind="post", body=str(entry.get("caption") or ""),
        created_at=_created(entry, f"media {media_id}", []), thread_external_id=media_id,
        url=entry.get("permalink"), from_business=True, raw=entry,
    )


def map_media(entry: Any, kind: str, problems: list[str]) -> NewItem | None:
    """A media that tags or mentions the account (kind "mention")."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        problems.append(f"media skipped: no id in {str(entry)[:80]}")
        return None
    media_id = entry["id"]
    owner = as_dict(entry.get("owner"))
    handle = str(entry.get("username") or owner.get("username") or "")
    if not handle:
        problems.append(f"media {media_id}: owner not given; kept with an empty author")
    return NewItem(
        platform=PLATFORM,
        external_id=media_id,
        kind=kind,
        body=str(entry.get("caption") or ""),
        created_at=_created(entry, f"media {media_id}", problems),
        author=Author(external_id=str(owner.get("id") or handle), name=handle, handle=handle),
        thread_external_id=media_id,
        url=entry.get("permalink"),
        raw=entry,
    )


def _map_any(entry: Any, problems: list[str]) -> list[NewItem]:
    if isinstance(entry, dict) and "text" in entry:
        return map_comment(entry, None, None, None, problems)
    item = map_media(entry, "mention", problems)
    return [item] if item else []


def parse(body: bytes | str) -> list[NewItem]:
    """Items of one Instagram Graph body: comments, replies, tagged media or mention lookups."""
    data = decode_json_body(body)
    if not isinstance(data, dict):
        raise ValueError("an Instagram Graph body is a JSON object; this is not")
    if "error" in data:
        error = data["error"]
        raise ValueError(
            f"the body is a Graph API error, not items: {error.get('message') if isinstance(error, dict) else error}"
        )
    problems: list[str] = []
    if isinstance(data.get("data"), list):
        entries = data["data"]
    elif isinstance(data.get("mentioned_comment"), dict):
        entries = [data["mentioned_comment"]]
    elif isinstance(data.get("mentioned_media"), dict):
        entries = [data["mentioned_media"]]
    elif isinstance(data.get("id"), str) and ("text" in data or "caption" in data or "timestamp" in data):
        entries = [data]
    elif data and all(isinstance(v, dict) and v.get("id") == k for k, v in data.items()):
        entries = list(data.values())
    else:
        raise ValueError("not an Instagram Graph body of comments or media (no data list, no object with id)")
    items = [item for entry in entries for item in _map_any(entry, problems)]
    if entries and not items:
        raise ValueError("no entry of this body is an Instagram comment or media: " + "; ".join(problems[:3]))
    return items
