"""One brand per pushed platform account: saving a Facebook Page or Instagram account another brand
already holds with proved access is refused in words, never silently shared (issue 13).

Pushed deliveries (webhooks) name only the platform account, so two brands holding it would both
receive its comments; the proof at the first poll (collector prove_access) stops a brand without
access, and this check stops the save itself, so the owner learns why at once."""

from __future__ import annotations

from collector import registry
from inbox import accounts
from inbox.db import Conn
from web import i18n


def receives_pushes(platform: str) -> bool:
    """Whether the platform pushes deliveries routed by the account's external id alone."""
    try:
        return registry.collector_class(platform).receives_pushes
    except registry.UnknownPlatform:
        return False


async def claim_refused(conn: Conn, *, brand_id: int, platform: str, external_id: str, lang: str | None = None) -> str | None:
    """Why this brand may not connect this account (in the user's language), or None when it may."""
    if not receives_pushes(platform):
        return None  # a WordPress site or feed path may rightly be connected by several brands
    if not await accounts.claimed_elsewhere(conn, brand_id=brand_id, platform=platform, external_id=external_id):
        return None
    # Which brand holds it is not said: that would tell one brand another's connections.
    return i18n.gettext(
        "Another brand already receives this {platform} account ({id}). One Page or account belongs to one"
        " brand: it must be removed from the other brand before it can be connected here.",
        lang, platform=i18n.platform_name(platform, lang), id=external_id,
    )
