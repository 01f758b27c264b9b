"""LinkedIn's JSON as inbox items: comments and replies of `socialActions/…/comments`, posts
that mention the organisation, and whole collection bodies (`parse`, for the recorded
fixtures). Pure mapping; collector/linkedin.py owns the reads and the cursor.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from inbox.types import Author, NewItem

PLATFORM = "linkedin"
COMMENT_URN = re.compile(r"^urn:li:comment:\((?P<object>urn:li:[A-Za-z]+:[^,]+),(?P<id>[^)]+)\)$")
# "little text" mention markup in post commentary: @[Name](urn:li:organization:123)
LITTLE_MENTION = re.compile(r"@\[([^\]]*)\]\((urn:li:[^)]+)\)")


def epoch_ms_time(ms: Any) -> datetime:
    if not isinstance(ms, (int, float)) or isinstance(ms, bool):
        raise ValueError(f"time {ms!r} is not epoch milliseconds")
    try:
        return datetime.fromtimestamp(ms / 1000, tz=UTC)
    except (OverflowError, OSError) as exc:  # past what the C library can hold: not ValueError
        raise ValueError(f"time {ms!r} is out of range") from exc


def plain_commentary(text: str) -> str:
    """Post commentary without little-text markup (mentions become @Name)."""
    return LITTLE_MENTION.sub(lambda m: "@" + m.group(1), text)


def map_comment(raw: dict[str, Any], org: str | None = None) -> NewItem:
    """One comment element of `socialActions/…/comments` as an inbox item."""
    urn = raw.get("commentUrn") or raw.get("$URN")
    if not isinstance(urn, str) or not COMMENT_URN.match(urn):
        raise ValueError(f"comment URN {urn!r} is not urn:li:comment:(object,id)")
    created = raw.get("created")
    if not isinstance(created, dict):
        created = {}
    message = raw.get("message") or {}
    actor = raw.get("actor") if isinstance(raw.get("actor"), str) else ""
    parent = raw.get("parentComment")
    post = raw.get("object") or COMMENT_URN.match(urn).group("object")  # type: ignore[union-attr]
    # The API names the actor only by URN (names need other, restricted APIs): a deleted
    # member shows as no actor at all, which becomes an author without a name either way.
    author = Author(external_id=actor, handle=actor.rsplit(":", 1)[-1] if actor else "") if actor else Author(external_id="")
    return NewItem(
        platform=PLATFORM,
        external_id=urn,
        kind="reply" if parent else "comment",
        body=str(message.get("text", "")) if isinstance(message, dict) else "",
        created_at=epoch_ms_time(created.get("time")),
        author=author,
        parent_external_id=parent or None,
        thread_external_id=post,
        url=f"https://www.linkedin.com/feed/update/{post}/",
        from_business=bool(org) and actor == org,
        raw=raw,
    )


def map_post(raw: dict[str, Any], org: str | None = None) -> NewItem:
    """A post that mentions the organisation, as a mention item."""
    urn = raw["id"]
    author = str(raw.get("author") or "")
    return NewItem(
        platform=PLATFORM,
        external_id=urn,
        kind="mention",
        body=plain_commentary(str(raw.get("commentary", ""))),
        created_at=epoch_ms_time(raw.get("createdAt") or raw.get("publishedAt")),
        author=Author(external_id=author, handle=author.rsplit(":", 1)[-1]) if author else Author(external_id=""),
        thread_external_id=urn,
        url=f"https://www.linkedin.com/feed/update/{urn}/",
        from_business=bool(org) and author == org,
        raw=raw,
    )


def map_own_post(raw: dict[str, Any], org: str) -> NewItem:
    """One of the organisation's own posts, kept as the context its comments answer: the item
    pane shows its commentary above them; from_business keeps it out of the list and alerts."""
    item = map_post(raw, org)
    item.kind = "post"
    item.from_business = True
    return item


def version_key(item: NewItem, raw: dict[str, Any]) -> tuple[str, int]:
    # An edit changes lastModified: the pair says which version of a comment we saw. The
    # comment's own id is enough inside one source and keeps the cursor small.
    stamp = (raw.get("lastModified") or {}).get("time") or (raw.get("created") or {}).get("time") or 0
    match = COMMENT_URN.match(item.external_id)
    return f"{match.group('id') if match else item.external_id}@{stamp}", int(stamp)


def parse(body: bytes | str) -> list[NewItem]:
    """Map one raw comments (or posts) collection body to items."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    if isinstance(data, dict) and "elements" not in data and "status" in data and "message" in data:
        raise ValueError(f"a LinkedIn error body (status {data.get('status')}): {data.get('message')}")
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ValueError("not a Rest.li collection (no `elements` list)")
    items, problems = [], []
    for raw in data["elements"]:
        try:
            if not isinstance(raw, dict):
                raise ValueError("not an object")
            items.append(map_post(raw) if "commentary" in raw else map_comment(raw))
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(str(exc))
    if problems and not items:
        raise ValueError("no element could be read: " + "; ".join(problems[:3]))
    return items
