"""The one place that names every platform: its collector class and its emulator app factory.

Entries are "module:attribute" strings imported on first use, so a platform's code loads only
when an account of that platform exists, and a broken platform module cannot stop the others.
"""

from __future__ import annotations

import importlib
from typing import Any

COLLECTORS: dict[str, str] = {
    "facebook": "collector.facebook:FacebookCollector",
    "instagram": "collector.instagram:InstagramCollector",
    "x": "collector.x:XCollector",
    "youtube": "collector.youtube:YouTubeCollector",
    "linkedin": "collector.linkedin:LinkedInCollector",
    "wordpress": "collector.wordpress:WordPressCollector",
    "google": "collector.google:GoogleCollector",
    "rss": "collector.rss:RssCollector",
    "imap": "collector.imap:ImapCollector",
}

# What people read (UI, error messages). English where the name needs translating: the web
# catalogue holds the French ("Google reviews" -> "Google (avis)", "E-mail" -> "Courriel").
DISPLAY_NAMES: dict[str, str] = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "youtube": "YouTube",
    "linkedin": "LinkedIn",
    "wordpress": "WordPress",
    "google": "Google reviews",
    "rss": "RSS",
    "imap": "E-mail",
}

# URL schemes an account accepts, per field: its base_url and any URL-valued settings.
# Platforms not listed take an http(s) base_url and no URL setting.
URL_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "imap": {"base_url": ("imap", "imaps"), "smtp_url": ("smtp", "smtps")},
}
_HTTP_FIELDS: dict[str, tuple[str, ...]] = {"base_url": ("http", "https")}

# Each emulator module offers `create_app(**options) -> aiohttp.web.Application`.
EMULATORS: dict[str, str] = {name: f"collector.emulators.{name}:create_app" for name in COLLECTORS}

# Each parser module offers `parse(body: bytes | str) -> list[NewItem]` for `jasette parse`.
PARSERS: dict[str, str] = {name: f"collector.{name}:parse" for name in COLLECTORS}


class UnknownPlatform(ValueError):
    """The name is not one of the platforms Jasette knows."""


def _load(table: dict[str, str], platform: str) -> Any:
    try:
        target = table[platform]
    except KeyError:
        known = ", ".join(sorted(table))
        raise UnknownPlatform(f"unknown platform {platform!r} (known: {known})") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def collector_class(platform: str) -> Any:
    """The Collector subclass for `platform`."""
    return _load(COLLECTORS, platform)


def emulator_factory(platform: str) -> Any:
    """The aiohttp app factory of `platform`'s local emulator."""
    return _load(EMULATORS, platform)


def parser(platform: str) -> Any:
    """The function that maps one raw response body of `platform` to items."""
    return _load(PARSERS, platform)


def platforms() -> list[str]:
    """Every platform name, in a stable order."""
    return list(COLLECTORS)


def display_name(platform: str, cls: Any = None) -> str:
    """The name people read for `platform` (its collector class's own, if given; the code itself when unknown)."""
    return getattr(cls, "display_name", "") or DISPLAY_NAMES.get(platform, platform)


def url_fields(platform: str) -> dict[str, tuple[str, ...]]:
    """The URL schemes `platform`'s account accepts: {"base_url": (...), setting: (...)}."""
    return URL_FIELDS.get(platform, _HTTP_FIELDS)
