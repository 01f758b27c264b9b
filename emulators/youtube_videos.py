"""The YouTube emulator's videos.list by id: the snippet (title, description, publishedAt,
channelId) of the channel's videos, for the pane's "post" a comment thread answers.

As Google does, ids it does not hold are left out (no error), `part` and a filter are required,
and the call costs 1 unit (charged by the emulator's wrapper, failed calls too). Google documents
up to 50 ids a call; what it answers past that is not known here, so the emulator does not check.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from aiohttp import web

from emulators.youtube_wire import google_error

if TYPE_CHECKING:
    from emulators.youtube import YouTubeEmulator

# The seeded videos' words; a video created by an injected comment gets a plain title.
SEEDED = {
    "dQw4w9WgXcQ": ("Notre café, notre quartier / Our café, our neighbourhood",
                    "Visite du Café Démo : torréfaction maison, pâtisseries du matin.\n\nA tour of Café Démo."),
    "cafeDemo01A": ("Nouveau menu d'automne : soupe à la courge",
                    "Goûtez notre soupe à la courge et nos muffins aux pommes. Bon appétit!"),
}
PUBLISHED = "2026-01-15T14:00:00Z"


def snippet_of(emu: YouTubeEmulator, video_id: str) -> dict[str, Any]:
    """The snippet of one of the channel's videos."""
    title, description = SEEDED.get(video_id, (f"Vidéo {video_id}", ""))
    return {"publishedAt": PUBLISHED, "channelId": emu.channel["id"], "title": title, "description": description,
            "channelTitle": "Café Démo", "liveBroadcastContent": "none",
            "localized": {"title": title, "description": description}}


async def list_videos(emu: YouTubeEmulator, request: web.Request) -> web.Response:
    """videos.list?part=snippet&id=ID1,ID2,..."""
    query = request.query
    if not query.get("part"):
        return google_error(400, "missingRequiredParameter", "No filter selected. Expected one of: part",
                            "youtube.parameter")
    if not query.get("id"):
        return google_error(400, "missingRequiredParameter",
                            "No filter selected. Expected one of: chart, id, myRating", "youtube.parameter")
    wanted = [v for v in query["id"].split(",") if v]
    parts = set(query["part"].split(","))
    items = []
    for video_id in dict.fromkeys(wanted):
        if video_id not in emu.videos:
            continue
        item: dict[str, Any] = {"kind": "youtube#video", "etag": secrets.token_urlsafe(20), "id": video_id}
        if "snippet" in parts:
            item["snippet"] = snippet_of(emu, video_id)
        items.append(item)
    return web.json_response({"kind": "youtube#videoListResponse", "etag": secrets.token_urlsafe(20),
                              "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
                              "items": items})
