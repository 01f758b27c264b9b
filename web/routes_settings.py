"""Settings: the brand's platform connections and their health, and saved replies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collector import registry
from collector.base import Collector
from inbox import accounts, saved_replies, users
from web import i18n
from web import input as web_input
from web.auth import require_member
from web.claims import claim_refused
from web.pages import render
from web.security import safe_url

_ = i18n.gettext


def _platforms() -> list[str]:
    return registry.platforms()


def _declared(platform: str) -> type[Collector]:
    """The platform's collector class, which declares its URL settings and their labels."""
    try:
        return registry.collector_class(platform)
    except registry.UnknownPlatform:
        return Collector  # a platform this version no longer knows: the defaults (http, https)


def _url_fields(platform: str) -> Mapping[str, tuple[str, ...]]:
    return _declared(platform).url_fields


def _url_settings() -> list[tuple[str, str]]:
    """Every URL-valued setting any platform takes, with its label (English), in a stable order."""
    labels: dict[str, str] = {}
    for platform in _platforms():
        cls = _declared(platform)
        for key in cls.url_fields:
            if key != "base_url":
                labels.setdefault(key, cls.url_labels.get(key, key))
    return sorted(labels.items())


def _base_url_hints() -> list[str]:
    """What the API address means for the platforms where it is not a web API's root (English)."""
    return [hint for platform in _platforms() if (hint := _declared(platform).base_url_hint)]


def _schemes(schemes: tuple[str, ...]) -> str:
    return _(" or ").join(f"{s}://" for s in schemes)


def checked_urls(platform: str, form: Any) -> tuple[str, dict[str, str]]:
    """The base URL and URL settings from the form, each checked against the platform's schemes."""
    fields = _url_fields(platform)
    base_url = safe_url(str(form.get("base_url", "")), fields["base_url"])
    if base_url is None:
        raise HTTPException(400, _("The API address must start with {schemes}.", schemes=_schemes(fields["base_url"])))
    settings: dict[str, str] = {}
    for key, label in _url_settings():
        raw = str(form.get(key, "")).strip()
        if not raw:
            continue
        label = _(label)
        if key not in fields:
            raise HTTPException(400, _("This platform takes no “{label}”.", label=label))
        url = safe_url(raw, fields[key])
        if url is None:
            raise HTTPException(400, _("“{label}” must start with {schemes}.", label=label, schemes=_schemes(fields[key])))
        settings[key] = url
    return base_url, settings


async def _accounts(db: Any, brand_id: int) -> list[dict[str, Any]]:
    # Never the credentials column: tokens are not shown back, not even encrypted.
    rows = await accounts.list_accounts(db, brand_id)
    codes = registry.oauth_platforms()
    for row in rows:
        # "Reconnect" starts the application the account was connected with (a mailbox: Gmail or
        # Microsoft 365); accounts of platforms without a sign-in have none.
        code = str((row.get("settings") or {}).get("oauth_provider") or row["platform"])
        row["connect_code"] = code if code in codes else None
    return sorted(rows, key=lambda r: (r["platform"], r["name"], r["id"]))


def _credentials(form: Any) -> dict[str, str]:
    """Credentials from the form: the access token, plus `key=value` lines for platforms that
    need more (a user name and an application password, a client secret...)."""
    found: dict[str, str] = {}
    for line in str(form.get("extra", "")).splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and value.strip():
            found[key.strip()[:60]] = value.strip()[:2000]
    token = str(form.get("token", "")).strip()
    if token:
        found["access_token"] = token[:4000]
    return found


