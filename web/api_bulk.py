"""JSON API: one workflow action on a selection of items, and its undo.

A bulk action answers with an undo token; the previous state of each changed item stays on the
server (inbox/bulk_undo.py), for this brand and this person, for a short while. The page offers
« Annuler » for a few seconds; undoing never takes a previous state from the browser.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from inbox import bulk_undo
from web import i18n
from web import input as web_input
from web.api_items import act, body_json
from web.auth import require_member

_ = i18n.gettext
MAX_IDS = 500


async def bulk(request: Request) -> Response:
    """POST /api/bulk {ids, action, ...}: one action on a selection; `undo` is the token that undoes it."""
    member = await require_member(request)
    data = await body_json(request)
    ids = data.get("ids")
    if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS or any(web_input.parse_id(i) is None for i in ids):
        raise HTTPException(400, _("ids must be a list of 1 to 500 item numbers."))
    numbers = [n for i in ids if (n := web_input.parse_id(i)) is not None]
    action = str(data.get("action"))
    async with request.app.state.pool.acquire() as db, db.transaction():
        # Before and after in the action's own transaction: no other change slips between them.
        before = await bulk_undo.snapshot(db, member.brand_id, numbers, lock=True)
        changed = await act(member, db, numbers, action, data)
        after = await bulk_undo.snapshot(db, member.brand_id, changed)
        token = await bulk_undo.record(db, member.brand_id, member.user_id, action, before, after) if changed else None
    return JSONResponse({"changed": changed, "undo": token, "undo_seconds": bulk_undo.KEEP_SECONDS if token else None})


def _said(done: bulk_undo.Undone) -> str:
    restored, skipped = len(done.restored), len(done.skipped)
    if not skipped:
        return _("Undone.")
    if not restored:
        return _("Nothing undone: someone else changed these comments in the meantime.")
    if skipped == 1:
        return _("Undone for {n}; 1 comment changed by someone else in the meantime was left as they made it.", n=restored)
    return _("Undone for {n}; {skipped} comments changed by someone else in the meantime were left as they made them.",
             n=restored, skipped=skipped)


async def undo(request: Request) -> Response:
    """POST /api/bulk/undo {token}: the items back as they were (skipping those changed since).

    404: not this brand's or person's action; 410: too late; 409: already undone.
    """
    member = await require_member(request)
    data = await body_json(request)
    token = data.get("token")
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        raise HTTPException(400, _("token is the undo token a bulk action gave."))
    async with request.app.state.pool.acquire() as db:
        try:
            done = await bulk_undo.undo(db, member.brand_id, member.user_id, token)
        except bulk_undo.UndoRefused as refused:
            if refused.why == "expired":
                raise HTTPException(410, _("Too late to undo: put the comments back one by one.")) from None
            if refused.why == "done":
                raise HTTPException(409, _("This action was already undone.")) from None
            raise HTTPException(404, _("Nothing to undo here: this action is not yours, or not this brand's.")) from None
    return JSONResponse({"restored": done.restored, "skipped": done.skipped, "message": _said(done)})


routes = [
    Route("/api/bulk", bulk, methods=["POST"]),
    Route("/api/bulk/undo", undo, methods=["POST"]),
]
