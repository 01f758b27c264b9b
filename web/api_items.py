"""JSON API: the inbox stream, one item, and the team workflow on items (single and bulk)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import queries, users, workflow
from inbox.queries import ChangeCursor, Cursor, Filters
from web import api_json, i18n
from web.auth import Member, require_member

_ = i18n.gettext
CHANGES_PAGE = 500


async def body_json(request: Request) -> dict[str, Any]:
    """The request's JSON object body; 400 when it is anything else."""
    try:
        data = await request.json()
    except ValueError:
        raise HTTPException(400, _("The request body must be JSON.")) from None
    if not isinstance(data, dict):
        raise HTTPException(400, _("The request body must be a JSON object."))
    return data


def _date(text: str | None, tz: str, *, end: bool = False) -> datetime | None:
    if not text:
        return None
    try:
        day = datetime.fromisoformat(text)
    except ValueError:
        raise HTTPException(400, _("Dates look like 2026-05-31.")) from None
    if day.tzinfo is None:
        day = day.replace(tzinfo=ZoneInfo(tz))
    if end and len(text) <= 10:
        from datetime import timedelta

        day += timedelta(days=1)
    return day


def filters_from(params: Any, member: Member) -> Filters:
    """Inbox filters from query parameters (shared by the page and the API)."""
    assignee: int | str | None = params.get("assignee") or None
    if isinstance(assignee, str) and assignee not in ("me", "none"):
        assignee = int(assignee) if assignee.isdigit() else None
    return Filters(
        platform=params.get("platform") or None, lang=params.get("lang") or None,
        sentiment=params.get("sentiment") or None, status=params.get("status") or None,
        assignee=assignee, tag=params.get("tag") or None,
        since=_date(params.get("from"), member.timezone), until=_date(params.get("to"), member.timezone, end=True),
        q=params.get("q") or None,
    )


def cursor_from(text: str | None) -> Cursor | None:
    """A keyset cursor from a query parameter; 400 on a malformed one."""
    if not text:
        return None
    try:
        return Cursor.decode(text)
    except ValueError:
        raise HTTPException(400, _("Bad page cursor.")) from None


def item_id(request: Request) -> int:
    """The {item} path parameter as an int (404 otherwise)."""
    try:
        return int(request.path_params["item"])
    except ValueError:
        raise HTTPException(404, _("No such item.")) from None


async def list_items(request: Request) -> Response:
    """GET /api/items: a page of the stream, with `next` for the following page."""
    member = await require_member(request)
    f = filters_from(request.query_params, member)
    async with request.app.state.pool.acquire() as db:
        limit = request.query_params.get("limit", "50")
        rows, nxt = await queries.list_items(db, member.brand_id, f, after=cursor_from(request.query_params.get("after")),
                                             limit=min(200, int(limit)) if limit.isdigit() else 50,
                                             user_id=member.user_id)
    lang = i18n.pick(member.ui_lang)
    return JSONResponse({"items": [api_json.item(r, lang, member.timezone) for r in rows],
                         "next": nxt.encode() if nxt else None})


async def changes(request: Request) -> Response:
    """GET /api/items/changes?since=ISO or ?after=<next>: items created or changed since (catch-up)."""
    member = await require_member(request)
    after = request.query_params.get("after")
    if after:
        try:
            position = ChangeCursor.decode(after)
        except ValueError:
            raise HTTPException(400, _("Bad page cursor.")) from None
    else:
        try:
            since = datetime.fromisoformat(request.query_params.get("since", ""))
        except ValueError:
            raise HTTPException(400, _("`since` must be an ISO date and time.")) from None
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        position = ChangeCursor.since(since)
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


async def _act(member: Member, db: Any, ids: list[int], action: str, data: dict[str, Any]) -> list[int]:
    """Apply one workflow action to the brand's items; the ids it changed."""
    try:
        if action == "status":
            return await workflow.set_status(db, member.brand_id, ids, str(data.get("status")), member.user_id)
        if action == "snooze":
            until = data.get("until")
            moment = datetime.fromisoformat(until) if isinstance(until, str) and until else None
            if moment is not None and moment.tzinfo is None:
                moment = moment.replace(tzinfo=ZoneInfo(member.timezone))
            return await workflow.snooze(db, member.brand_id, ids, moment, member.user_id)
        if action == "assign":
            who = data.get("user_id")
            if who is not None and not isinstance(who, int):
                raise HTTPException(400, _("user_id must be a number or null."))
            return await workflow.assign(db, member.brand_id, ids, who, member.user_id)
        if action in ("tag", "untag"):
            return await workflow.tag(db, member.brand_id, ids, str(data.get("name", "")), member.user_id, remove=action == "untag")
    except workflow.WorkflowError as exc:
        raise HTTPException(400, str(exc)) from None
    except ValueError:
        raise HTTPException(400, _("Dates look like 2026-05-31T17:00.")) from None
    raise HTTPException(400, _("Unknown action."))


async def item_action(request: Request) -> Response:
    """POST /api/items/{item}/{action}: status, snooze, assign, tag, untag."""
    member = await require_member(request)
    data = await body_json(request)
    async with request.app.state.pool.acquire() as db:
        changed = await _act(member, db, [item_id(request)], request.path_params["action"], data)
    if not changed:
        raise HTTPException(404, _("No such item."))
    return JSONResponse({"changed": changed})


async def bulk(request: Request) -> Response:
    """POST /api/bulk {ids, action, ...}: one action on a selection."""
    member = await require_member(request)
    data = await body_json(request)
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or not all(isinstance(i, int) for i in ids) or len(ids) > 500:
        raise HTTPException(400, _("ids must be a list of 1 to 500 item numbers."))
    async with request.app.state.pool.acquire() as db:
        changed = await _act(member, db, ids, str(data.get("action")), data)
    return JSONResponse({"changed": changed})


async def add_note(request: Request) -> Response:
    """POST /api/items/{item}/notes {body}: an internal note."""
    member = await require_member(request)
    data = await body_json(request)
    async with request.app.state.pool.acquire() as db:
        try:
            note = await workflow.add_note(db, member.brand_id, item_id(request), str(data.get("body", "")), member.user_id)
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
            ok = await workflow.correct(db, member.brand_id, item_id(request), member.user_id,
                                        lang=data.get("lang") or None, sentiment=data.get("sentiment") or None)
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
    Route("/api/bulk", bulk, methods=["POST"]),
    Route("/api/members", members, methods=["GET"]),
]
