"""Settings → Connexions → "Connecter …": an owner connects a platform account through its consent page.

`/settings/connect/{platform}` starts the flow (`?account=ID` reconnects that account), the
platform sends the owner back to `/settings/connect/{platform}/callback`, and when the grant
covers several Pages, channels, locations or organisations, `/settings/connect/{platform}/pick`
lets the owner choose. The state sent to the platform is random, stored hashed, bound to the
brand and the member who started it, single use and valid ten minutes (inbox/connections.py):
a forged, replayed, expired or someone else's callback connects nothing.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collector import registry
from collector.base import AuthFailed, CollectorError, RateLimited
from collector.clock import utcnow
from collector.oauth import Choice, OAuthApp, Provider, Tokens
from inbox import accounts, connections, netguard
from web import i18n
from web import input as web_input
from web.auth import require_member
from web.claims import claim_refused
from web.pages import render
from web.routes_settings import settings_notice

log = logging.getLogger(__name__)
_ = i18n.gettext

# What platforms say when the owner clicked "Cancel" or "Deny" (RFC 6749 4.1.2.1; LinkedIn's own words).
DECLINED = {"access_denied", "user_denied", "user_cancelled_authorize", "user_cancelled_login"}
# The whole exchange (code, long-lived token, listing) must fit in one page load.
EXCHANGE_TIMEOUT = 30.0


def _bounded(value: str, limit: int) -> str:
    """A parameter from the platform or the form: storable text, cut to `limit` characters."""
    return web_input.check_text(value)[:limit]


def _provider(platform: str) -> Provider:
    provider = registry.oauth_provider(platform) if platform in registry.oauth_platforms() else None
    if provider is None:
        raise HTTPException(404, _("This platform is not connected with a sign-in; add it with its address and token."))
    return provider


def redirect_uri(request: Request, platform: str) -> str:
    """The callback the platform sends the owner back to (registered by the administrator)."""
    return f"{request.app.state.settings.base_url}/settings/connect/{platform}/callback"


def _session(request: Request) -> aiohttp.ClientSession:
    # The same guard as the collectors: an emulator root on loopback needs JASETTE_ALLOWED_HOSTS.
    return netguard.client_session(request.app.state.settings.policy, timeout=aiohttp.ClientTimeout(total=20))


async def _problem(request: Request, member: Any, message: str, status_code: int = 400) -> Response:
    return await settings_notice(request, member, error=message, status_code=status_code)


async def start(request: Request) -> Response:
    """GET /settings/connect/{platform}: off to the platform's consent page; owners only."""
    member = await require_member(request, role="owner")
    platform = request.path_params["platform"]
    provider = _provider(platform)
    app: OAuthApp | None = request.app.state.settings.oauth.get(platform)
    name = i18n.platform_name(platform)
    if app is None:
        id_name, secret_name, _root = request.app.state.settings.oauth.env_names(platform)
        return await _problem(request, member, _(
            "{platform} is not set up on this server yet: the administrator must register an application with {platform} "
            "and set {id_name} and {secret_name} (see docs/platform-accounts.md).",
            platform=name, id_name=id_name, secret_name=secret_name), status_code=409)
    account_id = None
    if request.query_params.get("account"):
        account_id = web_input.parse_id(request.query_params["account"]) or -1
        async with request.app.state.pool.acquire() as db:
            found = await accounts.get_account(db, member.brand_id, account_id)
        if found is None or found["platform"] != provider.platform:
            raise HTTPException(404, _("No such connection."))
    flow = provider.start(app, redirect_uri(request, platform))
    async with request.app.state.pool.acquire() as db:
        await connections.start_flow(db, state=flow.state, brand_id=member.brand_id, user_id=member.user_id,
                                     platform=platform, account_id=account_id, verifier=flow.verifier, now=utcnow())
    return RedirectResponse(flow.url, status_code=303)


