"""Settings → Team: the brand's members and invitations; owners invite, change roles, remove.

An agency owner manages each brand's team in turn: the page is always the session's brand,
and the brand switcher in the header changes which one.
"""

from __future__ import annotations

from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import invitations, team, twofactor, users
from web import i18n, team_mail
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render
from web.routes_setup import EMAIL

_ = i18n.gettext
DONE = {"role": "The role is changed.", "removed": "The member is removed: their open pages on this brand are closed.",
        "cancelled": "The invitation is cancelled: its link no longer works.",
        "two-step-on": "Two-step login is now required: members without it set it up at their next log-in.",
        "two-step-off": "Two-step login is no longer required on this brand."}


def invitation_link(request: Request, token: str) -> str:
    """The address the invitee opens (JASETTE_BASE_URL, so it works from outside the server)."""
    return f"{request.app.state.settings.base_url}/invite/{token}"


async def _page(request: Request, member: Member, *, error: str | None = None, sent: dict[str, Any] | None = None,
                typed: dict[str, str] | None = None, status_code: int = 200) -> Response:
    async with request.app.state.pool.acquire() as db:
        members = await users.members_of(db, member.brand_id)
        pending = await invitations.pending(db, member.brand_id) if member.role == "owner" else []
        with_two_step = await twofactor.members_with_it(db, member.brand_id)
        required = await twofactor.brand_requires(db, member.brand_id)
    done = DONE.get(request.query_params.get("done", ""))
    return await render(request, "team.html", {
        "members": members, "pending": pending, "error": error, "sent": sent, "done": _(done) if done else None,
        "typed": typed or {"email": "", "role": "agent", "lang": member.ui_lang}, "days": invitations.INVITE_DAYS,
        "owners": sum(1 for m in members if m["role"] == "owner"), "with_two_step": with_two_step,
        "two_step_required": required,
    }, member=member, status_code=status_code)


async def team_page(request: Request) -> Response:
    """GET /settings/team: everyone on the brand; owners also see and manage invitations."""
    return await _page(request, await require_member(request))


async def _send(request: Request, member: Member, *, invitation_id: int, email: str, role: str, lang: str,
                token: str) -> dict[str, Any]:
    """E-mail the link; what the page shows the owner (the link to copy, and whether it was sent)."""
    link = invitation_link(request, token)
    problem = await team_mail.send_invitation(
        request.app.state.settings.smtp, to=email, lang=lang, link=link, brand=member.brand_name,
        inviter=member.name or member.email, role=role, days=invitations.INVITE_DAYS)
    return {"id": invitation_id, "email": email, "link": link, "problem": _(problem) if problem else None}


async def invite(request: Request) -> Response:
    """POST /settings/team/invitations: invite an e-mail address with a role; owners only."""
    member = await require_member(request, role="owner")
    form = await web_input.form(request)
    email = str(form.get("email", "")).strip()[:320]
    role, lang = str(form.get("role", "")), i18n.pick(str(form.get("lang", "")))
    typed = {"email": email, "role": role, "lang": lang}
    if not EMAIL.match(email):
        return await _page(request, member, error=_("Enter a valid e-mail address."), typed=typed, status_code=400)
    if role not in users.ROLES:
        return await _page(request, member, error=_("Choose a role: owner or agent."), typed=typed, status_code=400)
    async with request.app.state.pool.acquire() as db:
        existing = await users.user_by_email(db, email)
        if existing is not None and await users.member(db, existing["id"], member.brand_id) is not None:
            return await _page(request, member, error=_("{email} is already on this brand's team.", email=email),
                               typed=typed, status_code=400)
        if existing is not None:
            lang = existing["ui_lang"]  # someone with an account reads Jasette in their own language
        invitation_id, token = await invitations.invite(db, brand_id=member.brand_id, email=email, role=role,
                                                       lang=lang, invited_by=member.user_id)
    sent = await _send(request, member, invitation_id=invitation_id, email=email, role=role, lang=lang, token=token)
    return await _page(request, member, sent=sent)


def _id(request: Request, key: str) -> int:
    found = web_input.parse_id(request.path_params[key])
    if found is None:
        raise HTTPException(404, _("Not found."))
    return found


