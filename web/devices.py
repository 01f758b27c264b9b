"""A browser's User-Agent as a person reads it: "Firefox · Windows" (for the sessions list)."""

from __future__ import annotations

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
             ("Chromium/", "Chromium"), ("Safari/", "Safari"), ("curl/", "curl"), ("python-httpx/", "httpx"))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS X", "macOS"), ("CrOS", "ChromeOS"), ("Linux", "Linux"))


def describe(user_agent: str) -> str:
    """Browser and system, or the start of the raw string when neither is known ('' when empty)."""
    browser = next((name for key, name in _BROWSERS if key in user_agent), "")
    system = next((name for key, name in _SYSTEMS if key in user_agent), "")
    if not browser and not system:
        return user_agent[:60]
    return " · ".join(part for part in (browser, system) if part)
