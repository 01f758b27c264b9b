"""What an alert says, in French or English: subject, plain text, HTML and the Slack `text`.

Everything quoted from platforms is escaped by Jinja2's autoescape, never marked safe.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from babel.numbers import format_decimal
from jinja2 import Environment

_WORDS = {
    "fr": {
        "negative_mention": "Commentaire négatif",
        "volume_spike": "Pic de volume",
        "sentiment_dip": "Baisse du sentiment",
        "digest": "Résumé du matin",
        "test": "Alerte de test",
        "automation_rule": "Règle automatique",
        "urgent": "URGENT",
        "open": "Ouvrir dans la boîte de réception",
        "why": "Pourquoi",
        "terms": "Mots fréquents",
        "items": "Messages en cause",
        "followers": "abonnés",
        "priority": "priorité",
        "footer": "Jasette vous écrit parce qu'une règle d'alerte s'est déclenchée. Réglages : ",
        "account_reauth": "Reconnexion nécessaire",
        "account_expiring": "Connexion bientôt expirée",
        "reconnect": "Reconnecter dans les réglages",
        "footer_account": "Jasette vous écrit parce qu'une connexion de votre entreprise a besoin de vous. Réglages : ",
        "footer_person": "Jasette vous écrit parce qu'une règle automatique vous désigne pour ses alertes. Règles : ",
        "open_item": "Ouvrir le message",
    },
    "en": {
        "negative_mention": "Negative comment",
        "volume_spike": "Volume spike",
        "sentiment_dip": "Sentiment dip",
        "digest": "Morning digest",
        "test": "Test alert",
        "automation_rule": "Automation rule",
        "urgent": "URGENT",
        "open": "Open in the inbox",
        "why": "Why",
        "terms": "Frequent terms",
        "items": "Items behind it",
        "followers": "followers",
        "priority": "priority",
        "footer": "Jasette writes because an alert rule fired. Settings: ",
        "account_reauth": "Reconnection needed",
        "account_expiring": "Connection expiring soon",
        "reconnect": "Reconnect in Settings",
        "footer_account": "Jasette writes because one of your business's connections needs you. Settings: ",
        "footer_person": "Jasette writes because an automation rule names you for its alerts. Rules: ",
        "open_item": "Open the message",
    },
}


@dataclass(frozen=True, slots=True)
class Message:
    """One alert rendered for one language."""

    subject: str
    text: str
    html: str


# `describe(code, lang)` turns a reason code ("urgent:allergy") into the words people read
# ("Allergie mentionnée"). The words live in nlp.reasons, which inbox may not import: the caller
# (the web app, the worker started by jasette) passes nlp.reasons.describe in.
Describe = Callable[[str, str], str]


def reasons_in_words(codes: Sequence[str] | None, lang: str, describe: Describe | None) -> list[str]:
    """Reason codes as words in `lang` (the codes themselves when no `describe` was given)."""
    return [describe(c, lang) if describe else c for c in codes or []]


# A stored alert title names urgent reasons by code ("… (urgent:legal)"): it was written where
# the words could not be reached (inbox/alerts/store.py). Shown again, they become words.
_URGENT_CODE = re.compile(r"\burgent:[a-z_]+")


def worded_title(stored: str, lang: str, describe: Describe | None) -> str:
    """A stored alert title with its reason codes in words."""
    return _URGENT_CODE.sub(lambda m: describe(m.group(0), lang), stored) if describe else stored


def words(lang: str) -> dict[str, str]:
    """The label catalogue of a language (French unless English is asked)."""
    return _WORDS["en" if lang == "en" else "fr"]


def item_link(base_url: str, item_id: int) -> str:
    """The inbox page of one item."""
    return f"{base_url.rstrip('/')}/items/{item_id}"


def platform_link(url: object) -> str | None:
    """A platform's item URL when it is a plain http(s) link, else None (the same rule as
    web/security.py safe_url, which inbox/ may not import): receivers turn it into a link."""
    if not isinstance(url, str) or len(url) > 2048:
        return None
    if any(ord(c) < 0x21 or c in "\\<>\"'`" or 0x7F <= ord(c) <= 0x9F for c in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.username or parts.password:
        return None
    return url


def outgoing_details(details: dict[str, Any]) -> dict[str, Any]:
    """An alert's details as they leave for a receiver: item URLs checked (stored ones too)."""
    items = details.get("items")
    if not isinstance(items, list):
        return details
    return {**details, "items": [{**it, "url": platform_link(it.get("url"))} if isinstance(it, dict) else it for it in items]}


