"""JSON API: the inbox stream, one item, and the team workflow on items (web/api_bulk.py: on a selection)."""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import queries, users, workflow
from inbox.queries import ChangeCursor, Cursor, Filters
from web import api_json, i18n
from web import input as web_input
from web.auth import Member, require_member

_ = i18n.gettext
CHANGES_PAGE = 500


async def body_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body (web.input.json_body: size, depth and text checked)."""
    return await web_input.json_body(request)


def stars_from(raw: str | None) -> tuple[int, int] | None:
    """`stars=1-2` (or 1–2), `stars=5`: a range of 1 to 5 stars; 400 with the rule otherwise."""
    if not raw:
        return None
    parts = raw.strip().replace("–", "-").split("-")
    if len(parts) in (1, 2) and all(p.strip() in ("1", "2", "3", "4", "5") for p in parts):
        low, high = int(parts[0]), int(parts[-1])
        if low <= high:
            return low, high
    raise HTTPException(400, _("stars is a number of stars from 1 to 5, or a range like 1-2 (the smaller first)."))


def filters_from(params: Any, member: Member) -> Filters:
    """Inbox filters from query parameters (shared by the page and the API); 400 on bad ones."""
    for value in params.values():
        web_input.check_text(value)
    assignee: int | str | None = params.get("assignee") or None
    if isinstance(assignee, str) and assignee not in ("me", "none"):
        assignee = web_input.parse_id(assignee)
        if assignee is None:
            raise HTTPException(400, _("assignee is a person's number, me or none."))
    since, until = params.get("from"), params.get("to")
    return Filters(
        platform=params.get("platform") or None, lang=params.get("lang") or None,
        sentiment=params.get("sentiment") or None, status=params.get("status") or None,
        assignee=assignee, tag=params.get("tag") or None,
        since=web_input.parse_moment(since, member.timezone) if since else None,
        until=web_input.parse_moment(until, member.timezone, end_of_day=True) if until else None,
        q=params.get("q") or None, spam=params.get("view") == "spam", stars=stars_from(params.get("stars")),
    )


def cursor_from(text: str | None) -> Cursor | None:
    """A keyset cursor from a query parameter; 400 on a malformed one."""
    if not text:
        return None
    try:
        return Cursor.decode(text)
    except (ValueError, OverflowError, OSError):
        raise HTTPException(400, _("Bad page cursor.")) from None


def item_id(request: Request) -> int:
    """The {item} path parameter as a row id (404 otherwise)."""
    return web_input.path_id(request, "item", _("No such item."))


def _limit(raw: str | None) -> int:
    if not raw:
        return 50
    value = web_input.parse_id(raw)
    if value is None or value > 200:
        raise HTTPException(400, _("limit is a number from 1 to 200."))
    return value


async def list_items(request: Request) -> Response:
    """GET /api/items: a page of the stream, with `next` for the following page."""
    member = await require_member(request)
    f = filters_from(request.query_params, member)
    async with request.app.state.pool.acquire() as db:
        rows, nxt = await queries.list_items(db, member.brand_id, f, after=cursor_from(request.query_params.get("after")),
                                             limit=_limit(request.query_params.get("limit")), user_id=member.user_id)
    lang = i18n.pick(member.ui_lang)
    return JSONResponse({"items": [api_json.item(r, lang, member.timezone) for r in rows],
                         "next": nxt.encode() if nxt else None})


async def changes(request: Request) -> Response:
    """GET /api/items/changes?since=ISO or ?after=<next>: items created or changed since (catch-up)."""
    member = await require_member(request)
    after = web_input.query_text(request, "after")
    if after:
        try:
            position = ChangeCursor.decode(after)
        except ValueError:
            raise HTTPException(400, _("Bad page cursor.")) from None
    else:
        since = web_input.query_text(request, "since")
        if since is None:
            raise HTTPException(400, _("`since` must be an ISO date and time."))
        position = ChangeCursor.since(web_input.parse_moment(since, "UTC"))
    async with request.app.state.pool.acquire() as db:
        rows = await queries.changed_after(db, member.brand_id, position, limit=CHANGES_PAGE)
    lang = i18n.pick(member.ui_lang)
    # `next` is where this page ended: ask again with it for what changed after (a full page
    # means more are waiting now). Null when nothing changed: keep the cursor you had.
    return JSONResponse({"items": [api_json.item(r, lang, member.timezone) for r in rows],
                         "next": ChangeCursor.of(rows[-1]).encode() if rows else None})


def can(platform: str, action: str) -> bool:
    """Whether the platform's collector can `action` ("reply" or "hide") from Jasette."""
    try:
        from collector.registry import collector_class

        return bool(getattr(collector_class(platform), f"can_{action}", False))
    except Exception:  # platform module missing or broken: offer no button for it
        return False


