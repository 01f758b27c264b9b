"""Facebook Pages through the Graph API: visitor and tagged posts, comments, reply, hide.

A round scans the Page feed (visitor posts become items; every recent post is tracked), the
posts that tag the Page, then each tracked post's comments with `filter=stream` newest first
(platform-apis.md 1.2-1.4, strategy 1.8). Credentials: {"access_token": Page token}.
Settings: "lookback_days" (default 30): how long a post's comments keep being watched.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from collector import meta_graph
from collector.base import Refused, SentReply, SettingField, lookback_field
from collector.scan import Page, ScanningCollector
from collector.wire import decode_json_body, iso, parse_time
from inbox.types import Author, NewItem

PLATFORM = "facebook"
POST_FIELDS = "id,message,created_time,from,permalink_url"
COMMENT_FIELDS = "id,message,created_time,from,parent{id},permalink_url,is_hidden"
PAGE_SIZE = "100"
DEFAULT_LOOKBACK_DAYS = 30


class FacebookCollector(ScanningCollector):
    """One Facebook Page."""

    platform = PLATFORM
    display_name = "Facebook"
    can_reply = True
    can_hide = True
    default_base_url = meta_graph.DEFAULT_BASE_URL
    setting_fields: ClassVar[tuple[SettingField, ...]] = (lookback_field(DEFAULT_LOOKBACK_DAYS),)
    receives_pushes = True  # Meta's webhooks (web/webhooks.py)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.graph = meta_graph.GraphClient.for_account(self.account, self.session, self.clock)
        self.page_id = self.account.external_id
        self.lookback = timedelta(days=float(self.account.settings.get("lookback_days", DEFAULT_LOOKBACK_DAYS)))

    async def prove_access(self) -> bool:
        """A Page access token's /me is the Page itself: the token was granted for this Page."""
        return await self.graph.names("me", self.page_id)

    def round_sources(self, cursor: dict[str, Any]) -> list[str]:
        """The feed, the tagged posts, then the comments of every tracked recent post."""
        posts: dict[str, str] = cursor.setdefault("posts", {})
        oldest = self.clock() - self.lookback
        for post_id, created in list(posts.items()):
            moment = parse_time(created)
            if moment is not None and moment < oldest:
                del posts[post_id]
                cursor["marks"].pop(f"comments:{post_id}", None)
        ordered = sorted(posts, key=lambda p: posts[p], reverse=True)
        return ["feed", "tagged"] + [f"comments:{post_id}" for post_id in ordered]

    async def fetch_page(self, source: str, scan: dict[str, Any], cursor: dict[str, Any]) -> Page:
        """One page of the feed, the tagged posts or one post's comments."""
        params = meta_graph.token_params(scan["token"])
        problems: list[str] = []
        if source in ("feed", "tagged"):
            if not params:
                params = {"fields": POST_FIELDS, "limit": PAGE_SIZE}
                if source == "feed":
                    params["since"] = str(int((self.clock() - self.lookback).timestamp()))
            try:
                body = await self.graph.call("GET", f"{self.page_id}/{source}", params)
            except meta_graph.GraphError as exc:
                if source == "feed":
                    raise
                # Tagged posts need an extra permission: without it, the rest still flows.
                return Page([], None, dict(self.graph.usage), [f"tagged posts skipped: {exc}"])
            items = []
            for entry in meta_graph.entries_of(body, source):
                if source == "feed":
                    self._track(entry, cursor)
                item = map_post(entry, "post" if source == "feed" else "mention", problems)
                if item is None:
                    continue
                # The Page's own posts are kept as context (from_business: never listed, alerted or
                # counted) for the item pane to show the post a customer's comment answers; the
                # scan's fingerprints pass an unchanged post on only once.
                item.from_business = item.author is not None and item.author.external_id == self.page_id
                items.append(item)
            return Page(items, meta_graph.next_token(body), dict(self.graph.usage), problems)
        post_id = source.partition(":")[2]
        if not params:
            params = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": PAGE_SIZE,
            }
        try:
            body = await self.graph.call("GET", f"{post_id}/comments", params)
        except meta_graph.GraphError as exc:
            # Code 100: the post was deleted or is out of reach; stop watching it.
            cursor.get("posts", {}).pop(post_id, None)
            return Page([], None, dict(self.graph.usage), [f"post {post_id} dropped: {exc}"])
        items = [
            item
            for entry in meta_graph.entries_of(body, f"comments of {post_id}")
            if (item := map_comment(entry, post_id, problems, self.page_id)) is not None
        ]
        return Page(items, meta_graph.next_token(body), dict(self.graph.usage), problems)

    def _track(self, entry: Any, cursor: dict[str, Any]) -> None:
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return
        posts = cursor.setdefault("posts", {})
        if entry["id"] not in posts:
            created = _time_or_none(entry.get("created_time"))
            posts[entry["id"]] = iso(created) or iso(self.clock())
            source = f"comments:{entry['id']}"
            if source not in cursor["queue"]:
                cursor["queue"].append(source)

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """Comment as the Page under a post or a comment (section 1.4)."""
        body = await self.graph.call(
            "POST",
            f"{parent_external_id}/comments",
            {"fields": "id,permalink_url"},
            form={"message": text},
            writing=True,
        )
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise Refused(f"Graph API answered the reply without an id: {body!r:.200}")
        return SentReply(body["id"], body.get("permalink_url"))

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look for a comment of the Page with this text in the thread of `parent_external_id`."""
        targets = [parent_external_id]
        try:
            # A reply to a reply lands under the top-level comment (section 1.4).
            info = await self.graph.call("GET", parent_external_id, {"fields": "id,parent{id}"})
            parent = info.get("parent") if isinstance(info, dict) else None
            if isinstance(parent, dict) and isinstance(parent.get("id"), str):
                targets.append(parent["id"])
        except meta_graph.GraphError:
            # A post has no `parent` field (error 100): its own comments are where to look.
            # Never answer "not posted" from here: that would send the reply a second time.
            pass
        for target in targets:
            params = {
                "fields": COMMENT_FIELDS,
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": PAGE_SIZE,
            }
            for _ in range(10):  # our reply is recent: a few pages newest first are enough
                body = await self.graph.call("GET", f"{target}/comments", params)
                for entry in meta_graph.entries_of(body, "comments"):
                    author = entry.get("from") if isinstance(entry, dict) else None
                    if isinstance(author, dict) and author.get("id") == self.page_id and entry.get("message") == text:
                        return SentReply(str(entry.get("id")), entry.get("permalink_url"))
                token = meta_graph.next_token(body)
                if token is None:
                    break
                params = meta_graph.token_params(token)
        return None

    async def hide(self, external_id: str, hidden: bool) -> None:
        """Hide or unhide a comment (section 1.4: `is_hidden`)."""
        body = await self.graph.call(
            "POST", external_id, form={"is_hidden": "true" if hidden else "false"}, writing=True
        )
        if isinstance(body, dict) and body.get("success") is False:
            raise Refused(f"Graph API did not hide comment {external_id}")


def _time_or_none(value: Any) -> Any:
    try:
        return parse_time(value)
    except ValueError:
        return None


def _author(entry: dict[str, Any], what: str, problems: list[str]) -> Author:
    sender = entry.get("from")
    if isinstance(sender, dict) and sender.get("id"):
        ident = str(sender["id"])
        return Author(external_id=ident, name=str(sender.get("name") or ""), url=f"https://www.facebook.com/{ident}")
    # Without a Page token, or once the person deleted their account, Meta omits `from`.
    problems.append(f"{what} has no author (deleted or not visible); kept with an empty author")
    return Author(external_id="", name="")


def _created(entry: dict[str, Any], what: str, problems: list[str]) -> Any:
    try:
        created = parse_time(entry.get("created_time"))
    except ValueError:
        created = None
    if created is None:
        problems.append(f"{what} has no readable created_time")
    return created


def map_post(entry: Any, kind: str, problems: list[str]) -> NewItem | None:
    """A visitor post ("post") or a post tagging the Page ("mention")."""
    if not isinstance(entry, dict) or not isinstance(entry.get("id"), str) or not entry["id"]:
        problems.append(f"post skipped: no id in {str(entry)[:80]}")
        return None
    post_id = entry["id"]
    return NewItem(
        platform=PLATFORM,
        external_id=post_id,
        kind=kind,
        body=str(entry.get("message") or ""),
        created_at=_created(entry, f"post {post_id}", problems),
        author=_author(entry, f"post {post_id}", problems),
        thread_external_id=post_id,
        url=entry.get("permalink_url") or f"https://www.facebook.com/{post_id}",
        raw=entry,
    )


def _ids_from_permalink(url: Any) -> tuple[str | None, str | None, str | None]:
    """(post id as the API writes it, comment id, parent comment id) from a comment permalink."""
    if not isinstance(url, str):
        return None, None, None
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) < 3 or segments[1] != "posts":
        return None, None, None
    # /{page}/posts/{post}/?comment_id=C[&reply_comment_id=R]: ids are {post}_{C} and {post}_{R}.
    page, number = segments[0], segments[2]
    top = next(iter(query.get("comment_id", [])), None)
    reply = next(iter(query.get("reply_comment_id", [])), None)
    if reply:
        return f"{page}_{number}", f"{number}_{reply}", f"{number}_{top}" if top else None
    return f"{page}_{number}", f"{number}_{top}" if top else None, None


def map_comment(entry: Any, post_id: str | None, problems: list[str], page_id: str | None = None) -> NewItem | None:
    """A comment or reply of the `/comments` edge (section 1.2)."""
    if not isinstance(entry, dict):
        problems.append(f"comment skipped: not an object: {str(entry)[:80]}")
        return None
    link_post, link_id, link_parent = _ids_from_permalink(entry.get("permalink_url"))
    comment_id = entry.get("id") if isinstance(entry.get("id"), str) and entry.get("id") else None
    if comment_id is None:
        if link_id is None:
            problems.append(f"comment skipped: no id in {str(entry)[:80]}")
            return None
        # Apps without a Page token get no comment ids (section 1): the permalink still says.
        comment_id = link_id
        problems.append(f"comment {comment_id}: no id field; id taken from permalink_url")
    post = post_id or link_post
    parent_field = entry.get("parent")
    parent = parent_field.get("id") if isinstance(parent_field, dict) else None
    parent = parent or link_parent
    author = _author(entry, f"comment {comment_id}", problems)
    return NewItem(
        platform=PLATFORM,
        external_id=comment_id,
        kind="reply" if parent else "comment",
        body=str(entry.get("message") or ""),
        created_at=_created(entry, f"comment {comment_id}", problems),
        author=author,
        parent_external_id=parent or post,
        thread_external_id=post,
        url=entry.get("permalink_url") or f"https://www.facebook.com/{comment_id}",
        from_business=bool(page_id) and author.external_id == page_id,
        raw=entry,
    )


def _looks_like_comment(entry: dict[str, Any]) -> bool:
    link = entry.get("permalink_url")
    return (
        (isinstance(link, str) and "comment_id=" in link)
        or "parent" in entry
        or any(key in entry for key in ("comment_count", "is_hidden", "can_hide", "can_reply_privately"))
    )


def _map_any(entry: Any, problems: list[str]) -> NewItem | None:
    if isinstance(entry, dict) and _looks_like_comment(entry):
        return map_comment(entry, None, problems)
    return map_post(entry, "post", problems)


def parse(body: bytes | str) -> list[NewItem]:
    """Items of one Graph response: a page of comments or posts, one object, or an ids map."""
    data = decode_json_body(body)
    if not isinstance(data, dict):
        raise ValueError("a Graph API body is a JSON object; this is not")
    if "error" in data:
        error = data["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise ValueError(f"the body is a Graph API error, not items: {message}")
    problems: list[str] = []
    if isinstance(data.get("data"), list):
        entries = data["data"]
    elif isinstance(data.get("id"), str) and ("message" in data or "created_time" in data):
        entries = [data]
    elif data and all(isinstance(v, dict) and v.get("id") == k for k, v in data.items()):
        entries = list(data.values())  # `?ids=a,b` answers map each id to its object
    else:
        raise ValueError("not a Facebook Graph body of posts or comments (no data list, no object with id)")
    items = [item for entry in entries if (item := _map_any(entry, problems)) is not None]
    if entries and not items:
        raise ValueError("no entry of this body is a Facebook post or comment: " + "; ".join(problems[:3]))
    return items