def alerts_link(base_url: str) -> str:
    """The alerts list of the web app."""
    return f"{base_url.rstrip('/')}/alerts"


# Alerts about a connection (inbox/alerts/connections.py) point at it in Settings, not at /alerts.
ACCOUNT_KINDS = ("account_reauth", "account_expiring")


def account_path(details: dict[str, Any]) -> str | None:
    """The Settings path of the connection an account alert is about (its Reconnect button)."""
    account = details.get("account")
    if isinstance(account, dict) and isinstance(account.get("id"), int):
        return f"/settings#account-{account['id']}"
    return None


def action(kind: str, details: dict[str, Any], base_url: str, lang: str) -> tuple[str, str]:
    """(URL, label) of what the reader should open: the connection in Settings, or the alerts."""
    path = account_path(details) if kind in ACCOUNT_KINDS else None
    if path is not None:
        return base_url.rstrip("/") + path, words(lang)["reconnect"]
    items = details.get("items")
    if kind == "automation_rule" and isinstance(items, list) and len(items) == 1 and isinstance(items[0].get("id"), int):
        # A rule's alert is about one message: open it, not the list of alerts.
        return item_link(base_url, items[0]["id"]), words(lang)["open_item"]
    return alerts_link(base_url), words(lang)["open"]


def _account_line(kind: str, d: dict[str, Any], lang: str, en: bool) -> str:
    found = d.get("account")
    account: dict[str, Any] = found if isinstance(found, dict) else {}
    listed = account.get("platform_names")
    names: dict[str, Any] = listed if isinstance(listed, dict) else {}
    platform = str(names.get(lang) or account.get("platform") or "")
    name = str(account.get("name") or "")
    if kind == "account_reauth":
        return (f"The {platform} connection “{name}” is no longer authorised: Jasette no longer receives its new"
                " comments and cannot reply there. Your other connections keep working. Reconnect it in Settings."
                if en else
                f"La connexion {platform} « {name} » n'est plus autorisée : Jasette ne reçoit plus ses nouveaux"
                " commentaires et ne peut plus y répondre. Vos autres connexions continuent de fonctionner."
                " Reconnectez-la dans les réglages.")
    when = datetime.fromisoformat(str(d["expires_at"]))
    tz = str(d.get("timezone") or "America/Montreal")
    day = format_date(when.astimezone(_tz(tz)).date(), format="long", locale="en_CA" if en else "fr_CA")
    return (f"The {platform} connection “{name}” will stop working on {day} unless you reconnect it before then"
            " (the platform does not let Jasette renew it by itself). Reconnect it in Settings."
            if en else
            f"La connexion {platform} « {name} » cessera de fonctionner le {day} si vous ne la reconnectez pas"
            " d'ici là (la plateforme ne permet pas à Jasette de la renouveler seule). Reconnectez-la dans les réglages.")


def _tz(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, ZoneInfoNotFoundError):
        return ZoneInfo("America/Montreal")


def _pct(share: float) -> str:
    return f"{round(share * 100)} %"


def _num(value: float, lang: str) -> str:
    """One decimal in the reader's locale: "0,7" in French, "0.7" in English."""
    return format_decimal(value, format="0.0", locale="en_CA" if lang == "en" else "fr_CA")


