"""The one place that names every platform: its collector class and its parser.

Entries are "module:attribute" strings imported on first use, so a platform's code loads only
when it is needed, and a broken platform module cannot stop the others. What people read of a
platform (its name, its URL settings and their labels) is declared on its collector class.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collector.base import Collector
    from collector.oauth import Provider

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

# Platforms an owner connects with OAuth: "module:attribute" of their collector.oauth.Provider.
OAUTH: dict[str, str] = {
    "facebook": "collector.oauth_meta:FACEBOOK",
    "instagram": "collector.oauth_meta:INSTAGRAM",
    "x": "collector.oauth_x:X",
    "youtube": "collector.oauth_google:YOUTUBE",
    "linkedin": "collector.oauth_linkedin:LINKEDIN",
    "google": "collector.oauth_google:BUSINESS",
    # Newsletter mailboxes: two applications, one platform. Each saves an "imap" account whose
    # IMAP and SMTP logins use XOAUTH2 with its tokens (collector/oauth_mail.py).
    "gmail": "collector.oauth_mail:GMAIL",
    "outlook": "collector.oauth_mail:MICROSOFT",
}

# Each parser module offers `parse(body: bytes | str) -> list[NewItem]` for `jasette parse`.
PARSERS: dict[str, str] = {name: f"collector.{name}:parse" for name in COLLECTORS}
PARSERS["linkedin"] = "collector.linkedin_items:parse"  # its mapping is a module of its own


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


def collector_class(platform: str) -> type[Collector]:
    """The Collector subclass for `platform`: it also declares the platform's name and URL settings."""
    cls: type[Collector] = _load(COLLECTORS, platform)
    return cls


def parser(platform: str) -> Any:
    """The function that maps one raw response body of `platform` to items."""
    return _load(PARSERS, platform)


def oauth_provider(platform: str) -> Provider | None:
    """The OAuth provider of a connect code (a platform, or "gmail"...), or None for platforms
    connected otherwise (feeds, WordPress, mail with a password)."""
    if platform not in OAUTH:
        return None
    provider: Provider = _load(OAUTH, platform)
    return provider


def oauth_platforms() -> list[str]:
    """Connect codes of the OAuth applications: platforms in the order of `platforms()`, then the
    applications that save another platform's accounts (mailboxes)."""
    return [p for p in COLLECTORS if p in OAUTH] + [code for code in OAUTH if code not in COLLECTORS]


def platforms() -> list[str]:
    """Every platform name, in a stable order."""
    return list(COLLECTORS)


def display_name(platform: str, cls: Any = None) -> str:
    """The name people read for `platform` (or a connect code): declared on its collector class (or
    its OAuth provider); the code itself when unknown."""
    if cls is None:
        try:
            cls = collector_class(platform) if platform in COLLECTORS or platform not in OAUTH else oauth_provider(platform)
        except Exception:  # the caller may be reporting that very failure: the code will do
            return platform
    return getattr(cls, "display_name", "") or platform
