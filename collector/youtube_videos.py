"""The videos YouTube comment threads answer, kept as the business's context posts.

The item pane shows the post a comment answers (issue 15): for YouTube, the channel's video. After
each page, the ids of videos its comments answer and that were not fetched yet are read with
`videos.list?part=snippet&id=…` (up to 50 ids a call, 1 unit, counted like every call) and become
`from_business` items of kind "post" (never listed, alerted or counted). The cursor keeps the last
KNOWN_VIDEOS ids fetched, so a video is fetched once while its comments keep coming; ids whose
read failed wait in "videos_due" for the next page. Only words are kept: the thumbnail is not
stored (the pane shows no platform images).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from collector.base import FetchFailed, RateLimited
from collector.wire import as_dict, parse_time
from inbox.types import Author, NewItem

PLATFORM = "youtube"
IDS_PER_CALL = 50
KNOWN_VIDEOS = 500  # ids kept in the cursor (about 6 KB)
EXCERPT = 500  # characters of the description kept under the title

Call = Callable[[str, str, dict[str, str]], Awaitable[Any]]


def answered_videos(items: list[NewItem]) -> list[str]:
    """The video ids the page's comments answer, in order, once each."""
    found: dict[str, None] = {}
    for item in items:
        if item.deleted or item.from_business:
            continue
        raw = item.raw if isinstance(item.raw, dict) else {}
        video = as_dict(raw.get("snippet")).get("videoId")
        if not video and item.kind == "comment":
            video = item.parent_external_id
        if isinstance(video, str) and video:
            found[video] = None
    return list(found)


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """The description's start, cut at a word when it is longer than `limit`."""
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip() + "…"


def map_video(video: Any, channel_id: str) -> NewItem | None:
    """One video resource as the channel's context post (title, then a description excerpt)."""
    if not isinstance(video, dict) or not isinstance(video.get("id"), str) or not video["id"]:
        return None
    snippet = as_dict(video.get("snippet"))
    title = str(snippet.get("title") or "").strip()
    description = excerpt(str(snippet.get("description") or ""))
    try:
        created = parse_time(snippet.get("publishedAt"))
    except ValueError:
        created = None
    owner = str(snippet.get("channelId") or channel_id)
    return NewItem(
        platform=PLATFORM,
        external_id=video["id"],
        kind="post",
        body="\n\n".join(part for part in (title, description) if part),
        created_at=created,
        author=Author(external_id=owner, name=str(snippet.get("channelTitle") or "")),
        thread_external_id=video["id"],
        url=f"https://www.youtube.com/watch?v={video['id']}",
        from_business=True,
        raw={"id": video["id"], "snippet": {k: snippet.get(k) for k in ("title", "publishedAt", "channelId")}},
    )


async def fetch_videos(call: Call, items: list[NewItem], cursor: dict[str, Any], channel_id: str,
                       problems: list[str]) -> list[NewItem]:
    """The context posts of the videos `items` answer that the cursor does not list as fetched."""
    known: list[str] = cursor.get("videos") or []
    seen = set(known)
    due = [v for v in dict.fromkeys([*(cursor.get("videos_due") or []), *answered_videos(items)]) if v not in seen]
    posts: list[NewItem] = []
    for start in range(0, len(due), IDS_PER_CALL):
        chunk = due[start : start + IDS_PER_CALL]
        try:
            body = await call("GET", "videos", {"part": "snippet", "id": ",".join(chunk)})
        except (RateLimited, FetchFailed) as exc:
            # The comments of this page still flow; these videos are asked again next page.
            problems.append(f"video titles not read: {exc}")
            cursor["videos_due"] = due[start:][:IDS_PER_CALL * 2]
            break
        found = [p for v in as_dict(body).get("items") or [] if (p := map_video(v, channel_id))]
        posts += found
        # Ids YouTube did not return (deleted or private videos) are not asked again either.
        known = [*known, *chunk]
    else:
        cursor.pop("videos_due", None)
    cursor["videos"] = known[-KNOWN_VIDEOS:]
    return posts