async def get_item(request: Request) -> Response:
    """GET /api/items/{item}: the item in full."""
    member = await require_member(request)
    async with request.app.state.pool.acquire() as db:
        row = await queries.item_detail(db, member.brand_id, item_id(request))
    if row is None:
        raise HTTPException(404, _("No such item."))
    return JSONResponse(api_json.detail(row, i18n.pick(member.ui_lang), member.timezone, can_hide=can(row["platform"], "hide"),
                                         can_reply=can(row["platform"], "reply")))


async def act(member: Member, db: Any, ids: list[int], action: str, data: dict[str, Any]) -> list[int]:
    """Apply one workflow action to the brand's items; the ids it changed."""
    try:
        if action == "status":
            return await workflow.set_status(db, member.brand_id, ids, str(data.get("status")), member.user_id)
        if action == "snooze":
            until = data.get("until")
            if until is not None and not isinstance(until, str):
                raise HTTPException(400, _("until must be a date and time, or null."))
            moment = web_input.parse_moment(until, member.timezone) if until else None
            return await workflow.snooze(db, member.brand_id, ids, moment, member.user_id)
        if action == "unsnooze":
            return await workflow.unsnooze(db, member.brand_id, ids, member.user_id)
        if action == "assign":
            who = data.get("user_id")
            if who is not None and (who := web_input.parse_id(who)) is None:
                raise HTTPException(400, _("user_id must be a number or null."))
            return await workflow.assign(db, member.brand_id, ids, who, member.user_id)
        if action in ("tag", "untag"):
            name = data.get("name", "")
            if not isinstance(name, str):
                raise HTTPException(400, _("A tag's name is text."))
            return await workflow.tag(db, member.brand_id, ids, name, member.user_id, remove=action == "untag")
        if action == "spam":
            spam = data.get("spam", True)
            if not isinstance(spam, bool):
                raise HTTPException(400, _("spam must be true or false."))
            return await workflow.mark_spam(db, member.brand_id, ids, spam, member.user_id)
    except workflow.WorkflowError as exc:
        raise HTTPException(400, str(exc)) from None
    raise HTTPException(400, _("Unknown action."))


async def item_action(request: Request) -> Response:
    """POST /api/items/{item}/{action}: status, snooze, unsnooze, assign, tag, untag, spam."""
    member = await require_member(request)
    data = await body_json(request)
    action = request.path_params["action"]
    async with request.app.state.pool.acquire() as db:
        changed = await act(member, db, [item_id(request)], action, data)
        if not changed and action == "unsnooze" and await queries.item_exists(db, member.brand_id, item_id(request)):
            raise HTTPException(409, _("This comment is not snoozed."))
    if not changed:
        raise HTTPException(404, _("No such item."))
    return JSONResponse({"changed": changed})


async def add_note(request: Request) -> Response:
    """POST /api/items/{item}/notes {body}: an internal note."""
    member = await require_member(request)
    data = await body_json(request)
    async with request.app.state.pool.acquire() as db:
        try:
            body = data.get("body", "")
            if not isinstance(body, str):
                raise HTTPException(400, _("A note is text."))
            note = await workflow.add_note(db, member.brand_id, item_id(request), body, member.user_id)
        except workflow.WorkflowError as exc:
            raise HTTPException(400, str(exc)) from None
    if note is None:
        raise HTTPException(404, _("No such item."))
    return JSONResponse({"id": note}, status_code=201)


async def correct(request: Request) -> Response:
    """POST /api/items/{item}/correction {lang?, sentiment?}: staff's correction."""
    member = await require_member(request)
    data = await body_json(request)
    async with request.app.state.pool.acquire() as db:
        try:
            lang, sentiment = data.get("lang") or None, data.get("sentiment") or None
            if not isinstance(lang, str | None) or not isinstance(sentiment, str | None):
                raise HTTPException(400, _("lang and sentiment are text."))
            ok = await workflow.correct(db, member.brand_id, item_id(request), member.user_id, lang=lang, sentiment=sentiment)
        except workflow.WorkflowError as exc:
            raise HTTPException(400, str(exc)) from None
    if not ok:
        raise HTTPException(404, _("No such item."))
    return JSONResponse({"ok": True})


async def members(request: Request) -> Response:
    """GET /api/members: who works on the brand (the assign menu)."""
    member = await require_member(request)
    async with request.app.state.pool.acquire() as db:
        rows = await users.members_of(db, member.brand_id)
    return JSONResponse({"members": [{"id": r["id"], "name": r["name"] or r["email"], "role": r["role"]} for r in rows]})


routes = [
    Route("/api/items", list_items, methods=["GET"]),
    Route("/api/items/changes", changes, methods=["GET"]),
    Route("/api/items/{item}", get_item, methods=["GET"]),
    Route("/api/items/{item}/notes", add_note, methods=["POST"]),
    Route("/api/items/{item}/correction", correct, methods=["POST"]),
    Route("/api/items/{item}/{action:str}", item_action, methods=["POST"]),
    Route("/api/members", members, methods=["GET"]),
]