def reason_line(kind: str, details: dict[str, Any], lang: str, describe: Describe | None = None) -> str:
    """The one sentence that says why the alert fired, with its figures.

    `describe(code, lang)` turns reason codes into words (the web passes nlp.reasons.describe;
    inbox may not import nlp); without it the codes show.
    """
    en = lang == "en"
    d = details
    if kind == "negative_mention":
        n, posts = d.get("count", 0), len(d.get("groups", [])) or 1
        if n == 1:
            item = (d.get("items") or [{}])[0]
            urgent = reasons_in_words([r for r in item.get("reasons", []) if r.startswith("urgent:")], lang, describe)
            signal = ", ".join(urgent) or ("priority" if en else "priorité") + f" {item.get('priority', 0)}"
            return (f"A negative comment needs you ({signal})." if en
                    else f"Un commentaire négatif a besoin de vous ({signal}).")
        return (f"{n} negative comments on {posts} post(s) need you." if en
                else f"{n} commentaires négatifs sur {posts} publication(s) ont besoin de vous.")
    try:
        if kind in ACCOUNT_KINDS:
            return _account_line(kind, d, lang, en)
        return _figures_line(kind, d, lang, en)
    except (KeyError, TypeError, ValueError):
        # An alert stored without its figures (an older version, a hand-made row): say what it is.
        return _GENERIC.get(kind, _GENERIC["test"])[0 if en else 1]


# What an alert says when its figures are missing: (English, French).
_GENERIC: dict[str, tuple[str, str]] = {
    "volume_spike": ("Unusually many comments at this hour.", "Nombre inhabituel de messages à cette heure."),
    "sentiment_dip": ("Unusually many negative comments.", "Proportion inhabituelle de messages négatifs."),
    "account_reauth": ("A connection is no longer authorised: reconnect it in Settings.",
                       "Une connexion n'est plus autorisée : reconnectez-la dans les réglages."),
    "account_expiring": ("A connection will soon stop working: reconnect it in Settings.",
                         "Une connexion cessera bientôt de fonctionner : reconnectez-la dans les réglages."),
    "automation_rule": ("An automation rule found a message for you.", "Une règle automatique a repéré un message pour vous."),
    "test": ("This is a test: Jasette can reach you on this channel.",
             "Ceci est un test : Jasette peut vous joindre par ce canal."),
}


def _figures_line(kind: str, d: dict[str, Any], lang: str, en: bool) -> str:
    if kind == "volume_spike":
        return (f"{d['count']} items in the last {d['window_minutes']} min, against a usual "
                f"{_num(d['mean'], lang)} ± {_num(d['std'], lang)} at this hour (threshold {_num(d['threshold'], lang)},"
                f" minimum {d['min_count']})."
                if en else
                f"{d['count']} messages dans les {d['window_minutes']} dernières minutes, contre "
                f"{_num(d['mean'], lang)} ± {_num(d['std'], lang)} d'habitude à cette heure (seuil {_num(d['threshold'], lang)},"
                f" minimum {d['min_count']}).")
    if kind == "sentiment_dip":
        return (f"{d['negative']} of {d['count']} items in the last {d['window_minutes']} min are negative "
                f"({_pct(d['share'])}, threshold {_pct(d['threshold'])})." if en else
                f"{d['negative']} messages sur {d['count']} sont négatifs dans les {d['window_minutes']} dernières "
                f"minutes ({_pct(d['share'])}, seuil {_pct(d['threshold'])}).")
    if kind == "automation_rule":
        return (f"The rule “{d['rule']}” found a message for you." if en
                else f"La règle « {d['rule']} » a repéré un message pour vous.")
    if kind == "digest":
        n = len(d.get("alerts", []))
        return (f"{n} alert(s) held during the quiet hours." if en
                else f"{n} alerte(s) retenue(s) pendant les heures calmes.")
    return _GENERIC["test"][0 if en else 1]


def title(kind: str, details: dict[str, Any], lang: str, brand_name: str, describe: Describe | None = None) -> str:
    """The short line of an alert (list, banner, e-mail subject)."""
    label = words(lang).get(kind, kind)
    if details.get("urgent"):
        label = f"{words(lang)['urgent']} · {label}"
    return f"[{brand_name}] {label} — {reason_line(kind, details, lang, describe)}"


