"""The X emulator's writes: create a post (a reply only where the 2026 rule allows it), delete
one's own post, hide a reply. Kept apart from emulators/x.py, which owns the account and reads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from emulators.x_timeline import problem

if TYPE_CHECKING:
    from emulators.x import XEmulator


async def create(emu: XEmulator, request: web.Request) -> web.Response:
    try:
        payload = await request.json()
    except ValueError:
        return problem(
            400,
            "Invalid Request",
            "The request body is not valid JSON.",
            "https://api.x.com/2/problems/invalid-request",
        )
    text = payload.get("text") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not text.strip():
        return problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.x.com/2/problems/invalid-request",
            errors=[{"message": "text is required"}],
        )
    if len(text) > 280:
        return problem(403, "Forbidden", "You are not allowed to create a Tweet with longer length.")
    reply = payload.get("reply") if isinstance(payload.get("reply"), dict) else None
    parent = None
    if reply is not None:
        parent = emu.lookup(str(reply.get("in_reply_to_tweet_id", "")))
        if parent is None:
            return problem(
                400,
                "Invalid Request",
                "One or more parameters to your request was invalid.",
                "https://api.x.com/2/problems/invalid-request",
                errors=[{"message": "The tweet you are replying to does not exist or has been deleted."}],
            )
        summoned = parent["author_id"] == emu.me["id"] or emu.me["id"] in parent["mentions"]
        if not summoned:
            return problem(
                403,
                "Forbidden",
                "Reply to this conversation is not allowed because you have not been "
                "mentioned or otherwise engaged by the author of the post you are replying to.",
            )
    tweet = emu.add_tweet(emu.me["id"], text, emu.clock(), parent)
    emu.replies.append({"parent": parent["id"] if parent else None, "text": text, "external_id": tweet["id"]})
    return web.json_response(
        {"data": {"id": tweet["id"], "text": text, "edit_history_tweet_ids": [tweet["id"]]}},
        status=201,
        headers={"location": f"https://api.x.com/2/tweets/{tweet['id']}"},
    )


async def delete(emu: XEmulator, request: web.Request) -> web.Response:
    tweet = emu.lookup(request.match_info["id"])
    if tweet is None or tweet["author_id"] != emu.me["id"]:
        return problem(403, "Forbidden", "You are not authorized to delete this Tweet.")
    del emu.tweets[tweet["id"]]
    return web.json_response({"data": {"deleted": True}})


async def hide(emu: XEmulator, request: web.Request) -> web.Response:
    tweet = emu.lookup(request.match_info["id"])
    try:
        payload = await request.json()
    except ValueError:
        payload = None
    if not isinstance(payload, dict) or not isinstance(payload.get("hidden"), bool):
        return problem(
            400,
            "Invalid Request",
            "One or more parameters to your request was invalid.",
            "https://api.x.com/2/problems/invalid-request",
            errors=[{"message": "hidden is required and must be a boolean"}],
        )
    if tweet is None:
        return problem(404, "Not Found Error", "Could not find tweet.")
    hidden = bool(payload.get("hidden"))
    tweet["hidden"] = hidden
    (emu.hidden.add if hidden else emu.hidden.discard)(tweet["id"])
    return web.json_response({"data": {"hidden": hidden}})

