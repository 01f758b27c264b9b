"""Alerts list, alert rules and channels (settings), and the weekly summary page with its CSV."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from inbox import sealed
from inbox.alerts import message
from inbox.alerts import settings as alert_settings
from inbox.alerts.rules import (
    DEFAULTS,
    KINDS,
    URGENT_REASONS,
    RuleError,
    parse_quiet,
    validate_channels,
    validate_params,
)
from inbox.alerts.store import Brand, list_alerts, load_brand, mark_read, raise_test_alert
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.summary import labels, query
from inbox.summary import render as summary_render
from inbox.summary.period import SummaryError, last_complete_week, parse_week, week_of
from inbox.zones import zone
from nlp import reasons
from web import export, i18n
from web import input as web_input
from web.auth import Member, require_member
from web.pages import render, templates
from web.security import safe_url

_HERE = Path(__file__).parent / "templates" / "alerts"
# This section's labels, beside the app's catalogue (which they fall back to).
_LABELS: dict[str, dict[str, str]] = {
    lang: json.loads((_HERE / f"messages.{lang}.json").read_text(encoding="utf-8")) for lang in ("fr", "en")
}
_CSS = (_HERE / "alerts.css").read_text(encoding="utf-8")


def t(text: str, **values: object) -> str:
    """A label of this section in the request's language."""
    out = _LABELS.get(i18n.current_lang.get(), {}).get(text)
    if out is not None:
        return out.format(**values) if values else out
    return i18n.gettext(text).format(**values) if values else i18n.gettext(text)


templates.env.globals["t"] = t


def _now() -> datetime:
    return datetime.now(UTC)