async def callback(request: Request) -> Response:
    """GET /settings/connect/{platform}/callback: the platform's answer, checked, then saved or picked."""
    member = await require_member(request, role="owner")
    platform = request.path_params["platform"]
    provider = _provider(platform)
    name = i18n.platform_name(platform)
    params = request.query_params
    state = _bounded(params.get("state", ""), 200) if params.get("state") else ""
    async with request.app.state.pool.acquire() as db:
        flow = await connections.take_flow(db, state=state, user_id=member.user_id, platform=platform, now=utcnow()) if state else None
    if flow is None or flow["brand_id"] != member.brand_id:
        return await _problem(request, member, _(
            "This connection link has expired, was already used or was started by someone else: start again from "
            "“Connect {platform}”.", platform=name))
    if params.get("error") or not params.get("code"):
        # access_denied when the owner clicked "Cancel" or "Deny"; the platform's description for the rest.
        if params.get("error") in DECLINED or params.get("error_reason") == "user_denied":
            return await _problem(request, member, _("You declined on {platform}: nothing was connected.", platform=name),
                                  status_code=200)
        said = _bounded(params.get("error_description") or params.get("error") or "", 300)
        return await _problem(request, member, _("{platform} did not allow the connection: {reason}", platform=name, reason=said))
    app: OAuthApp | None = request.app.state.settings.oauth.get(platform)
    if app is None:
        raise HTTPException(409, _("{platform} is not set up on this server.", platform=name))
    code = _bounded(params["code"], 2000)
    try:
        async with _session(request) as session:
            tokens, choices = await asyncio.wait_for(
                _grant(provider, session, app, code, redirect_uri(request, platform), flow["verifier"]), EXCHANGE_TIMEOUT)
    except MissingPermissions as exc:
        return await _problem(request, member, _(
            "{platform} did not grant every permission Jasette needs ({scopes}). Connect again and leave every box ticked.",
            platform=name, scopes=", ".join(exc.scopes)))
    except AuthFailed as exc:
        log.info("connect %s: refused: %s", platform, exc)
        return await _problem(request, member, _("{platform} refused the connection: {reason}", platform=name, reason=str(exc)[:300]))
    except (RateLimited, CollectorError, TimeoutError) as exc:
        log.info("connect %s: failed: %r", platform, exc)
        return await _problem(request, member, _("{platform} could not be reached to finish the connection; try again in a minute.",
                                                 platform=name), status_code=502)
    return await _after_grant(request, member, provider, app, flow["account_id"], tokens, choices)


class MissingPermissions(Exception):
    """The grant lacks scopes the connection needs."""

    def __init__(self, scopes: list[str]) -> None:
        super().__init__(", ".join(scopes))
        self.scopes = scopes


async def _grant(provider: Provider, session: aiohttp.ClientSession, app: OAuthApp, code: str, uri: str,
                 verifier: str | None) -> tuple[Tokens, list[Choice]]:
    tokens = await provider.exchange(session, app, code, uri, verifier)
    missing = provider.missing(tokens.scopes)
    if missing:
        raise MissingPermissions(missing)
    return tokens, await provider.discover(session, app, tokens)


def _credentials(provider: Provider, choice: Choice, tokens: Tokens) -> dict[str, Any]:
    # Meta gives each Page its own token; elsewhere the person's tokens serve every choice (with
    # what the choice adds, a mailbox's login name).
    creds = dict(choice.credentials) if choice.credentials.get("access_token") else tokens.as_credentials(choice.credentials)
    # Renewal goes to the application that granted them (two serve e-mail: Gmail, Microsoft 365).
    creds["oauth_provider"] = provider.connect_code
    return creds


async def _after_grant(request: Request, member: Any, provider: Provider, app: OAuthApp, account_id: int | None,
                       tokens: Tokens, choices: list[Choice]) -> Response:
    platform = provider.connect_code
    name = i18n.platform_name(platform)
    if account_id is not None:
        async with request.app.state.pool.acquire() as db:
            found = await accounts.get_account(db, member.brand_id, account_id)
        wanted = [c for c in choices if found is not None and c.external_id == found["external_id"]]
        if found is None or not wanted:
            label = (found or {}).get("name") or (found or {}).get("external_id") or ""
            return await _problem(request, member, _(
                "The {platform} account you signed in with does not manage “{account}”: sign in with the one that does.",
                platform=name, account=label))
        choices = wanted
    usable = [c for c in choices if c.problem is None]
    if not choices:
        return await _problem(request, member, _("Nothing to connect: this {platform} sign-in manages no account Jasette can read.",
                                                 platform=name))
    if len(choices) == 1 and usable:
        if refused := await _claimed(request, member, platform, usable):
            return await _problem(request, member, refused, status_code=409)
        saved = await _save(request, member, provider, app, usable, tokens)
        return RedirectResponse(f"/settings?connected={saved[0]}", status_code=303)
    pending = {"tokens": tokens.as_credentials(), "choices": [_choice_dict(c) for c in choices]}
    async with request.app.state.pool.acquire() as db:
        key = await connections.park_choices(db, request.app.state.vault, brand_id=member.brand_id, user_id=member.user_id,
                                             platform=platform, account_id=account_id, pending=pending, now=utcnow())
    return RedirectResponse(f"/settings/connect/{platform}/pick?key={key}", status_code=303)


def _choice_dict(choice: Choice) -> dict[str, Any]:
    return {"external_id": choice.external_id, "name": choice.name, "credentials": choice.credentials,
            "settings": choice.settings, "base_url": choice.base_url, "problem": choice.problem, "expires_at": choice.expires_at,
            "bound_settings": choice.bound_settings}


