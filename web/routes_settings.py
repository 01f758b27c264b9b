"""Settings: the brand's platform connections and their health, and saved replies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from collector import registry
from inbox import accounts, saved_replies, users
from web import account_form, i18n, poll_interval
from web import input as web_input
from web.account_form import FormError
from web.auth import require_member
from web.claims import claim_refused
from web.pages import render

_ = i18n.gettext


def _platforms() -> list[str]:
    return account_form.platforms()


def _url_fields(platform: str) -> Mapping[str, tuple[str, ...]]:
    return account_form.declared(platform).url_fields


def _base_url_hints() -> list[str]:
    """What the API address means for the platforms where it is not a web API's root (English)."""
    return [hint for platform in _platforms() if (hint := account_form.declared(platform).base_url_hint)]


def _optional_address() -> list[str]:
    """The platforms whose API address may be left empty (their own root is used)."""
    return [p for p in _platforms() if account_form.declared(p).default_base_url]


def _fields(platform: str) -> list[dict[str, Any]]:
    """The platform's settings as the template shows them: form name, words, limits."""
    return [{"name": account_form.setting_name(platform, f.key), "key": f.key, "label": f.label, "hint": f.hint,
             "kind": f.kind, "default": f.default, "min": f.minimum, "max": f.maximum, "advanced": f.advanced,
             "max_length": f.max_length}
            for f in account_form.declared(platform).setting_fields]


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


async def _page(request: Request, member: Any, *, error: str | None = None, error_field: str = "",
                typed: dict[str, Any] | None = None, trial: dict[str, Any] | None = None,
                status_code: int = 200, notice: str | None = None, saved_form: dict[str, Any] | None = None,
                interval_saved: int | None = None) -> Response:
    async with request.app.state.pool.acquire() as db:
        found = await _accounts(db, member.brand_id)
        saved = await saved_replies.pairs(db, member.brand_id, member.ui_lang)
        team = await users.members_of(db, member.brand_id)
    edit = web_input.parse_id(str(request.query_params.get("edit", ""))) if request.method == "GET" else None
    return await render(request, "settings.html", {
        "accounts": found, "saved": saved, "team": team, "platforms": _platforms(),
        "url_settings": account_form.url_settings(), "url_fields": _url_fields, "base_url_hints": _base_url_hints(),
        "optional_address": _optional_address(),
        "optional_names": ", ".join(i18n.platform_name(p) for p in _optional_address()),
        "fields": _fields, "reconnect_path": account_form.reconnect_path,
        "error": error, "error_field": error_field, "typed": typed or {}, "trial": trial or {}, "edit": edit,
        "soon": _soon(found), "gapped": _gapped(found), "notice": notice, "connectable": _connectable(request),
        "oauth_platforms": registry.oauth_platforms(), "saved_form": saved_form or {},
        "interval_choices": poll_interval.choices, "interval_words": poll_interval.every, "interval_saved": interval_saved,
    }, member=member, status_code=status_code)


def _soon(found: list[dict[str, Any]]) -> set[int]:
    """Accounts whose access ends within the week unless the owner reconnects them."""
    now = datetime.now(UTC)
    return {a["id"] for a in found if a.get("access_expires_at") and a["access_expires_at"] <= now + timedelta(days=7)}


def _gapped(found: list[dict[str, Any]]) -> set[int]:
    """Feeds that moved past unread entries within the week: the owner should poll them more often."""
    since = datetime.now(UTC) - timedelta(days=7)
    return {a["id"] for a in found if a.get("last_feed_gap_at") and a["last_feed_gap_at"] >= since}


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
    # After a new poll interval (web/routes_connections.py): said beside that connection's form.
    interval_saved = web_input.parse_id(str(request.query_params.get("interval", "")))
    return await _page(request, member, notice=notice, interval_saved=interval_saved)


async def save_account(request: Request) -> Response:
    """POST /settings/accounts (new) or /settings/accounts/{account} (edit); owners only.
    A mistake shows the form again with the error and what was typed (status 400)."""
    member = await require_member(request, role="owner")
    form = await web_input.form(request)
    account = request.path_params.get("account")
    if account is None:
        return await _add(request, member, form)
    account_id = web_input.parse_id(account) or -1
    async with request.app.state.pool.acquire() as db:
        found = await accounts.get_account(db, member.brand_id, account_id)
    if found is None:
        raise HTTPException(404, _("No such connection."))
    try:
        return await _edit(request, member, form, found)
    except FormError as exc:
        typed = account_form.typed(found["platform"], form, account=account_id)
        return await _page(request, member, error=exc.message, error_field=exc.field, typed=typed, status_code=400)


