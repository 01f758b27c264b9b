"""Accepting an invitation: a new person chooses a name and password; someone who already has
an account logs in and joins the brand. The link works once and expires."""

from __future__ import annotations

from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import invitations, sessions, twofactor, users
from web import auth, i18n, passwords
from web import input as web_input
from web.pages import render
from web.routes_auth import begin_enrolment
from web.routes_setup import check_person

_ = i18n.gettext


async def _state(request: Request) -> tuple[Any, str | None, int]:
    """The invitation behind the link, and why it cannot be used (with the status), if so."""
    token = request.path_params["token"]
    async with request.app.state.pool.acquire() as db:
        found = await invitations.find(db, token) if len(token) <= 100 else None
    if found is None:
        return None, _("This invitation link is not valid. Check that it was copied whole, or ask for a new one."), 404
    if found["accepted_at"] is not None:
        return found, _("This invitation was already used. Log in with your e-mail and password."), 410
    if found["expired"]:
        return found, _("This invitation has expired. Ask {name} to send you a new one.",
                        name=found["invited_by_name"] or _("the owner")), 410
    return found, None, 200


async def _page(request: Request, found: Any, *, error: str | None = None, name: str = "",
                status_code: int = 200) -> Response:
    account = None
    me = await auth.member_of(request)
    if found is not None:
        async with request.app.state.pool.acquire() as db:
            account = await users.user_by_email(db, found["email"])
    return await render(request, "invite.html", {
        "invitation": found, "error": error, "name": name, "has_account": account is not None,
        "signed_in_as_invitee": me is not None and account is not None and me.user_id == account["id"],
        "signed_in_as_other": me is not None and (account is None or me.user_id != account["id"]),
        "next": request.url.path,
    }, status_code=status_code)


async def invitation_page(request: Request) -> Response:
    """GET /invite/{token}: the form, or a clear word on a used, expired or unknown link."""
    found, problem, status = await _state(request)
    if found is not None and "lang" not in request.session:
        # Someone opening the link for the first time reads the page in the e-mail's language.
        request.session["lang"] = found["lang"]
        i18n.current_lang.set(found["lang"])
    return await _page(request, found if problem is None else None, error=problem, status_code=status)


async def accept(request: Request) -> Response:
    """POST /invite/{token}: join the brand (logged in as the invitee) or create the account and log in."""
    found, problem, status = await _state(request)
    if problem is not None:
        return await _page(request, None, error=problem, status_code=status)
    token = request.path_params["token"]
    pool = request.app.state.pool
    async with pool.acquire() as db:
        account = await users.user_by_email(db, found["email"])
    if account is not None:
        me = await auth.member_of(request)
        if me is None or me.user_id != account["id"]:
            return await _page(request, found, status_code=403,
                               error=_("You already have an account: log in as {email} to join.", email=found["email"]))
        async with pool.acquire() as db:
            joined = await invitations.accept(db, token, me.user_id)
        if joined is None:
            return await _page(request, None, error=_("This invitation was already used. Log in with your e-mail and password."),
                               status_code=410)
        async with pool.acquire() as db:
            must_enrol = await twofactor.brand_requires(db, joined["brand_id"]) and await twofactor.secret(db, me.user_id) is None
            if must_enrol:
                # The new brand requires two-step log-in: no session of theirs lasts without it.
                await sessions.end_user_sessions(db, me.user_id)
        if must_enrol:
            return begin_enrolment(request, me.user_id, me.ui_lang, "/", brand_id=joined["brand_id"])
        request.session["brand_id"] = joined["brand_id"]
        return RedirectResponse("/", status_code=303)
    form = await web_input.form(request)
    name = " ".join(str(form.get("name", "")).split())[:200]
    password = str(form.get("password", ""))
    error = check_person(found["email"], name, password)
    if error is None and password != str(form.get("confirm", "")):
        error = "The two passwords differ."
    if error is not None:
        return await _page(request, found, error=_(error), name=name, status_code=400)
    pw_hash = await passwords.hash_async(password)
    lang = i18n.current_lang.get()
    async with pool.acquire() as db:
        try:
            async with db.transaction():
                user_id = await users.insert_user(db, found["email"], name, pw_hash, lang)
                joined = await invitations.accept(db, token, user_id)
                if joined is None:
                    raise _Spent
        except (_Spent, asyncpg.UniqueViolationError):
            # Two tabs at once: the other one created the account or spent the link first.
            return await _page(request, None, error=_("This invitation was already used. Log in with your e-mail and password."),
                               status_code=410)
    async with pool.acquire() as db:
        if await twofactor.brand_requires(db, joined["brand_id"]):
            return begin_enrolment(request, user_id, lang, "/", brand_id=joined["brand_id"])
    await auth.log_in(request, user_id, lang, brand_id=joined["brand_id"])
    return RedirectResponse("/", status_code=303)


class _Spent(Exception):
    """The link was used between the check and the write."""


routes = [
    Route("/invite/{token}", invitation_page, methods=["GET"]),
    Route("/invite/{token}", accept, methods=["POST"]),
]