async def resend(request: Request) -> Response:
    """POST /settings/team/invitations/{invitation}/resend: a new link (the old one stops), e-mailed again."""
    member = await require_member(request, role="owner")
    async with request.app.state.pool.acquire() as db:
        renewed = await invitations.renew(db, member.brand_id, _id(request, "invitation"))
    if renewed is None:
        raise HTTPException(404, _("No such invitation."))
    row, token = renewed
    sent = await _send(request, member, invitation_id=row["id"], email=row["email"], role=row["role"], lang=row["lang"],
                       token=token)
    return await _page(request, member, sent=sent)


async def cancel(request: Request) -> Response:
    """POST /settings/team/invitations/{invitation}/cancel."""
    member = await require_member(request, role="owner")
    async with request.app.state.pool.acquire() as db:
        if not await invitations.cancel(db, member.brand_id, _id(request, "invitation")):
            raise HTTPException(404, _("No such invitation."))
    return RedirectResponse("/settings/team?done=cancelled", status_code=303)


def _last_owner(member: Member, user_id: int) -> str:
    if user_id == member.user_id:
        return _("You are the only owner of {brand}: make someone else owner first.", brand=member.brand_name)
    return _("{brand} needs at least one owner.", brand=member.brand_name)


async def change_role(request: Request) -> Response:
    """POST /settings/team/members/{user}/role: owner or agent; never the brand's last owner."""
    member = await require_member(request, role="owner")
    user_id = _id(request, "user")
    role = str((await web_input.form(request)).get("role", ""))
    if role not in users.ROLES:
        return await _page(request, member, error=_("Choose a role: owner or agent."), status_code=400)
    async with request.app.state.pool.acquire() as db:
        try:
            changed = await team.change_role(db, member.brand_id, user_id, role)
        except team.LastOwner:
            return await _page(request, member, error=_last_owner(member, user_id), status_code=409)
    if not changed:
        raise HTTPException(404, _("No such member."))
    return RedirectResponse("/settings/team?done=role", status_code=303)


async def remove(request: Request) -> Response:
    """POST /settings/team/members/{user}/remove: their open pages on the brand close at once."""
    member = await require_member(request, role="owner")
    user_id = _id(request, "user")
    async with request.app.state.pool.acquire() as db:
        try:
            removed = await team.remove(db, member.brand_id, user_id)
        except team.LastOwner:
            return await _page(request, member, error=_last_owner(member, user_id), status_code=409)
    if not removed:
        raise HTTPException(404, _("No such member."))
    if user_id != member.user_id:
        return RedirectResponse("/settings/team?done=removed", status_code=303)
    # An owner leaving while another stays: this session moves to another of their brands, if any.
    async with request.app.state.pool.acquire() as db:
        left = await users.brands_of(db, member.user_id)
    if left:
        request.session["brand_id"] = left[0]["id"]
    return RedirectResponse("/" if left else "/login", status_code=303)


async def require_two_step(request: Request) -> Response:
    """POST /settings/team/two-step: require two-step login on the brand (or stop); owners only.
    Members without it lose their sessions and set it up at their next log-in."""
    member = await require_member(request, role="owner")
    on = (await web_input.form(request)).get("require") == "on"
    async with request.app.state.pool.acquire() as db:
        if on and await twofactor.secret(db, member.user_id) is None:
            return await _page(request, member, status_code=409, error=_(
                "Turn on two-step login for yourself first (My account), then require it of the team."))
        await twofactor.require(db, member.brand_id, on)
    return RedirectResponse(f"/settings/team?done=two-step-{'on' if on else 'off'}", status_code=303)


routes = [
    Route("/settings/team", team_page, methods=["GET"]),
    Route("/settings/team/invitations", invite, methods=["POST"]),
    Route("/settings/team/invitations/{invitation}/resend", resend, methods=["POST"]),
    Route("/settings/team/invitations/{invitation}/cancel", cancel, methods=["POST"]),
    Route("/settings/team/members/{user}/role", change_role, methods=["POST"]),
    Route("/settings/team/members/{user}/remove", remove, methods=["POST"]),
    Route("/settings/team/two-step", require_two_step, methods=["POST"]),
]
