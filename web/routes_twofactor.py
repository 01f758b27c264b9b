"""Two-step login on "My account": enrol with an authenticator app (QR code or key to type),
confirm with a code, get ten recovery codes once; turning it off asks for the password (and is
refused while a brand of the user requires it). At log-in, a user whose brand requires it and
who has none sets it up before any session opens (`/login/two-step-setup`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import twofactor, users
from web import i18n, totp
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render
from web.routes_account import page as account_page
from web.routes_account import password_refused
from web.routes_auth import CODE_KEY, finish, pending

_ = i18n.gettext


async def _enrol_page(request: Request, member: Member | None, secret: str, *, email: str = "", error: str | None = None,
                      status_code: int = 200, required_by: list[str] | None = None) -> Response:
    return await render(request, "two_step.html", {
        "qr": totp.qr_svg(secret, member.email if member else email), "key": totp.grouped(secret), "error": error,
        "codes": None, "required_by": ", ".join(required_by or []),
        "confirm_action": "/settings/account/two-step/confirm" if member else "/login/two-step-setup",
    }, member=member, status_code=status_code)


async def start(request: Request) -> Response:
    """POST /settings/account/two-step/start: a new secret to scan, kept pending until confirmed."""
    member = await require_member(request)
    secret = totp.new_secret()
    async with request.app.state.pool.acquire() as db:
        await twofactor.set_pending(db, member.user_id, request.app.state.vault.seal({"totp": secret}))
    return await _enrol_page(request, member, secret)


async def confirm(request: Request) -> Response:
    """POST /settings/account/two-step/confirm: the app's code proves the scan; show the recovery codes once."""
    member = await require_member(request)
    form = await web_input.form(request)
    vault = request.app.state.vault
    ip = request.client.host if request.client else "?"
    async with request.app.state.pool.acquire() as db:
        sealed = await twofactor.pending(db, member.user_id)
        if sealed is None:
            return RedirectResponse("/settings/account", status_code=303)
        secret = vault.open(sealed)["totp"]
        if not await users.claim_login_attempt(db, CODE_KEY.format(member.user_id), ip):
            return await _enrol_page(request, member, secret, status_code=429,
                                     error=_("Too many wrong codes. Wait 15 minutes and try again."))
        step = totp.matching_step(secret, str(form.get("code", ""))[:64])
        if step is None:
            return await _enrol_page(request, member, secret, status_code=400,
                                     error=_("This code is not right. Check the phone's clock and type the code shown now."))
        codes = totp.recovery_codes()
        await twofactor.enable(db, member.user_id, vault.seal({"totp": secret}), step, codes)
        await users.clear_login_failures(db, CODE_KEY.format(member.user_id))
    return await render(request, "two_step.html", {"codes": codes, "qr": None, "key": None, "error": None,
                                                   "done_href": "/settings/account"}, member=member)


async def _password_refused(request: Request, member: Member) -> Response | None:
    """None when the form's password is the member's, else the account page saying why not."""
    form = await web_input.form(request)
    return await password_refused(request, member, str(form.get("password", "")))


async def new_codes(request: Request) -> Response:
    """POST /settings/account/two-step/codes: ten fresh recovery codes (the old ones stop working); asks the password."""
    member = await require_member(request)
    refused = await _password_refused(request, member)
    if refused is not None:
        return refused
    codes = totp.recovery_codes()
    async with request.app.state.pool.acquire() as db:
        if not await twofactor.replace_recovery_codes(db, member.user_id, codes):
            return RedirectResponse("/settings/account", status_code=303)
    return await render(request, "two_step.html", {"codes": codes, "qr": None, "key": None, "error": None,
                                                   "done_href": "/settings/account", "renewed": True}, member=member)


async def disable(request: Request) -> Response:
    """POST /settings/account/two-step/disable: with the password (throttled like log-in)."""
    member = await require_member(request)
    refused = await _password_refused(request, member)
    if refused is not None:
        return refused
    pool = request.app.state.pool
    async with pool.acquire() as db:
        requiring = await twofactor.brands_requiring(db, member.user_id)
    if requiring:
        return await account_page(request, member, status_code=409, error=_(
            "{brands} requires two-step login: it cannot be turned off.", brands=", ".join(requiring)))
    async with pool.acquire() as db:
        await twofactor.disable(db, member.user_id)
    return RedirectResponse("/settings/account?done=two-step-off", status_code=303)


async def setup_page(request: Request) -> Response:
    """GET /login/two-step-setup: a brand requires it, so the password step leads here (no session yet)."""
    first = pending(request, "pending_enrol")
    if first is None:
        return RedirectResponse("/login", status_code=303)
    secret = totp.new_secret()
    async with request.app.state.pool.acquire() as db:
        await twofactor.set_pending(db, first["user"], request.app.state.vault.seal({"totp": secret}))
        email = (await users.user_email(db, first["user"])) or ""
        requiring = await twofactor.brands_requiring(db, first["user"])
    return await _enrol_page(request, None, secret, email=email, required_by=requiring)


async def setup(request: Request) -> Response:
    """POST /login/two-step-setup: the code confirms the app; the session opens and the recovery codes show once."""
    first = pending(request, "pending_enrol")
    if first is None:
        return RedirectResponse("/login", status_code=303)
    user_id = first["user"]
    form = await web_input.form(request)
    vault = request.app.state.vault
    ip = request.client.host if request.client else "?"
    async with request.app.state.pool.acquire() as db:
        sealed = await twofactor.pending(db, user_id)
        email = (await users.user_email(db, user_id)) or ""
        requiring = await twofactor.brands_requiring(db, user_id)
        if sealed is None:
            return RedirectResponse("/login/two-step-setup", status_code=303)
        secret = vault.open(sealed)["totp"]
        if not await users.claim_login_attempt(db, CODE_KEY.format(user_id), ip):
            return await _enrol_page(request, None, secret, email=email, required_by=requiring, status_code=429,
                                     error=_("Too many wrong codes. Wait 15 minutes and try again."))
        step = totp.matching_step(secret, str(form.get("code", ""))[:64])
        if step is None:
            return await _enrol_page(request, None, secret, email=email, required_by=requiring, status_code=400,
                                     error=_("This code is not right. Check the phone's clock and type the code shown now."))
        codes = totp.recovery_codes()
        await twofactor.enable(db, user_id, vault.seal({"totp": secret}), step, codes)
        await users.clear_login_failures(db, CODE_KEY.format(user_id))
    target = str(first.get("next") or "/")
    opened = await finish(request, user_id, str(first.get("lang", "fr")), target, email,
                          brand_id=first.get("brand") if isinstance(first.get("brand"), int) else None)
    if opened.status_code != 303:
        return opened  # no brand left: the log-in page says so
    member = await require_member(request)
    return await render(request, "two_step.html", {"codes": codes, "qr": None, "key": None, "error": None,
                                                   "done_href": target}, member=member)


routes = [
    Route("/settings/account/two-step/start", start, methods=["POST"]),
    Route("/settings/account/two-step/confirm", confirm, methods=["POST"]),
    Route("/settings/account/two-step/disable", disable, methods=["POST"]),
    Route("/settings/account/two-step/codes", new_codes, methods=["POST"]),
    Route("/login/two-step-setup", setup_page, methods=["GET"]),
    Route("/login/two-step-setup", setup, methods=["POST"]),
]