async def _claimed(request: Request, member: Any, platform: str, picked: list[Choice]) -> str | None:
    """Why one of the picked accounts cannot join this brand (another brand receives its pushes)."""
    async with request.app.state.pool.acquire() as db:
        for choice in picked:
            if refused := await claim_refused(db, brand_id=member.brand_id, platform=platform, external_id=choice.external_id):
                return refused
    return None


async def _save(request: Request, member: Any, provider: Provider, app: OAuthApp, picked: list[Choice], tokens: Tokens) -> list[int]:
    """Save each picked choice as an account, then subscribe it to webhooks where the platform pushes."""
    saved: list[int] = []
    async with request.app.state.pool.acquire() as db, db.transaction():
        for choice in picked:
            saved.append(await connections.save_connected(
                db, request.app.state.vault, brand_id=member.brand_id, platform=provider.platform,
                external_id=choice.external_id, name=choice.name, base_url=choice.base_url,
                credentials=_credentials(provider, choice, tokens), settings=choice.settings, bound=choice.bound_settings,
            ))
    try:
        async with _session(request) as session:
            for choice in picked:
                with_token = Choice(**{**_choice_dict(choice), "credentials": _credentials(provider, choice, tokens)})
                await asyncio.wait_for(provider.subscribe(session, app, with_token), EXCHANGE_TIMEOUT)
    except (CollectorError, TimeoutError) as exc:
        # Polling still collects everything; only the instant pushes wait for the next connect.
        log.warning("connect %s: webhook subscription failed: %r", provider.platform, exc)
    return saved


async def pick_page(request: Request) -> Response:
    """GET /settings/connect/{platform}/pick?key=…: which Pages, channels or locations to connect."""
    member = await require_member(request, role="owner")
    platform = request.path_params["platform"]
    _provider(platform)
    key = _bounded(request.query_params.get("key", ""), 100)
    async with request.app.state.pool.acquire() as db:
        grant = await connections.parked(db, request.app.state.vault, key=key, brand_id=member.brand_id,
                                         user_id=member.user_id, platform=platform, now=utcnow()) if key else None
    if grant is None:
        return await _problem(request, member, _("This choice has expired: start again from “Connect {platform}”.",
                                                 platform=i18n.platform_name(platform)))
    return await render(request, "connect_pick.html", {
        "platform": platform, "key": key, "choices": grant["choices"], "error": None,
    }, member=member)


async def pick(request: Request) -> Response:
    """POST /settings/connect/{platform}/pick: connect the ticked choices."""
    member = await require_member(request, role="owner")
    platform = request.path_params["platform"]
    provider = _provider(platform)
    form = await web_input.form(request)
    key = _bounded(str(form.get("key", "")), 100)
    wanted = {str(v) for v in form.getlist("choice")}
    app: OAuthApp | None = request.app.state.settings.oauth.get(platform)
    expired = _("This choice has expired: start again from “Connect {platform}”.", platform=i18n.platform_name(platform))
    async with request.app.state.pool.acquire() as db:
        grant = await connections.parked(db, request.app.state.vault, key=key, brand_id=member.brand_id,
                                         user_id=member.user_id, platform=platform, now=utcnow()) if key else None
    if grant is None or app is None:
        return await _problem(request, member, expired)
    choices = [Choice(**c) for c in grant["choices"]]
    picked = [c for c in choices if c.external_id in wanted and c.problem is None]
    if not picked:
        return await render(request, "connect_pick.html", {
            "platform": platform, "key": key, "choices": grant["choices"],
            "error": _("Tick at least one account you may manage."),
        }, member=member, status_code=400)
    if refused := await _claimed(request, member, platform, picked):
        return await _problem(request, member, refused, status_code=409)
    async with request.app.state.pool.acquire() as db:
        # Used up now: a second submit (double click, back button) connects nothing twice.
        if await connections.parked(db, request.app.state.vault, key=key, brand_id=member.brand_id,
                                    user_id=member.user_id, platform=platform, now=utcnow(), take=True) is None:
            return await _problem(request, member, expired)
    saved = await _save(request, member, provider, app, picked, Tokens.of(grant["tokens"]))
    return RedirectResponse(f"/settings?connected={','.join(str(s) for s in saved)}", status_code=303)


routes = [
    Route("/settings/connect/{platform}", start, methods=["GET"]),
    Route("/settings/connect/{platform}/callback", callback, methods=["GET"]),
    Route("/settings/connect/{platform}/pick", pick_page, methods=["GET"]),
    Route("/settings/connect/{platform}/pick", pick, methods=["POST"]),
]
