"""Log in (with the second step when the user turned it on), log out, switch brand, switch language."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import twofactor, users
from inbox.db import Conn
from web import auth, i18n, passwords, totp
from web import input as web_input
from web.pages import render

_ = i18n.gettext
# The password step is remembered this long while the user fetches their phone.
CODE_STEP_SECONDS = 300
# Setting up two-step log-in (scanning, typing the code) takes longer.
ENROL_SECONDS = 900
# Second-step failures are counted per user in the log-in throttle under this prefix.
CODE_KEY = "2fa:{}"
# The wall clock of the code step's deadline (tests move it; the session cookie keeps its own).
clock = time.time


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def _local_path(target: str | None) -> str:
    """Only a path on this site (no //evil.example open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def login_page(request: Request) -> Response:
    """The log-in form (the first-run setup page while nobody exists)."""
    async with request.app.state.pool.acquire() as db:
        if not await users.has_users(db):
            return RedirectResponse("/setup", status_code=303)
    done = _("Your password is changed. Log in with it.") if request.query_params.get("done") == "reset" else None
    return await render(request, "login.html", {"error": None, "email": "", "done": done,
                                                "next": _local_path(request.query_params.get("next"))})


async def login(request: Request) -> Response:
    """Check e-mail and password, with throttling; start a session."""
    form = await web_input.form(request)
    email = str(form.get("email", "")).strip()[:320]
    password = str(form.get("password", ""))[:1024]
    target = _local_path(str(form.get("next", "/")))
    ip = _client_ip(request)
    pool = request.app.state.pool
    async with pool.acquire() as db:
        allowed = await users.claim_login_attempt(db, email, ip)
    if not allowed:
        return await render(request, "login.html", {
            "error": i18n.gettext("Too many failed attempts. Wait 15 minutes and try again."), "email": email,
            "next": target}, status_code=429)
    async with pool.acquire() as db:
        user = await users.user_by_email(db, email) if email else None
    ok = await passwords.verify_async(user["password_hash"] if user else None, password)
    if not ok or user is None:
        return await render(request, "login.html", {
            "error": i18n.gettext("Wrong e-mail or password."), "email": email, "next": target}, status_code=401)
    async with pool.acquire() as db:
        await users.clear_login_failures(db, email)
        second_step = await twofactor.secret(db, user["id"]) is not None
        must_enrol = not second_step and bool(await twofactor.brands_requiring(db, user["id"]))
    if must_enrol:
        return begin_enrolment(request, user["id"], user["ui_lang"], target)
    if second_step:
        # The password was right; the session opens only after the code. Until then the signed
        # cookie remembers who passed the first step, for a few minutes.
        lang = request.session.get("lang")
        request.session.clear()
        request.session.update(pending_2fa={"user": user["id"], "until": clock() + CODE_STEP_SECONDS, "next": target,
                                            "lang": user["ui_lang"]}, **({"lang": lang} if lang else {}))
        return RedirectResponse("/login/code", status_code=303)
    return await finish(request, user["id"], user["ui_lang"], target, email)


def begin_enrolment(request: Request, user_id: int, ui_lang: str, target: str, brand_id: int | None = None) -> Response:
    """A brand of the user requires two-step log-in they have not set up: no session until they do."""
    lang = request.session.get("lang")
    request.session.clear()
    request.session.update(pending_enrol={"user": user_id, "until": clock() + ENROL_SECONDS, "next": target,
                                          "lang": ui_lang, "brand": brand_id}, **({"lang": lang} if lang else {}))
    return RedirectResponse("/login/two-step-setup", status_code=303)


async def finish(request: Request, user_id: int, ui_lang: str, target: str, email: str = "",
                 brand_id: int | None = None) -> Response:
    """Open the session (on `brand_id` when given) and go to `target`."""
    if not await auth.log_in(request, user_id, ui_lang, brand_id=brand_id):
        return await render(request, "login.html", {
            "error": i18n.gettext("Your account has no brand yet. Ask the owner to add you."), "email": email,
            "next": "/"}, status_code=403)
    return RedirectResponse(target, status_code=303)


def pending(request: Request, key: str = "pending_2fa") -> dict | None:
    """The first log-in step the signed cookie remembers (`pending_2fa` or `pending_enrol`), while it lasts."""
    found = request.session.get(key)
    if not isinstance(found, dict) or not isinstance(found.get("user"), int) or float(found.get("until", 0)) < clock():
        return None
    return found


async def code_page(request: Request) -> Response:
    """GET /login/code: the second step (a code from the app or a recovery code)."""
    if pending(request) is None:
        return RedirectResponse("/login", status_code=303)
    return await render(request, "login_code.html", {"error": None})


async def check_code(request: Request) -> Response:
    """POST /login/code: a code of the app (each works once) or a recovery code; throttled per user."""
    first = pending(request)
    if first is None:
        return await render(request, "login.html", {
            "error": _("The code was not entered in time. Log in again."), "email": "", "next": "/"}, status_code=401)
    form = await web_input.form(request)
    code = str(form.get("code", ""))[:64]
    user_id = first["user"]
    pool = request.app.state.pool
    async with pool.acquire() as db:
        allowed = await users.claim_login_attempt(db, CODE_KEY.format(user_id), _client_ip(request))
        if not allowed:
            return await render(request, "login_code.html", {
                "error": _("Too many wrong codes. Wait 15 minutes and try again.")}, status_code=429)
        ok = await code_ok(request, db, user_id, code)
        if ok:
            await users.clear_login_failures(db, CODE_KEY.format(user_id))
    if not ok:
        return await render(request, "login_code.html", {"error": _("This code is not right, or was already used.")},
                            status_code=401)
    return await finish(request, user_id, str(first.get("lang", "fr")), _local_path(first.get("next")), "")


async def code_ok(request: Request, db: Conn, user_id: int, code: str) -> bool:
    """True for a current code of the user's app not used before, or an unused recovery code (spent now)."""
    if totp.looks_like_totp(code):
        sealed = await twofactor.secret(db, user_id)
        if sealed is None:
            return False
        step = totp.matching_step(request.app.state.vault.open(sealed)["totp"], code)
        return step is not None and await twofactor.claim_step(db, user_id, step)
    return await twofactor.use_recovery_code(db, user_id, code)


async def logout(request: Request) -> Response:
    """End the session."""
    await auth.log_out(request)
    return RedirectResponse("/login", status_code=303)


async def switch_brand(request: Request) -> Response:
    """Make another of the user's brands the current one (403 if not a member)."""
    member = await auth.require_member(request)
    form = await web_input.form(request)
    brand_id = web_input.parse_id(form.get("brand_id"))
    if brand_id is None:
        raise HTTPException(400, i18n.gettext("Unknown brand."))
    async with request.app.state.pool.acquire() as db:
        target = await users.member(db, member.user_id, brand_id)
    if target is None:
        raise HTTPException(403, i18n.gettext("You do not work on this brand."))
    request.session["brand_id"] = brand_id
    # The team page switches brand and stays on the team page (an agency manages each in turn).
    return RedirectResponse(_local_path(str(form.get("next", "/"))), status_code=303)


async def switch_lang(request: Request) -> Response:
    """Change the interface language, for this session and (when logged in) for the user."""
    form = await web_input.form(request)
    lang = i18n.pick(str(form.get("lang", "")))
    request.session["lang"] = lang
    member = await auth.member_of(request)
    if member is not None:
        async with request.app.state.pool.acquire() as db:
            await users.set_ui_lang(db, member.user_id, lang)
    return RedirectResponse(_local_path(str(form.get("next", "/"))), status_code=303)


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/login/code", code_page, methods=["GET"]),
    Route("/login/code", check_code, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/brand", switch_brand, methods=["POST"]),
    Route("/lang", switch_lang, methods=["POST"]),
]