_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)
_HTML = _ENV.from_string(
    """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ subject }}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;color:#1f2937;max-width:640px;margin:0 auto;padding:16px">
<h1 style="font-size:20px;margin:0 0 8px">{{ label }} · {{ brand }}</h1>
<p style="font-size:15px"><strong>{{ w.why }} :</strong> {{ reason }}</p>
{% if terms %}<p><strong>{{ w.terms }} :</strong> {{ terms|join(', ') }}</p>{% endif %}
{% if items %}<h2 style="font-size:16px">{{ w.items }}</h2>
<ul style="padding-left:18px">
{% for it in items %}<li style="margin-bottom:8px">
<a href="{{ link(it.id) }}">{{ it.platform }} · {{ it.author or '?' }}{% if it.followers %} ({{ it.followers }} {{ w.followers }}){% endif %}</a>
— {{ w.priority }} {{ it.priority }}{% if it.reasons_text %} · {{ it.reasons_text|join(', ') }}{% endif %}<br>
<span style="color:#374151">« {{ it.excerpt }} »</span></li>
{% endfor %}</ul>{% endif %}
{% if alerts %}<ul>{% for a in alerts %}<li>{{ a.title }}</li>{% endfor %}</ul>{% endif %}
<p><a href="{{ alerts_url }}" style="background:#1d4ed8;color:#fff;padding:8px 14px;border-radius:4px;text-decoration:none">{{ link_label }}</a></p>
<p style="font-size:12px;color:#6b7280">{{ footer }}{{ settings_url }}</p>
</body></html>"""
)


def _footer(kind: str, details: dict[str, Any], w: dict[str, str]) -> str:
    if kind in ACCOUNT_KINDS:
        return w["footer_account"]
    return w["footer_person"] if "person" in details else w["footer"]


def _settings_url(kind: str, details: dict[str, Any], base_url: str) -> str:
    # Where the reader changes what wrote to them: the connections, the rules, or the alert settings.
    page = "" if kind in ACCOUNT_KINDS else "/rules" if "person" in details else "/alerts"
    return f"{base_url.rstrip('/')}/settings{page}"


def render(kind: str, details: dict[str, Any], *, lang: str, brand_name: str, base_url: str,
           describe: Describe | None = None, platform_name: Describe | None = None) -> Message:
    """Subject, plain text and HTML of an alert for one reader's language, reasons in words and
    platforms by name when the caller gives `describe` and `platform_name` (code, lang -> words)."""
    w = words(lang)
    reason = reason_line(kind, details, lang, describe)
    subject = title(kind, details, lang, brand_name, describe)
    items = [{**it, "reasons_text": reasons_in_words(it.get("reasons"), lang, describe),
              "platform": platform_name(str(it.get("platform")), lang) if platform_name else it.get("platform")}
             for it in details.get("items", []) if isinstance(it, dict)]
    terms = details.get("terms", [])
    lines = [f"{w.get(kind, kind)} · {brand_name}", "", f"{w['why']} : {reason}"]
    if terms:
        lines.append(f"{w['terms']} : {', '.join(terms)}")
    if items:
        lines += ["", w["items"] + " :"]
        for it in items:
            who = it.get("author") or "?"
            lines.append(f"- {it.get('platform')} · {who} · {w['priority']} {it.get('priority')}"
                         f"{' · ' + ', '.join(it['reasons_text']) if it['reasons_text'] else ''}")
            lines.append(f"  « {it.get('excerpt', '')} »")
            lines.append(f"  {item_link(base_url, it['id'])}")
    held = [{**a, "title": worded_title(str(a.get("title", "")), lang, describe)}
            for a in details.get("alerts", []) if isinstance(a, dict)]
    for a in held:
        lines.append(f"- {a['title']}")
    link, link_label = action(kind, details, base_url, lang)
    lines += ["", f"{link_label} : {link}"]
    html = _HTML.render(
        lang=lang, subject=subject, label=w.get(kind, kind), brand=brand_name, w=w, reason=reason,
        terms=terms, items=items, alerts=held, link=lambda i: item_link(base_url, i),
        alerts_url=link, link_label=link_label,
        footer=_footer(kind, details, w), settings_url=_settings_url(kind, details, base_url),
    )
    return Message(subject=subject, text="\n".join(lines) + "\n", html=html)