def _in_words(items: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Items with their reason codes ("urgent:legal") as the words staff read ("Menace de poursuite")."""
    return [{**it, "reasons": [reasons.describe(r, lang) for r in it.get("reasons") or []]} for it in items]


def _present(alert: dict[str, Any], lang: str) -> dict[str, Any]:
    details = alert["details"] or {}
    return {**alert, "label": message.words(lang).get(alert["kind"], alert["kind"]),
            "reason": message.reason_line(alert["kind"], details, lang, reasons.describe),
            "terms": details.get("terms", []), "shown": _in_words(details.get("items", []), lang),
            "failed": [d for d in alert["deliveries"] if d["state"] != "sent"],
            # A connection's alert leads to its Reconnect button in Settings.
            "action": message.account_path(details) if alert["kind"] in message.ACCOUNT_KINDS else None,
            "action_label": message.words(lang)["reconnect"]}


async def alerts_page(request: Request) -> Response:
    """GET /alerts: the brand's alerts, why they fired, and each delivery's state."""
    member = await require_member(request)
    lang = i18n.pick(member.ui_lang)
    async with request.app.state.pool.acquire() as db:
        rows = await list_alerts(db, member.brand_id)
    return await render(request, "alerts/list.html", {
        "alerts": [_present(a, lang) for a in rows], "tested": request.query_params.get("tested") == "1",
    }, member=member)


async def alert_read(request: Request) -> Response:
    """POST /alerts/{alert}/read."""
    member = await require_member(request)
    raw = request.path_params["alert"]
    async with request.app.state.pool.acquire() as db:
        alert_id = web_input.parse_id(raw)
        if alert_id is None or not await mark_read(db, member.brand_id, alert_id, _now()):
            raise HTTPException(404, t("No such alert."))
    return RedirectResponse("/alerts", status_code=303)


async def alert_test(request: Request) -> Response:
    """POST /alerts/test: a test alert through every configured channel (owners)."""
    member = await require_member(request, role="owner")
    async with request.app.state.pool.acquire() as db:
        await raise_test_alert(db, await load_brand(db, member.brand_id), _now())
    return RedirectResponse("/alerts?tested=1", status_code=303)


def _opened_webhook(brand: Brand, vault: Vault) -> tuple[str, str | None] | None:
    """The brand's webhook address and secret; None when none, or when they were sealed with a
    key this install no longer has (saving the form again seals a new address and secret)."""
    try:
        return brand.webhook(vault)
    except CredentialsUnreadable:
        return None


async def rules_page(request: Request, *, error: str | None = None, status_code: int = 200) -> Response:
    """GET /settings/alerts: rules with their defaults, channels, summary hour."""
    member = await require_member(request)
    async with request.app.state.pool.acquire() as db:
        rows = await alert_settings.list_rules(db, member.brand_id)
        brand = await load_brand(db, member.brand_id)
    rules = [{**dict(r), "values": {**DEFAULTS[r["kind"]], **(r["params"] or {})}} for r in rows if r["kind"] in KINDS]
    settings = brand.settings
    # Owners configure the receiver, so they see its address and signing secret (opened from the
    # sealed column); agents see only its host: the address may carry the receiver's token.
    webhook = _opened_webhook(brand, request.app.state.vault) if member.role == "owner" else None
    return await render(request, "alerts/settings.html", {
        "rules": rules, "defaults": DEFAULTS, "error": error,
        "urgent_words": [(code, reasons.describe(code, i18n.current_lang.get())) for code in URGENT_REASONS],
        "alert_emails": ", ".join(settings.get("alert_emails") or []),
        "webhook_url": webhook[0] if webhook else brand.webhook_host,
        "webhook_secret": webhook[1] if webhook else None,
        "summary_hour": settings.get("summary_hour", 8),
    }, member=member, status_code=status_code)


async def rule_save(request: Request) -> Response:
    """POST /settings/alerts/rules/{rule}: owners edit one rule; a bad value is explained."""
    member = await require_member(request, role="owner")
    rule_id = web_input.parse_id(request.path_params["rule"]) or -1
    form = await web_input.form(request)
    async with request.app.state.pool.acquire() as db:
        kind = await alert_settings.rule_kind(db, member.brand_id, rule_id)
        if kind is None:
            raise HTTPException(404, t("No such rule."))
        try:
            # A list (the urgency signals) comes as ticked boxes, one value each, or as one comma-separated field.
            params = validate_params(kind, {k: ",".join(str(v) for v in form.getlist(k)) for k in DEFAULTS[kind]
                                            if str(form.get(k, "")).strip()})
            # Store only what differs from the defaults, so a better default reaches this rule later.
            params = {k: v for k, v in params.items() if v != DEFAULTS[kind][k]}
            channels = validate_channels([str(c) for c in form.getlist("channels")])
            quiet = parse_quiet(str(form.get("quiet_start", ""))), parse_quiet(str(form.get("quiet_end", "")))
            cooldown = int(str(form.get("cooldown_minutes", "60")).strip() or 60)
            if not 0 <= cooldown <= 7 * 24 * 60:
                raise RuleError("cooldown must be between 0 and 10080 minutes")
        except (RuleError, ValueError) as exc:
            return await rules_page(request, error=str(exc), status_code=400)
        await alert_settings.save_rule(db, member.brand_id, rule_id, enabled=form.get("enabled") == "on", params=params,
                                       channels=channels, cooldown_minutes=cooldown, quiet_start=quiet[0], quiet_end=quiet[1])
    return RedirectResponse("/settings/alerts", status_code=303)


async def channels_save(request: Request) -> Response:
    """POST /settings/alerts/channels: alert e-mails, webhook, summary hour (owners)."""
    member = await require_member(request, role="owner")
    form = await web_input.form(request)
    emails = [e.strip() for e in str(form.get("alert_emails", "")).replace(";", ",").split(",") if e.strip()]
    bad = [e for e in emails if "@" not in e or any(c.isspace() for c in e) or len(e) > 320]
    if bad:
        return await rules_page(request, error=t("Not an e-mail address: {value}", value=bad[0]), status_code=400)
    url_raw = str(form.get("webhook_url", "")).strip()
    url = safe_url(url_raw) if url_raw else ""
    if url is None:
        return await rules_page(request, error=t("The webhook address must start with http:// or https://."), status_code=400)
    try:
        hour = int(str(form.get("summary_hour", "8")))
    except ValueError:
        hour = -1
    if not 0 <= hour <= 23:
        return await rules_page(request, error=t("The summary hour is a number from 0 to 23."), status_code=400)
    async with request.app.state.pool.acquire() as db:
        vault = request.app.state.vault
        async with db.transaction():
            brand = await load_brand(db, member.brand_id)
            current = _opened_webhook(brand, vault)
            secret = current[1] if current else None
            if url and (not secret or form.get("new_secret") == "on"):
                secret = secrets.token_urlsafe(32)  # shown to owners on the settings page, for the receiver
            # The address and secret are sealed (brands.secrets); the settings keep only the host.
            await sealed.save_brand_secrets(db, vault, member.brand_id,
                                            {"webhook_url": url or None, "webhook_secret": secret if url else None})
            patch = {"alert_emails": emails, "webhook_host": sealed.origin(url) or None, "summary_hour": hour}
            await alert_settings.merge_brand_settings(db, member.brand_id, patch)
    return RedirectResponse("/settings/alerts", status_code=303)


async def summary_page(request: Request) -> Response:
    """GET /summaries?week=2026-W47: the weekly summary with SVG charts."""
    member = await require_member(request)
    lang = i18n.pick(member.ui_lang)
    summary, week, error = await _compute(request, member)
    fragment = summary_render.page_fragment(_named(summary, lang), lang, "") if summary else None
    nav = None
    if summary is not None:
        tz = zone(summary["timezone"])
        current = parse_week(week, tz)
        following = week_of(current.monday + timedelta(days=7), tz)
        nav = {"previous": current.previous().label,
               "next": following.label if following.start <= _now() else None,
               "items_csv": f"/items.csv?from={current.monday}&to={current.monday + timedelta(days=6)}"}
    return await render(request, "alerts/summary.html", {
        "summary": summary, "fragment": fragment, "week": week, "error": error, "nav": nav,
    }, member=member, status_code=200 if error is None else 400)


def _named(summary: dict[str, Any], lang: str) -> dict[str, Any]:
    """The summary with platform and language names people read (the CSV keeps the codes)."""
    named = labels.named(summary, lang, i18n.platform_name, reasons.describe)
    return {**named, "urgent": _in_words(named["urgent"], lang)}


async def summary_csv(request: Request) -> Response:
    """GET /summaries.csv?week=2026-W47[&sep=;]: the same figures as CSV."""
    member = await require_member(request)
    summary, week, error = await _compute(request, member)
    if summary is None:
        raise HTTPException(400, error or "")
    # Opens right in French and English Excel: BOM, `;` and decimal commas in French (web/export.py).
    sep = export.separator(request, i18n.pick(member.ui_lang))
    return export.attachment(export.encode(summary_render.rows(summary), sep), f"summary-{summary['brand']}-{week}.csv")


async def _compute(request: Request, member: Member) -> tuple[dict[str, Any] | None, str, str | None]:
    async with request.app.state.pool.acquire() as db:
        brand = await query.brand_by_id(db, member.brand_id)
        if brand is None:  # the brand was deleted while the page was open
            raise HTTPException(404)
        week = request.query_params.get("week") or last_complete_week(_now(), zone(brand["timezone"])).label
        try:
            return await query.compute(db, brand, week, _now()), week, None
        except SummaryError as exc:
            return None, week, str(exc)


async def alerts_css(request: Request) -> Response:
    """GET /alerts.css: this section's styles (the CSP allows no inline style)."""
    return Response(_CSS, media_type="text/css", headers={"Cache-Control": "max-age=3600"})


routes = [
    Route("/alerts", alerts_page, methods=["GET"]),
    Route("/alerts.css", alerts_css, methods=["GET"]),
    Route("/alerts/test", alert_test, methods=["POST"]),
    Route("/alerts/{alert}/read", alert_read, methods=["POST"]),
    Route("/settings/alerts", rules_page, methods=["GET"]),
    Route("/settings/alerts/channels", channels_save, methods=["POST"]),
    Route("/settings/alerts/rules/{rule}", rule_save, methods=["POST"]),
    Route("/summaries", summary_page, methods=["GET"]),
    Route("/summaries.csv", summary_csv, methods=["GET"]),
]
