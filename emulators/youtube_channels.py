"""The YouTube emulator's channels.list: the channel a token belongs to (`mine=true`, how the
connect flow discovers it) or a channel by id, with Google's errors for a missing filter.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.youtube_wire import google_error

if TYPE_CHECKING:
    from emulators.youtube import YouTubeEmulator

CHANNEL_TITLE = "Café Démo"


async def list_channels(emu: YouTubeEmulator, request: web.Request) -> web.Response:
    """channels.list with mine=true (the token's channel) or id=..."""
    query = request.query
    if not query.get("part"):
        return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: part",
                            "youtube.parameter")
    if query.get("mine") == "true":
        found = [emu.channel["id"]]
    elif query.get("id"):
        found = [c for c in query["id"].split(",") if c == emu.channel["id"]]
    else:
        return google_error(400, "missingRequiredParameter",
                            "No filter selected. Expected one of: forHandle, forUsername, id, managedByMe, mine",
                            "youtube.parameter")
    parts = set(query["part"].split(","))
    items = []
    for channel_id in found:
        item: dict[str, Any] = {"kind": "youtube#channel", "etag": secrets.token_urlsafe(20), "id": channel_id}
        if "snippet" in parts:
            item["snippet"] = {"title": CHANNEL_TITLE, "description": "Le café du coin / The corner café",
                               "customUrl": emu.channel["name"], "publishedAt": "2019-04-02T14:00:00Z",
                               "country": "CA"}
        items.append(item)
    return web.json_response({"kind": "youtube#channelListResponse", "etag": secrets.token_urlsafe(20),
                              "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}, "items": items})