def _origin(url: str) -> tuple[str, str, int | None]:
    """Scheme, host and port: what decides where credentials are sent."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    return parts.scheme.lower(), (parts.hostname or "").lower().rstrip("."), port


def moves_host(found: Mapping[str, Any], base_url: str, settings: Mapping[str, str]) -> bool:
    """True when the edit sends the account somewhere else (scheme, host or port of any address)."""
    if _origin(base_url) != _origin(str(found["base_url"])):
        return True
    stored = found.get("settings") or {}
    return any(_origin(url) != _origin(str(stored.get(key) or "")) for key, url in settings.items())


def _connectable(request: Request) -> list[dict[str, Any]]:
    """Each platform connected with a sign-in: ready (its application is configured) or what the
    administrator must set up first."""
    apps = request.app.state.settings.oauth
    rows = []
    for platform in registry.oauth_platforms():
        provider = registry.oauth_provider(platform)
        id_name, secret_name, _root = apps.env_names(platform)
        rows.append({"platform": platform, "ready": apps.get(platform) is not None, "settings": (id_name, secret_name),
                     "hint": provider.setup_hint if provider else "",
                     "redirect_uri": f"{request.app.state.settings.base_url}/settings/connect/{platform}/callback"})
    return rows


async def _page(request: Request, member: Any, *, error: str | None = None, typed: dict[str, Any] | None = None,
                status_code: int = 200, notice: str | None = None, saved_form: dict[str, Any] | None = None) -> Response:
    async with request.app.state.pool.acquire() as db:
        accounts = await _accounts(db, member.brand_id)
        saved = await saved_replies.list_for(db, member.brand_id, member.ui_lang)
        team = await users.members_of(db, member.brand_id)
    return await render(request, "settings.html", {
        "accounts": accounts, "saved": saved, "team": team, "platforms": _platforms(),
        "url_settings": _url_settings(), "url_fields": _url_fields, "base_url_hints": _base_url_hints(),
        "error": error, "typed": typed or {}, "notice": notice, "connectable": _connectable(request),
        "oauth_platforms": registry.oauth_platforms(), "saved_form": saved_form or {},
    }, member=member, status_code=status_code)


async def settings_notice(request: Request, member: Any, *, error: str | None = None, notice: str | None = None,
                          status_code: int = 200) -> Response:
    """The settings page with one message on top (the connect flow's outcome)."""
    return await _page(request, member, error=error, notice=notice, status_code=status_code)


async def settings_page(request: Request) -> Response:
    """GET /settings: connections with their state; saved replies; the team."""
    member = await require_member(request)
    notice = None
    connected = [web_input.parse_id(part) for part in request.query_params.get("connected", "").split(",")[:50]]
    if any(connected):
        async with request.app.state.pool.acquire() as db:
            names = [found["name"] or found["external_id"] for account_id in connected if account_id
                     and (found := await accounts.get_account(db, member.brand_id, account_id)) is not None]
        if names:
            notice = _("Connected: {names}. The first comments arrive within a minute.", names=", ".join(names))
    return await _page(request, member, notice=notice)


async def save_account(request: Request) -> Response:
    """POST /settings/accounts (new) or /settings/accounts/{account} (edit); owners only."""
    member = await require_member(request, role="owner")
    form = await web_input.form(request)
    name = str(form.get("name", "")).strip()[:120]
    credentials = _credentials(form)
    vault = request.app.state.vault
    account = request.path_params.get("account")
    async with request.app.state.pool.acquire() as db:
        if account is None:
            platform = str(form.get("platform", ""))
            external_id = str(form.get("external_id", "")).strip()[:200]
            if platform not in _platforms() or not external_id:
                raise HTTPException(400, _("Choose a platform and give the page or account id."))
            base_url, settings = checked_urls(platform, form)
            refused = await claim_refused(db, brand_id=member.brand_id, platform=platform, external_id=external_id)
            if refused:
                typed: dict[str, Any] = {"new": {"platform": platform, "name": name, "external_id": external_id, "base_url": base_url}}
                return await _page(request, member, error=refused, typed=typed, status_code=409)
            await accounts.add_account(db, vault, brand_id=member.brand_id, platform=platform, name=name,
                                       external_id=external_id, base_url=base_url, credentials=credentials,
                                       settings=settings)
            return RedirectResponse("/settings", status_code=303)
        account_id = web_input.parse_id(account) or -1
        found = await accounts.get_account(db, member.brand_id, account_id)
        if found is None:
            raise HTTPException(404, _("No such connection."))
        base_url, settings = checked_urls(found["platform"], form)
        if not credentials and moves_host(found, base_url, settings):
            # The stored token must never follow a new address: whoever can edit the address
            # could otherwise point it at their own server and read the token.
            typed = {"account": account_id, "name": name, "base_url": base_url, "settings": settings,
                     "enabled": form.get("enabled") == "on"}
            error = _("The address now points to another server: enter the credentials again to send them there.")
            return await _page(request, member, error=error, typed=typed, status_code=400)
        async with db.transaction():
            # An empty URL setting keeps the stored one, like an empty token field.
            if not await accounts.update_details(db, brand_id=member.brand_id, account_id=account_id, name=name,
                                                 base_url=base_url, settings=settings):
                raise HTTPException(404, _("No such connection."))
            await accounts.set_enabled(db, brand_id=member.brand_id, account_id=account_id, enabled=form.get("enabled") == "on")
            if credentials:
                # New credentials clear "re-authorisation needed": the next poll tells whether they work.
                await accounts.update_credentials(db, vault, brand_id=member.brand_id, account_id=account_id, credentials=credentials)
    return RedirectResponse("/settings", status_code=303)


async def poll_account_now(request: Request) -> Response:
    """POST /settings/accounts/{account}/poll-now: the next idle worker polls it; owners only."""
    member = await require_member(request, role="owner")
    account_id = web_input.parse_id(request.path_params["account"]) or -1
    async with request.app.state.pool.acquire() as db:
        if await accounts.poll_now(db, brand_id=member.brand_id, account_id=account_id) is None:
            raise HTTPException(404, _("No such connection."))
    return RedirectResponse("/settings", status_code=303)


def _saved_typed(form: Any, saved_id: int | None) -> dict[str, Any]:
    return {"id": saved_id, "lang": str(form.get("lang", "")), "title": str(form.get("title", "")),
            "body": str(form.get("body", ""))}


async def _save_reply(request: Request, saved_id: int | None) -> Response:
    """Add (saved_id None) or change a saved reply; on bad fields the page again, 400, with the
    error beside the form and what was typed kept."""
    member = await require_member(request)
    form = await web_input.form(request)
    typed = _saved_typed(form, saved_id)
    async with request.app.state.pool.acquire() as db:
        if saved_id is not None and not await saved_replies.exists(db, member.brand_id, saved_id):
            raise HTTPException(404, _("No such saved reply."))  # before judging the fields: nothing leaks
        try:
            if saved_id is None:
                await saved_replies.create(db, member.brand_id, typed["lang"], typed["title"], typed["body"])
            elif not await saved_replies.update(db, member.brand_id, saved_id, typed["lang"], typed["title"], typed["body"]):
                raise HTTPException(404, _("No such saved reply."))
        except saved_replies.Invalid as exc:
            return await _page(request, member, saved_form={**typed, "error": _(str(exc))}, status_code=400)
    return RedirectResponse("/settings#saved-replies", status_code=303)


async def add_saved_reply(request: Request) -> Response:
    """POST /settings/saved-replies: a new saved reply."""
    return await _save_reply(request, None)


async def edit_saved_reply(request: Request) -> Response:
    """POST /settings/saved-replies/{saved}: change its language, title or text."""
    saved_id = web_input.parse_id(request.path_params["saved"])
    if saved_id is None:
        raise HTTPException(404, _("No such saved reply."))
    return await _save_reply(request, saved_id)


async def delete_saved_reply(request: Request) -> Response:
    """POST /settings/saved-replies/{saved}/delete."""
    member = await require_member(request)
    saved = request.path_params["saved"]
    async with request.app.state.pool.acquire() as db:
        saved_id = web_input.parse_id(saved)
        if saved_id is None or not await saved_replies.delete(db, member.brand_id, saved_id):
            raise HTTPException(404, _("No such saved reply."))
    return RedirectResponse("/settings", status_code=303)


routes = [
    Route("/settings", settings_page, methods=["GET"]),
    Route("/settings/accounts", save_account, methods=["POST"]),
    Route("/settings/accounts/{account}", save_account, methods=["POST"]),
    Route("/settings/accounts/{account}/poll-now", poll_account_now, methods=["POST"]),
    Route("/settings/saved-replies", add_saved_reply, methods=["POST"]),
    Route("/settings/saved-replies/{saved}", edit_saved_reply, methods=["POST"]),
    Route("/settings/saved-replies/{saved}/delete", delete_saved_reply, methods=["POST"]),
]
