"""My account: the name colleagues see, the sound for urgent comments, changing the password (which ends other sessions), and
the user's own active sessions, each of which they can end."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import sessions, twofactor, users
from web import devices, i18n, passwords
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render

_ = i18n.gettext
DONE = {"name": "Your name is saved.", "password": "Your password is changed. Your other sessions are closed.",
        "session": "That session is closed.", "others": "Your other sessions are closed.",
        "two-step-off": "Two-step login is off.", "sound-on": "A sound will play when an urgent comment arrives.",
        "sound-off": "No sound for urgent comments."}


async def page(request: Request, member: Member, *, error: str | None = None, status_code: int = 200,
                extra: dict | None = None) -> Response:
    done = DONE.get(request.query_params.get("done", ""))
    async with request.app.state.pool.acquire() as db:
        mine = await sessions.list_sessions(db, member.user_id, request.session.get("sid"))
        two_step = await twofactor.secret(db, member.user_id) is not None
        codes_left = await twofactor.recovery_codes_left(db, member.user_id) if two_step else 0
        sound = await users.urgent_sound(db, member.user_id)
    return await render(request, "account.html", {
        "error": error, "done": _(done) if done else None,
        "sessions": [{**dict(row), "device": devices.describe(row["user_agent"])} for row in mine], "two_step": two_step,
        "codes_left": codes_left, "urgent_sound": sound, **(extra or {})}, member=member, status_code=status_code)


async def account_page(request: Request) -> Response:
    """The account page."""
    member = await require_member(request)
    return await page(request, member)


async def save_name(request: Request) -> Response:
    """Change the display name (1 to 100 characters)."""
    member = await require_member(request)
    form = await request.form()
    name = " ".join(str(form.get("name", "")).split())
    if not name or len(name) > 100:
        return await page(request, member, error=_("Enter a name (100 characters at most)."), status_code=400)
    async with request.app.state.pool.acquire() as db:
        await users.set_name(db, member.user_id, name)
    return RedirectResponse("/settings/account?done=name", status_code=303)


async def save_sound(request: Request) -> Response:
    """Turn the sound for urgent comments on or off (a checkbox: absent means off)."""
    member = await require_member(request)
    form = await request.form()
    on = form.get("urgent_sound") == "on"
    async with request.app.state.pool.acquire() as db:
        await users.set_urgent_sound(db, member.user_id, on)
    return RedirectResponse(f"/settings/account?done=sound-{'on' if on else 'off'}", status_code=303)


async def password_refused(request: Request, member: Member, typed: str) -> Response | None:
    """None when `typed` is the member's password (checked throttled like log-in), else the page saying why not."""
    pool = request.app.state.pool
    ip = request.client.host if request.client else "?"
    async with pool.acquire() as db:
        allowed = await users.claim_login_attempt(db, member.email, ip)
        pw_hash = await users.password_hash(db, member.user_id)
    if not allowed:
        return await page(request, member, status_code=429, error=_("Too many failed attempts. Wait 15 minutes and try again."))
    if not await passwords.verify_async(pw_hash, typed[:1024]):
        return await page(request, member, error=_("The current password is wrong."), status_code=400)
    async with pool.acquire() as db:
        await users.clear_login_failures(db, member.email)
    return None


async def change_password(request: Request) -> Response:
    """Check the current password (throttled like log-in), apply the policy, end the other sessions."""
    member = await require_member(request)
    form = await request.form()
    current, new = str(form.get("current", ""))[:1024], str(form.get("new", ""))[:2048]
    pool = request.app.state.pool
    refused = await password_refused(request, member, current)
    if refused is not None:
        return refused
    if new != str(form.get("confirm", "")):
        return await page(request, member, error=_("The two new passwords differ."), status_code=400)
    problem = passwords.problem(new, email=member.email, name=member.name)
    if problem is not None:
        return await page(request, member, error=_(problem), status_code=400)
    new_hash = await passwords.hash_async(new)
    async with pool.acquire() as db, db.transaction():
        await users.set_password(db, member.user_id, new_hash)
        # Everywhere else (another browser, a stolen cookie, open websockets) ends now.
        await sessions.end_user_sessions(db, member.user_id, keep=str(request.session.get("sid", "")))
    return RedirectResponse("/settings/account?done=password", status_code=303)


async def end_session(request: Request) -> Response:
    """POST /settings/account/sessions/{session}/end: close one of one's own sessions (its pages too)."""
    member = await require_member(request)
    num = web_input.parse_id(request.path_params["session"])
    async with request.app.state.pool.acquire() as db:
        if num is None or not await sessions.end_numbered(db, member.user_id, num):
            raise HTTPException(404, _("No such session."))
    return RedirectResponse("/settings/account?done=session", status_code=303)


async def end_other_sessions(request: Request) -> Response:
    """POST /settings/account/sessions/end-others: close every session but this one."""
    member = await require_member(request)
    async with request.app.state.pool.acquire() as db:
        await sessions.end_user_sessions(db, member.user_id, keep=str(request.session.get("sid", "")))
    return RedirectResponse("/settings/account?done=others", status_code=303)


routes = [
    Route("/settings/account", account_page, methods=["GET"]),
    Route("/settings/account/name", save_name, methods=["POST"]),
    Route("/settings/account/password", change_password, methods=["POST"]),
    Route("/settings/account/sound", save_sound, methods=["POST"]),
    Route("/settings/account/sessions/end-others", end_other_sessions, methods=["POST"]),
    Route("/settings/account/sessions/{session}/end", end_session, methods=["POST"]),
]
