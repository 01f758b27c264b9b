"""Settings → Connections actions beside the form: test a connection, pause or resume it, change
how often it is polled, remove it.

Owners only. Testing runs the collector's first-poll calls through the outbound guard and
stores nothing; removing keeps the items already collected (items.account_id is set null).
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collector import probe
from inbox import accounts, netguard
from web import i18n, poll_interval
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render
from web.routes_settings import _page

_ = i18n.gettext


async def _owned(request: Request) -> tuple[Member, dict[str, Any]]:
    member = await require_member(request, role="owner")
    account_id = web_input.parse_id(request.path_params["account"]) or -1
    async with request.app.state.pool.acquire() as db:
        found = await accounts.get_account(db, member.brand_id, account_id)
    if found is None:
        raise HTTPException(404, _("No such connection."))
    return member, found


def trial_words(trial: probe.Trial, platform: str) -> str:
    """What a connection test found, in the reader's words."""
    name = i18n.platform_name(platform)
    words = {
        "ok": _("The connection works: Jasette read {count} recent item(s). Nothing was saved.", count=trial.items)
        if trial.items else _("The connection works. Nothing recent to read; nothing was saved."),
        "no_access": _("These credentials work, but they do not give access to this account: check the id, or "
                       "reconnect with the account's own credentials."),
        "refused_credentials": _("{platform} refused the credentials: reconnect the account.", platform=name),
        "rate_limited": _("{platform} asked Jasette to slow down: try the test again in a few minutes.", platform=name),
        "unreachable": _("{platform} could not be reached or answered with an error.", platform=name),
        "refused": _("{platform} refused to share the comments.", platform=name),
        "unreadable": _("The saved credentials cannot be read (the secret key changed?): enter them again."),
        "broken": _("Jasette could not understand what {platform} sent.", platform=name),
    }
    text = words.get(trial.outcome, words["broken"])
    return f"{text} ({i18n.said(trial.detail)})" if trial.detail else text


async def test_account(request: Request) -> Response:
    """POST /settings/accounts/{account}/test: one first-poll page, nothing stored; the result in words."""
    member, found = await _owned(request)
    async with request.app.state.pool.acquire() as db:
        row = await accounts.load_for_worker(db, found["id"])
    if row is None:
        raise HTTPException(404, _("No such connection."))
    async with netguard.client_session(request.app.state.settings.policy) as session:
        trial = await probe.try_account(row, request.app.state.vault, session)
    result = {"account": found["id"], "ok": trial.outcome == "ok", "message": trial_words(trial, found["platform"])}
    return await _page(request, member, trial=result)


async def set_paused(request: Request) -> Response:
    """POST /settings/accounts/{account}/pause or /resume: stop or restart polling it."""
    member, found = await _owned(request)
    async with request.app.state.pool.acquire() as db:
        await accounts.set_enabled(db, brand_id=member.brand_id, account_id=found["id"],
                                   enabled=request.url.path.endswith("/resume"))
    return RedirectResponse(f"/settings#account-{found['id']}", status_code=303)


async def set_interval(request: Request) -> Response:
    """POST /settings/accounts/{account}/interval: how often it is polled (seconds, the command
    line's bounds); a value out of bounds or not a number shows the page again, status 400."""
    member, found = await _owned(request)
    form = await web_input.form(request)
    try:
        seconds = poll_interval.checked(str(form.get("seconds", "")), found["poll_interval_seconds"])
    except poll_interval.Refused as exc:
        return await _page(request, member, error=str(exc), status_code=400)
    async with request.app.state.pool.acquire() as db:
        if not await accounts.set_poll_interval(db, brand_id=member.brand_id, account_id=found["id"], seconds=seconds):
            raise HTTPException(404, _("No such connection."))
    return RedirectResponse(f"/settings?interval={found['id']}#account-{found['id']}", status_code=303)


async def remove_account(request: Request) -> Response:
    """GET: what removing does, and a confirm button; POST: remove it (its items stay)."""
    member, found = await _owned(request)
    if request.method == "GET":
        async with request.app.state.pool.acquire() as db:
            count = await accounts.item_count(db, brand_id=member.brand_id, account_id=found["id"])
        return await render(request, "remove_connection.html", {"account": found, "items": count}, member=member)
    async with request.app.state.pool.acquire() as db:
        await accounts.remove_account(db, brand_id=member.brand_id, account_id=found["id"])
    return RedirectResponse("/settings", status_code=303)


routes = [
    Route("/settings/accounts/{account}/test", test_account, methods=["POST"]),
    Route("/settings/accounts/{account}/pause", set_paused, methods=["POST"]),
    Route("/settings/accounts/{account}/resume", set_paused, methods=["POST"]),
    Route("/settings/accounts/{account}/interval", set_interval, methods=["POST"]),
    Route("/settings/accounts/{account}/remove", remove_account, methods=["GET", "POST"]),
]
