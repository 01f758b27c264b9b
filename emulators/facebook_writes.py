"""The Facebook emulator's writes: a comment or reply from the Page (one level of replies, as
Facebook shows them), and a comment's update (hide / unhide with its webhook, the Page's own
text). Kept apart from emulators/facebook.py, which owns the Pages, posts and reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from emulators import meta_graph as graph
from emulators import meta_webhooks

if TYPE_CHECKING:
    from emulators.facebook import FacebookEmulator


def create_comment(emu: FacebookEmulator, object_id: str, params: dict[str, str]) -> web.Response:
    message = params.get("message", "")
    if not message and not params.get("attachment_url"):
        return graph.graph_error(400, 100, "(#100) Missing message or attachment")
    if object_id in emu.posts:
        comment = emu.add_comment(object_id, None, message, emu.page, emu.clock())
    elif object_id in emu.comments:
        # Facebook shows one level of replies: a reply to a reply joins its thread (1.4).
        target = emu.comments[object_id]
        comment = emu.add_comment(
            target["post_id"], target["parent_id"] or target["id"], message, emu.page, emu.clock()
        )
    else:
        return graph.missing_object(object_id, "post")
    emu.replies.append({"parent": object_id, "text": message, "external_id": comment["id"]})
    fields = graph.parse_fields(params.get("fields"))
    return web.json_response(graph.select(emu.comment_view(comment), fields, ("id",)))


def update_comment(emu: FacebookEmulator, object_id: str, params: dict[str, str]) -> web.Response:
    comment = emu.comments.get(object_id)
    if comment is None:
        return graph.missing_object(object_id, "post")
    if "is_hidden" in params:
        hidden = params["is_hidden"].lower() in ("true", "1")
        comment["is_hidden"] = hidden
        (emu.hidden.add if hidden else emu.hidden.discard)(object_id)
        emu.webhooks.change(emu.page["id"], "feed", meta_webhooks.feed_comment(comment, "hide" if hidden else "unhide"))
    if "message" in params and comment["from"]["id"] == emu.page["id"]:
        comment["message"] = params["message"]
    return web.json_response({"success": True})
