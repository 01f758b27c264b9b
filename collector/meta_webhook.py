"""Meta's webhook payloads for Pages and Instagram accounts (platform-apis.md 1.7 and 2.5),
mapped to inbox items: the HTTP side is web/webhooks.py, the storing inbox/pushed.py.

A change carries only some fields (no permalink, sometimes no text); the next poll completes
what a change lacked. This module is Meta's own, like a collector module: the envelope's
`object` names which of the two Meta platforms a delivery is for.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from inbox.types import Author, NewItem

# Envelope `object` -> the platform name of the accounts it concerns.
OBJECTS = {"page": "facebook", "instagram": "instagram"}
# A change has no permalink; this address opens any Page object by id (the collector's fallback
# too). Ingest keeps the first URL it stored, so it must work.
PAGE_LINK = "https://www.facebook.com"
# 1.7: visitor posts arrive as feed changes with these `item` values.
POST_ITEMS = ("post", "status", "photo", "video")


def _time(value: Any) -> datetime | None:
    # 1.7: unix seconds in webhooks, sometimes milliseconds; Graph strings elsewhere.
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
    return None


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def _sender(value: dict[str, Any]) -> tuple[Author | None, str | None]:
    sender = value.get("from")
    if not isinstance(sender, dict):
        return None, None
    ident, handle = _str(sender.get("id")), _str(sender.get("username")) or ""
    if not ident and not handle:
        return None, None
    author = Author(external_id=ident or handle, name=_str(sender.get("name")) or handle, handle=handle)
    return author, ident


def page_change(platform: str, owner: str, field: str, value: dict[str, Any]) -> tuple[str, NewItem | None]:
    """One `feed` change of a Page as (verb, item); item None when it is not an inbox item."""
    verb = str(value.get("verb") or "add")
    kind = value.get("item")
    author, sender_id = _sender(value)
    if field == "mention":
        # 1.7: a post or comment tagging the Page carries ids only; like an Instagram mention, the
        # item is stored at once and the next poll (tagged posts) brings its text and link.
        ident = _str(value.get("comment_id")) if kind == "comment" else _str(value.get("post_id"))
        if not ident or (sender_id or _str(value.get("sender_id"))) == owner:
            return verb, None
        return verb, NewItem(
            platform=platform, external_id=ident, kind="mention", body=_str(value.get("message")) or "", created_at=None,
            author=author if author is not None else Author(external_id=_str(value.get("sender_id")) or "",
                                                             name=_str(value.get("sender_name")) or ""),
            thread_external_id=_str(value.get("post_id")), deleted=verb == "remove", raw=value,
        )
    if field != "feed":
        return verb, None
    if kind == "comment" and _str(value.get("comment_id")):
        post, parent = _str(value.get("post_id")), _str(value.get("parent_id"))
        return verb, NewItem(
            platform=platform, external_id=str(value["comment_id"]),
            kind="reply" if parent and parent != post else "comment",
            body=_str(value.get("message")) or "", created_at=_time(value.get("created_time")), author=author,
            parent_external_id=parent or post, thread_external_id=post,
            url=f"{PAGE_LINK}/{value['comment_id']}",
            from_business=sender_id == owner, deleted=verb == "remove", raw=value,
        )
    if kind in POST_ITEMS and _str(value.get("post_id")) and sender_id != owner:
        return verb, NewItem(
            platform=platform, external_id=str(value["post_id"]), kind="post",
            body=_str(value.get("message")) or "", created_at=_time(value.get("created_time")), author=author,
            thread_external_id=str(value["post_id"]), url=f"{PAGE_LINK}/{value['post_id']}",
            deleted=verb == "remove", raw=value,
        )
    return verb, None


def instagram_change(platform: str, owner: str, field: str, value: dict[str, Any]) -> tuple[str, NewItem | None]:
    """One `comments` or `mentions` change of an Instagram account as (verb, item)."""
    if field == "comments" and _str(value.get("id")):
        author, sender_id = _sender(value)
        media: dict[str, Any] = value["media"] if isinstance(value.get("media"), dict) else {}
        media_id, parent = _str(media.get("id")), _str(value.get("parent_id"))
        return "add", NewItem(
            platform=platform, external_id=str(value["id"]), kind="reply" if parent else "comment",
            body=_str(value.get("text")) or "", created_at=_time(value.get("timestamp")), author=author,
            parent_external_id=parent or media_id, thread_external_id=media_id,
            from_business=sender_id == owner, raw=value,
        )
    if field == "mentions" and (_str(value.get("comment_id")) or _str(value.get("media_id"))):
        # 2.5: a mention carries ids only; the next poll brings the text and the author.
        ident = _str(value.get("comment_id")) or str(value["media_id"])
        return "add", NewItem(
            platform=platform, external_id=ident, kind="mention", body="", created_at=None,
            thread_external_id=_str(value.get("media_id")), raw=value,
        )
    return "add", None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


MAPPERS = {"page": page_change, "instagram": instagram_change}


def changes(payload: Any) -> tuple[str, dict[str, list[tuple[str, NewItem]]]] | None:
    """A delivery as (platform, {owner account id: [(verb, item)]}); None when it is not for us."""
    envelope = payload.get("object") if isinstance(payload, dict) else None
    if envelope not in OBJECTS:
        return None
    platform, mapper = OBJECTS[envelope], MAPPERS[envelope]
    by_owner: dict[str, list[tuple[str, NewItem]]] = {}
    # Signed is not well-formed: a list where the reference says so, or nothing.
    for entry in _list(payload.get("entry")):
        if not isinstance(entry, dict) or not _str(entry.get("id")):
            continue
        owner = str(entry["id"])
        for change in _list(entry.get("changes")):
            if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                continue
            verb, item = mapper(platform, owner, str(change.get("field") or ""), change["value"])
            if item is not None:
                by_owner.setdefault(owner, []).append((verb, item))
    return platform, by_owner
