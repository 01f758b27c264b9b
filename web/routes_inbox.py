"""The inbox page: filters, the first page of the stream (server-rendered), the item pane."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import queries, users
from inbox.db import server_now
from web import api_json, i18n
from web import input as web_input
from web.api_items import cursor_from, filters_from
from web.auth import require_member
from web.pages import render


async def inbox_page(request: Request) -> Response:
    """GET /: the stream by priority then time, with the filters applied."""
    member = await require_member(request)
    params = request.query_params
    f = filters_from(params, member)
    lang = i18n.pick(member.ui_lang)
    async with request.app.state.pool.acquire() as db:
        rows, nxt = await queries.list_items(db, member.brand_id, f, after=cursor_from(params.get("after")),
                                             user_id=member.user_id)
        tags = await queries.tag_names(db, member.brand_id)
        platforms = await queries.platforms_in_use(db, member.brand_id)
        people = await users.members_of(db, member.brand_id)
        spam_count = await queries.spam_count(db, member.brand_id)
        now = await server_now(db)
        sound = await users.urgent_sound(db, member.user_id)
    items = [api_json.item(r, lang, member.timezone) for r in rows]
    filtered = any(params.get(k) for k in ("platform", "lang", "sentiment", "status", "assignee", "tag", "stars", "from", "to", "q"))
    complex_filter = any(params.get(k) for k in ("assignee", "tag", "from", "to", "q"))
    return await render(request, "inbox.html", {
        "complex_filter": complex_filter,
        "items": items, "next": nxt.encode() if nxt else None, "params": params, "tags": tags,
        "platforms": platforms, "people": people, "filtered": filtered, "server_now": now.isoformat(),
        "selected": params.get("item", ""), "spam_count": spam_count, "urgent_sound": sound,
    }, member=member)


async def item_page(request: Request) -> Response:
    """GET /items/{item}: the inbox with that item open (links in alerts and e-mails)."""
    await require_member(request)
    item = web_input.parse_id(request.path_params["item"])
    return RedirectResponse(f"/?status=all&item={item}" if item else "/", status_code=303)


routes = [
    Route("/", inbox_page, methods=["GET"]),
    Route("/items/{item}", item_page, methods=["GET"]),
]
