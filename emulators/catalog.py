"""Every emulator by platform name: its app factory and the demo account that connects to it."""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from aiohttp import web

from emulators.oauth import default_client

# The same names, in the same order, as the collectors' registry (a test checks they agree).
PLATFORMS: tuple[str, ...] = ("facebook", "instagram", "x", "youtube", "linkedin", "wordpress", "google", "rss", "imap")
# The emulators that carry an OAuth server (consent page, token endpoints, discovery).
OAUTH_PLATFORMS: tuple[str, ...] = ("facebook", "instagram", "x", "youtube", "linkedin", "google")
# Sign-ins whose OAuth server another platform's emulator carries: the mail emulator is Gmail's
# in its default flavour (Microsoft 365 needs one started with oauth_flavour="microsoft").
OAUTH_HOSTED: dict[str, str] = {"gmail": "imap"}


def _module(platform: str) -> ModuleType:
    if platform not in PLATFORMS:
        raise KeyError(f"no emulator for {platform!r}")
    return importlib.import_module(f"emulators.{platform}")


def create_app(platform: str, **options: Any) -> web.Application:
    """The aiohttp application emulating `platform`."""
    app: web.Application = _module(platform).create_app(**options)
    return app


def demo_account(platform: str, app: web.Application | None = None) -> dict[str, Any]:
    """The account fields that connect to `platform`'s emulator.

    An emulator not reached over HTTP alone (mail) says where its servers listen once `app` is started.
    """
    module = _module(platform)
    account_for = getattr(module, "demo_account", None)
    if account_for is not None and app is not None:
        account: dict[str, Any] = account_for(app)
        return account
    return dict(module.DEMO_ACCOUNT)


def oauth_clients() -> dict[str, tuple[str, str]]:
    """The app credentials (client id, client secret) each OAuth emulator accepts by default:
    what `jasette demo` configures so that "Connecter" works with nothing set up."""
    return {platform: default_client(platform) for platform in (*OAUTH_PLATFORMS, *OAUTH_HOSTED)}