async def _add(request: Request, member: Any, form: Any) -> Response:
    platform = str(form.get("platform", ""))
    typed = account_form.typed(platform, form, account="new")
    try:
        if platform not in _platforms():
            raise FormError(_("Choose a platform."), "platform")
        external_id = str(form.get("external_id", "")).strip()[:200]
        if not external_id:
            raise FormError(_("Give the page or account id."), "external_id")
        checked = account_form.check(platform, form)
    except FormError as exc:
        return await _page(request, member, error=exc.message, error_field=exc.field, typed=typed, status_code=400)
    async with request.app.state.pool.acquire() as db:
        # A pushed platform's account belongs to one brand (web/claims.py): said in the form too.
        refused = await claim_refused(db, brand_id=member.brand_id, platform=platform, external_id=external_id)
        if refused:
            return await _page(request, member, error=refused, error_field="external_id", typed=typed, status_code=409)
        await accounts.add_account(db, request.app.state.vault, brand_id=member.brand_id, platform=platform,
                                   name=str(form.get("name", "")).strip()[:120], external_id=external_id,
                                   base_url=checked.base_url, credentials=account_form.credentials(form),
                                   settings={**checked.settings, **checked.urls})
    return RedirectResponse("/settings", status_code=303)


async def _edit(request: Request, member: Any, form: Any, found: dict[str, Any]) -> Response:
    account_id = found["id"]
    name = str(form.get("name", "")).strip()[:120]
    credentials = account_form.credentials(form)
    checked = account_form.check(found["platform"], form)
    if not credentials and account_form.moves_host(found, checked.base_url, checked.urls):
        # The stored token must never follow a new address: whoever can edit the address
        # could otherwise point it at their own server and read the token.
        raise FormError(_("The address now points to another server: enter the credentials again to send them there."),
                        "base_url")
    async with request.app.state.pool.acquire() as db, db.transaction():
        # An empty URL setting keeps the stored one, like an empty token field; an empty
        # platform setting goes back to its default.
        if not await accounts.update_details(db, brand_id=member.brand_id, account_id=account_id, name=name,
                                             base_url=checked.base_url, settings={**checked.settings, **checked.urls},
                                             cleared=checked.cleared):
            raise HTTPException(404, _("No such connection."))
        await accounts.set_enabled(db, brand_id=member.brand_id, account_id=account_id, enabled=form.get("enabled") == "on")
        if credentials:
            # New credentials clear "re-authorisation needed": the next poll tells whether they work.
            await accounts.update_credentials(db, request.app.state.vault, brand_id=member.brand_id,
                                              account_id=account_id, credentials=credentials)
    return RedirectResponse("/settings", status_code=303)


async def poll_account_now(request: Request) -> Response:
    """POST /settings/accounts/{account}/poll-now: the next idle worker polls it; owners only."""
    member = await require_member(request, role="owner")
    account_id = web_input.parse_id(request.path_params["account"]) or -1
    async with request.app.state.pool.acquire() as db:
        if await accounts.poll_now(db, brand_id=member.brand_id, account_id=account_id) is None:
            raise HTTPException(404, _("No such connection."))
    return RedirectResponse("/settings", status_code=303)


def _saved_typed(form: Any, pair_id: int | None) -> dict[str, Any]:
    """What was typed in a saved reply's form: its French and English titles and texts."""
    return {"id": pair_id, **{lang: {"title": str(form.get(f"title_{lang}", "")), "body": str(form.get(f"body_{lang}", ""))}
                              for lang in saved_replies.LANGS}}


async def _save_reply(request: Request, pair_id: int | None) -> Response:
    """Add (pair_id None) or change a saved reply, its French and English texts together; on bad
    fields the page again, 400, with the error beside the form and what was typed kept."""
    member = await require_member(request)
    form = await web_input.form(request)
    typed = _saved_typed(form, pair_id)
    async with request.app.state.pool.acquire() as db:
        if pair_id is not None and not await saved_replies.exists(db, member.brand_id, pair_id):
            raise HTTPException(404, _("No such saved reply."))  # before judging the fields: nothing leaks
        try:
            texts = saved_replies.checked_pair({lang: (typed[lang]["title"], typed[lang]["body"]) for lang in saved_replies.LANGS})
        except saved_replies.Invalid as exc:
            return await _page(request, member, saved_form={**typed, "error": _(str(exc))}, status_code=400)
        if await saved_replies.save_pair(db, member.brand_id, pair_id, texts) is None:
            raise HTTPException(404, _("No such saved reply."))
    return RedirectResponse("/settings#saved-replies", status_code=303)


async def add_saved_reply(request: Request) -> Response:
    """POST /settings/saved-replies: a new saved reply."""
    return await _save_reply(request, None)


async def edit_saved_reply(request: Request) -> Response:
    """POST /settings/saved-replies/{saved}: change its French and English titles and texts."""
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
