"""The YouTube emulator's writes: a reply to a top-level comment (comments.insert), moderation
(comments.setModerationStatus) and deleting the channel's own comment. Kept apart from
emulators/youtube.py, which owns the channel, its threads and the reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from emulators.youtube_wire import google_error

if TYPE_CHECKING:
    from emulators.youtube import YouTubeEmulator


async def insert_reply(emu: YouTubeEmulator, request: web.Request) -> web.Response:
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    snippet = payload.get("snippet") if isinstance(payload, dict) else None
    if not isinstance(snippet, dict) or not snippet.get("textOriginal") or not snippet.get("parentId"):
        return google_error(400, "invalidCommentMetadata", "The request metadata is invalid.", "youtube.comment")
    parent = emu.comments.get(str(snippet["parentId"]))
    if parent is None:
        return google_error(
            404, "parentCommentNotFound", "The parent comment could not be found.", "youtube.comment"
        )
    if parent["parent"]:
        return google_error(
            400, "operationNotSupported", "Replies can only answer a top-level comment.", "youtube.comment"
        )
    text = str(snippet["textOriginal"])
    if len(text) > 10_000:
        return google_error(400, "commentTextTooLong", "The comment text is too long.", "youtube.comment")
    comment = emu.new_comment(parent["video"], parent["id"], text, emu.channel, emu.clock())
    emu.replies.append({"parent": parent["id"], "text": text, "external_id": comment["id"]})
    return web.json_response(emu.comment_view(comment, False))


async def moderate(emu: YouTubeEmulator, request: web.Request) -> web.StreamResponse:
    status = request.query.get("moderationStatus")
    if status not in ("heldForReview", "published", "rejected"):
        return google_error(400, "invalidModerationStatus", "The moderation status is invalid.", "youtube.comment")
    for comment_id in request.query.get("id", "").split(","):
        if comment_id in emu.comments:
            emu.comments[comment_id]["status"] = status
            emu.changes += 1
            (emu.hidden.discard if status == "published" else emu.hidden.add)(comment_id)
    return web.Response(status=204)


async def delete_comment(emu: YouTubeEmulator, request: web.Request) -> web.StreamResponse:
    comment = emu.comments.get(request.query.get("id", ""))
    if comment is None or comment["author"]["id"] != emu.channel["id"]:
        return google_error(403, "forbidden", "The comment could not be deleted.", "youtube.comment")
    emu.delete(comment["id"])
    return web.Response(status=204)
