"""Forgotten password: a single-use link by e-mail (one hour), then a new password that ends
every session. The page answers the same whether or not the address has an account."""

from __future__ import annotations

from typing import Any

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import password_resets, users
from web import i18n, passwords, team_mail
from web import input as web_input
from web.pages import render

_ = i18n.gettext
# Requests per address (and per client, shared with log-in) in the log-in throttle's window.
RESET_KEY = "reset:{}"


async def forgot_page(request: Request) -> Response:
    """GET /login/forgot: ask for the e-mail address."""
    return await render(request, "forgot.html", {"sent_to": None, "email": ""})


async def forgot(request: Request) -> Response:
    """POST /login/forgot: e-mail a link when the address has an account; the same page either way."""
    form = await web_input.form(request)
    email = str(form.get("email", "")).strip()[:320]
    ip = request.client.host if request.client else "?"
    task = None
    if email:
        async with request.app.state.pool.acquire() as db:
            # Counted whether or not the address exists, so the throttle says nothing either.
            allowed = await users.claim_login_attempt(db, RESET_KEY.format(email.lower()), ip)
            user = await users.user_by_email(db, email) if allowed else None
            token = await password_resets.create(db, user["id"]) if user is not None else None
        if user is not None and token is not None:
            link = f"{request.app.state.settings.base_url}/reset/{token}"
            # Sent after the answer: how long the SMTP server takes must not tell who has an account.
            task = BackgroundTask(team_mail.send_reset, request.app.state.settings.smtp, to=user["email"],
                                  lang=user["ui_lang"], link=link, minutes=password_resets.RESET_MINUTES)
    response = await render(request, "forgot.html", {"sent_to": email or None, "email": email,
                                                     "minutes": password_resets.RESET_MINUTES})
    response.background = task
    return response


async def _state(request: Request) -> tuple[Any, str | None, int]:
    token = request.path_params["token"]
    async with request.app.state.pool.acquire() as db:
        found = await password_resets.find(db, token) if len(token) <= 100 else None
    if found is None:
        return None, _("This link is not valid. Check that it was copied whole, or ask for a new one."), 404
    if found["used_at"] is not None:
        return None, _("This link was already used. Ask for a new one if you need to."), 410
    if found["expired"]:
        return None, _("This link has expired (it lasts one hour). Ask for a new one."), 410
    return found, None, 200


async def reset_page(request: Request) -> Response:
    """GET /reset/{token}: the new-password form, or why the link no longer works."""
    found, problem, status = await _state(request)
    return await render(request, "reset.html", {"found": found, "error": problem}, status_code=status)


async def reset(request: Request) -> Response:
    """POST /reset/{token}: the new password (policy applies); every session of the user ends."""
    found, problem, status = await _state(request)
    if found is None:
        return await render(request, "reset.html", {"found": None, "error": problem}, status_code=status)
    form = await web_input.form(request)
    new = str(form.get("new", ""))[:2048]
    error = passwords.problem(new, email=found["email"], name=found["name"])
    if error is None and new != str(form.get("confirm", "")):
        error = "The two new passwords differ."
    if error is not None:
        return await render(request, "reset.html", {"found": found, "error": _(error)}, status_code=400)
    pw_hash = await passwords.hash_async(new)
    async with request.app.state.pool.acquire() as db:
        if await password_resets.use(db, request.path_params["token"], pw_hash) is None:
            return await render(request, "reset.html", {
                "found": None, "error": _("This link was already used. Ask for a new one if you need to.")}, status_code=410)
        await users.clear_login_failures(db, found["email"])
    request.session.pop("sid", None)
    return RedirectResponse("/login?done=reset", status_code=303)


routes = [
    Route("/login/forgot", forgot_page, methods=["GET"]),
    Route("/login/forgot", forgot, methods=["POST"]),
    Route("/reset/{token}", reset_page, methods=["GET"]),
    Route("/reset/{token}", reset, methods=["POST"]),
]
