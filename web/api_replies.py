"""JSON API: replies through the outbox (with collision control), hide, retry, saved replies."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import outbox, queries, saved_replies, workflow
from inbox.db import Conn
from web import api_json, i18n
from web import input as web_input
from web.api_items import body_json, can, item_id
from web.auth import require_member

_ = i18n.gettext
MAX_REPLY = 5_000


async def _refuse_unless_able(db: Conn, brand_id: int, target: int, action: str) -> None:
    """404 for another brand's item; 422 when its platform cannot take this action from Jasette."""
    platform = await queries.item_platform(db, brand_id, target)
    if platform is None:
        raise HTTPException(404, _("No such item."))
    if not can(platform, "reply" if action == "reply" else "hide"):
        name = i18n.platform_name(platform)
        if action == "reply":
            raise HTTPException(422, _("{platform} takes no replies from Jasette: answer on {platform} itself.", platform=name))
        raise HTTPException(422, _("{platform} does not let Jasette hide comments: moderate on {platform} itself.", platform=name))


def _key(data: dict, fallback: str) -> str:
    key = data.get("idempotency_key")
    if not isinstance(key, str) or not 8 <= len(key) <= 100:
        raise HTTPException(400, _("idempotency_key must be 8 to 100 characters (one per reply you write)."))
    return f"{fallback}:{key}"


async def send_reply(request: Request) -> Response:
    """POST /api/items/{item}/replies {body, idempotency_key, opened_at, done}: queue a reply;
    with `done`, the item is marked done at once ("send and mark done").

    Refused (409) when someone else replied to the item after `opened_at`, the moment this
    person's view of it was loaded: two people must not answer one customer twice.
    """
    member = await require_member(request)
    data = await body_json(request)
    text = data.get("body", "")
    if not isinstance(text, str):
        raise HTTPException(400, _("Write a reply first."))
    text = text.strip()
    if not text:
        raise HTTPException(400, _("Write a reply first."))
    if len(text) > MAX_REPLY:
        raise HTTPException(400, _("The reply is too long."))
    key = _key(data, f"b{member.brand_id}:u{member.user_id}")
    done = data.get("done", False)
    if not isinstance(done, bool):
        raise HTTPException(400, _("done must be true or false."))
    target = item_id(request)
    async with request.app.state.pool.acquire() as db:
        await _refuse_unless_able(db, member.brand_id, target, "reply")
        opened = data.get("opened_at")
        if isinstance(opened, str) and opened:
            since = web_input.parse_moment(opened, "UTC")
            other = await workflow.answered_since(db, member.brand_id, target, member.user_id, since)
            if other is not None:
                raise HTTPException(409, _("{name} answered this comment after you opened it. Read their reply before sending yours.", name=other))
        try:
            row = await outbox.enqueue(db, brand_id=member.brand_id, item_id=target, user_id=member.user_id,
                                       body=text, idempotency_key=key, action="reply")
        except LookupError:
            raise HTTPException(404, _("No such item.")) from None
        if done:  # "send and mark done": a reply that later fails reopens the item (outbox)
            await workflow.set_status(db, member.brand_id, [target], "done", member.user_id)
        else:
            await workflow.open_on_reply(db, member.brand_id, target)
        full = await queries.reply_row(db, member.brand_id, row["id"])
    assert full is not None
    return JSONResponse({"reply": api_json.reply(full, i18n.pick(member.ui_lang), member.timezone)}, status_code=201)


async def moderate(request: Request) -> Response:
    """POST /api/items/{item}/hide or /unhide: queue a moderation action."""
    member = await require_member(request)
    data = await body_json(request)
    action = "hide" if request.url.path.endswith("/hide") else "unhide"
    key = _key(data, f"b{member.brand_id}:u{member.user_id}:{action}")
    async with request.app.state.pool.acquire() as db:
        await _refuse_unless_able(db, member.brand_id, item_id(request), action)
        try:
            row = await outbox.enqueue(db, brand_id=member.brand_id, item_id=item_id(request), user_id=member.user_id,
                                       body="", idempotency_key=key, action=action)
        except LookupError:
            raise HTTPException(404, _("No such item.")) from None
        full = await queries.reply_row(db, member.brand_id, row["id"])
    assert full is not None
    return JSONResponse({"reply": api_json.reply(full, i18n.pick(member.ui_lang), member.timezone)}, status_code=201)


async def retry(request: Request) -> Response:
    """POST /api/replies/{reply}/retry: send a failed reply again."""
    member = await require_member(request)
    reply_id = web_input.path_id(request, "reply", _("No such reply."))
    async with request.app.state.pool.acquire() as db:
        found = await queries.reply_row(db, member.brand_id, reply_id)
        if found is None:
            raise HTTPException(404, _("No such reply."))
        await _refuse_unless_able(db, member.brand_id, found["item_id"], found["action"])
        if await outbox.retry(db, member.brand_id, reply_id) is None:
            raise HTTPException(409, _("Only a failed reply can be retried."))
        full = await queries.reply_row(db, member.brand_id, reply_id)
    assert full is not None
    return JSONResponse({"reply": api_json.reply(full, i18n.pick(member.ui_lang), member.timezone)})


async def saved_for_item(request: Request) -> Response:
    """GET /api/items/{item}/saved-replies: saved replies, the item's language first, filled in.

    At most one is marked `suggested` (its tone fits the item; see saved_replies.suggestion); the
    page offers it to insert with one click and never types it into the reply box by itself.
    """
    member = await require_member(request)
    async with request.app.state.pool.acquire() as db:
        row = await saved_replies.item_context(db, member.brand_id, item_id(request))
        if row is None:
            raise HTTPException(404, _("No such item."))
        found = await saved_replies.list_for(db, member.brand_id, row["lang"])
    suggested = saved_replies.suggestion(found, lang=row["lang"], sentiment=row["sentiment"], answered=row["answered"])
    return JSONResponse({"saved_replies": [
        {"id": s["id"], "lang": s["lang"], "title": s["title"], "suggested": s["id"] == suggested,
         "text": saved_replies.render(s["body"], author_name=row["author_name"], business=row["business"])}
        for s in found
    ]})


routes = [
    Route("/api/items/{item}/replies", send_reply, methods=["POST"]),
    Route("/api/items/{item}/hide", moderate, methods=["POST"]),
    Route("/api/items/{item}/unhide", moderate, methods=["POST"]),
    Route("/api/items/{item}/saved-replies", saved_for_item, methods=["GET"]),
    Route("/api/replies/{reply}/retry", retry, methods=["POST"]),
]
