"""A brand's time zone: alerts (quiet hours, windows) and weekly summaries both count in it."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str | None) -> ZoneInfo:
    """The brand's time zone, falling back to Montreal on an unknown name."""
    try:
        return ZoneInfo(name or "America/Montreal")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("America/Montreal")
