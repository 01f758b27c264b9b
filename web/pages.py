"""Rendering templates with the request's language, member, brands and CSRF token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from inbox import accounts, users
from web import badges, csrf, i18n
from web.auth import Member
from web.routes_app import asset
from web.security import safe_url

# Autoescape on for every template, whatever its extension: platform text is never marked safe.
_env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")), autoescape=True)
templates = Jinja2Templates(env=_env)
templates.env.globals.update(_=i18n.gettext, said=i18n.said, local_time=i18n.local_time, safe_url=safe_url,
                             platform_name=i18n.platform_name, asset=asset,
                             initials=badges.initials, avatar_colour=badges.avatar_colour)


async def render(request: Request, name: str, context: dict[str, Any] | None = None, *,
                 member: Member | None = None, status_code: int = 200) -> Response:
    """A page: the template gets `member`, `brands`, `lang`, `csrf_token` besides `context`."""
    ctx: dict[str, Any] = dict(context or {})
    ctx.setdefault("member", member)
    brands: list[Any] = []
    waiting: list[Any] = []
    if member is not None:
        async with request.app.state.pool.acquire() as db:
            brands = [dict(b) for b in await users.brands_of(db, member.user_id)]
            # The live banner tells once; this notice stays on every page until it is fixed.
            waiting = await accounts.needing_reauth(db, member.brand_id)
    ctx.setdefault("brands", brands)
    ctx.setdefault("reauth_accounts", waiting)
    ctx.setdefault("lang", i18n.current_lang.get())
    ctx.setdefault("csrf_token", csrf.token(request.session))
    ctx.setdefault("js_messages", i18n.js_messages(ctx["lang"]))
    return templates.TemplateResponse(request, name, ctx, status_code=status_code)
