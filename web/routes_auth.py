"""Log in, log out, switch brand, switch language."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import users
from web import auth, i18n, passwords
from web import input as web_input
from web.pages import render


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
    return await render(request, "login.html", {"error": None, "email": ""})


async def login(request: Request) -> Response:
    """Check e-mail and password, with throttling; start a session."""
    form = await web_input.form(request)
    email = str(form.get("email", "")).strip()[:320]
    password = str(form.get("password", ""))[:1024]
    ip = _client_ip(request)
    pool = request.app.state.pool
    async with pool.acquire() as db:
        allowed = await users.claim_login_attempt(db, email, ip)
    if not allowed:
        return await render(request, "login.html", {
            "error": i18n.gettext("Too many failed attempts. Wait 15 minutes and try again."), "email": email,
        }, status_code=429)
    async with pool.acquire() as db:
        user = await users.user_by_email(db, email) if email else None
    ok = await passwords.verify_async(user["password_hash"] if user else None, password)
    if not ok or user is None:
        return await render(request, "login.html", {
            "error": i18n.gettext("Wrong e-mail or password."), "email": email}, status_code=401)
    async with pool.acquire() as db:
        await users.clear_login_failures(db, email)
    if not await auth.log_in(request, user["id"], user["ui_lang"]):
        return await render(request, "login.html", {
            "error": i18n.gettext("Your account has no brand yet. Ask the owner to add you."), "email": email,
        }, status_code=403)
    return RedirectResponse(_local_path(str(form.get("next", "/"))), status_code=303)


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
    return RedirectResponse("/", status_code=303)


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
    Route("/logout", logout, methods=["POST"]),
    Route("/brand", switch_brand, methods=["POST"]),
    Route("/lang", switch_lang, methods=["POST"]),
]
