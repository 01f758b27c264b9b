"""The connection form: what an owner types for one platform account, checked field by field.

What each platform takes is declared on its collector class (url_fields, setting_fields,
default_base_url), so this module names no platform. A mistake raises FormError, which the
settings routes turn into the form again with the error and everything typed (secrets aside).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.exceptions import HTTPException

from collector import registry
from collector.base import Collector, SettingField
from web import i18n
from web.security import safe_url

_ = i18n.gettext
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FormError(HTTPException):
    """A mistake in the form, in the owner's words; `field` names the input to mark (status 400)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(400, message)
        self.message, self.field = message, field


@dataclass(slots=True)
class Checked:
    """The form's values, ready to store."""

    base_url: str  # empty: the platform's own API root (collector.default_base_url)
    urls: dict[str, str] = field(default_factory=dict)  # URL-valued settings typed (empty ones left out)
    settings: dict[str, Any] = field(default_factory=dict)  # other settings typed
    cleared: list[str] = field(default_factory=list)  # settings left empty: back to their default


def platforms() -> list[str]:
    """Every platform the form offers."""
    return registry.platforms()


def declared(platform: str) -> type[Collector]:
    """The platform's collector class, which declares what its accounts take."""
    try:
        return registry.collector_class(platform)
    except registry.UnknownPlatform:
        return Collector  # a platform this version no longer knows: the defaults (http, https)


def setting_name(platform: str, key: str) -> str:
    """The form field of one platform setting (platform-qualified: the add form holds them all)."""
    return f"{platform}.{key}"


def url_settings() -> list[tuple[str, str]]:
    """Every URL-valued setting any platform takes, with its label (English), in a stable order."""
    labels: dict[str, str] = {}
    for platform in platforms():
        cls = declared(platform)
        for key in cls.url_fields:
            if key != "base_url":
                labels.setdefault(key, cls.url_labels.get(key, key))
    return sorted(labels.items())


def _schemes(schemes: tuple[str, ...]) -> str:
    return _(" or ").join(f"{s}://" for s in schemes)


def effective_base_url(platform: str, base_url: str) -> str:
    """Where the collector really goes: the stored address, or the platform's own root."""
    return base_url or declared(platform).default_base_url


def checked_urls(platform: str, form: Mapping[str, Any]) -> tuple[str, dict[str, str]]:
    """The base URL and URL settings from the form, each checked against the platform's schemes."""
    cls = declared(platform)
    fields = cls.url_fields
    raw = str(form.get("base_url", "") or "").strip()
    if not raw and cls.default_base_url:
        base_url = ""  # the platform's own root; a later default (a new API version) reaches it too
    elif not raw:
        raise FormError(_("The address is required for this platform ({schemes}).", schemes=_schemes(fields["base_url"])),
                        "base_url")
    else:
        found = safe_url(raw, fields["base_url"])
        if found is None:
            raise FormError(_("The API address must start with {schemes}.", schemes=_schemes(fields["base_url"])),
                            "base_url")
        base_url = found
    urls: dict[str, str] = {}
    for key, label in url_settings():
        value = str(form.get(key, "") or "").strip()
        if not value:
            continue
        label = _(label)
        if key not in fields:
            raise FormError(_("This platform takes no “{label}”.", label=label), key)
        url = safe_url(value, fields[key])
        if url is None:
            raise FormError(_("“{label}” must start with {schemes}.", label=label, schemes=_schemes(fields[key])), key)
        urls[key] = url
    return base_url, urls


def _value(spec: SettingField, raw: str, name: str) -> Any:
    label = _(spec.label)
    if _CONTROL.search(raw) or len(raw) > max(spec.max_length, 20):
        raise FormError(_("“{label}” is too long or holds characters it cannot take.", label=label), name)
    if spec.kind == "int":
        digits = raw.replace(" ", "").replace("\u00a0", "").replace("\u202f", "")
        lo, hi = spec.minimum, spec.maximum
        if not re.fullmatch(r"-?[0-9]{1,12}", digits) or (lo is not None and int(digits) < lo) or (
                hi is not None and int(digits) > hi):
            raise FormError(_("“{label}” must be a whole number from {low} to {high}.", label=label,
                              low=i18n.number(lo if lo is not None else 0), high=i18n.number(hi if hi is not None else 10**9)),
                            name)
        return int(digits)
    if len(raw) > spec.max_length or (spec.pattern and not re.fullmatch(spec.pattern, raw)):
        raise FormError(_("“{label}” is not in the expected form: {hint}", label=label, hint=_(spec.hint)), name)
    return raw


def checked_settings(platform: str, form: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The platform's other settings from the form: (typed values, keys left empty)."""
    values: dict[str, Any] = {}
    cleared: list[str] = []
    for spec in declared(platform).setting_fields:
        name = setting_name(platform, spec.key)
        if name not in form:
            continue  # not in this form at all (a script posting a few fields): left as stored
        raw = str(form.get(name, "") or "").strip()
        if raw.startswith("@") and spec.key == "username":
            raw = raw[1:]  # people type their handle as they see it
        if not raw:
            cleared.append(spec.key)
            continue
        values[spec.key] = _value(spec, raw, name)
    return values, cleared


def check(platform: str, form: Mapping[str, Any]) -> Checked:
    """Every field of one platform's form, checked; FormError at the first mistake."""
    base_url, urls = checked_urls(platform, form)
    settings, cleared = checked_settings(platform, form)
    return Checked(base_url, urls, settings, cleared)


def typed(platform: str, form: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """What the owner typed, to put back in the form beside an error (never a secret)."""
    names = ["name", "external_id", "base_url", *(k for k, _l in url_settings())]
    names += [setting_name(p, spec.key) for p in platforms() for spec in declared(p).setting_fields]
    return {"platform": platform, "values": {n: str(form.get(n, "") or "")[:4000] for n in names},
            "enabled": form.get("enabled") == "on", **extra}


def credentials(form: Mapping[str, Any]) -> dict[str, str]:
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
    """True when the edit sends the account somewhere else (scheme, host or port of any address);
    an empty address is the platform's own root."""
    platform = str(found.get("platform", ""))
    if _origin(effective_base_url(platform, base_url)) != _origin(effective_base_url(platform, str(found["base_url"]))):
        return True
    stored = found.get("settings") or {}
    return any(_origin(url) != _origin(str(stored.get(key) or "")) for key, url in settings.items())


def reconnect_path(account: Mapping[str, Any]) -> str:
    """Where an owner reconnects an account: the platform's consent flow, or the account's edit form."""
    # connect_code: the sign-in the account was connected with (web/routes_settings.py `_accounts`;
    # a mailbox has Gmail's or Microsoft 365's), None for platforms without one.
    code = account.get("connect_code")
    if code:
        return f"/settings/connect/{code}?account={int(account['id'])}"
    return f"/settings?edit={int(account['id'])}#account-{int(account['id'])}"
