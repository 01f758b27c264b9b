"""A client for the emulators' control API (`/_control/...`), for tests, the demo and benches."""

from __future__ import annotations

from typing import Any

import aiohttp


class ControlError(RuntimeError):
    """The emulator refused a control request."""


class EmulatorControl:
    """Inject items, switch faults and read the state of one running emulator."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.url = base_url.rstrip("/") + "/_control"

    async def _send(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        async with self.session.request(method, self.url + path, json=payload) as resp:
            if resp.status >= 400:
                raise ControlError(f"{method} {path}: HTTP {resp.status}: {await resp.text()}")
            return await resp.json()

    async def inject(self, **payload: Any) -> str:
        """Add an item (kind, text, author_name, author_handle, author_id, followers, parent, created_at)."""
        return str((await self._send("POST", "/inject", payload))["external_id"])

    async def inject_many(self, count: int, **payload: Any) -> list[str]:
        """Add `count` items at once ("{i}" in the text becomes their number); their ids in order."""
        answer = await self._send("POST", "/inject", {**payload, "count": count})
        return [str(i) for i in answer.get("external_ids") or [answer["external_id"]]]

    async def edit(self, external_id: str, text: str) -> str:
        """Change the text of an item (a new version id on X)."""
        return str((await self._send("POST", "/inject", {"edit": external_id, "text": text}))["external_id"])

    async def delete(self, external_id: str) -> None:
        """Delete an item, as its author would."""
        await self._send("POST", "/inject", {"delete": external_id})

    async def fault(self, mode: str, count: int | None = None, **options: Any) -> None:
        """Switch a fault on for `count` API requests (None: until switched off)."""
        await self._send("POST", "/fault", {"mode": mode, "count": count, **options})

    async def clear_fault(self) -> None:
        """Switch faults off."""
        await self._send("DELETE", "/fault")

    async def state(self) -> dict[str, Any]:
        """What the emulator holds: replies received, hidden ids, request count..."""
        return dict(await self._send("GET", "/state"))

    async def reset(self) -> None:
        """Forget everything injected."""
        await self._send("POST", "/reset")

    async def advance_clock(self, seconds: float) -> str:
        """Move an OAuth emulator's clock (tokens and codes expire as they would); the new time."""
        return str((await self._send("POST", "/clock", {"advance_seconds": seconds}))["now"])

    async def revoke_grants(self) -> int:
        """Revoke every OAuth grant of the emulator, as removing the app does; how many were live."""
        return int((await self._send("POST", "/revoke"))["revoked"])

    async def webhook(self, url: str | None, app_secret: str | None = None) -> None:
        """Facebook, Instagram: where subscribed changes are delivered (signed with `app_secret`,
        by default the emulator's client secret); None stops deliveries."""
        await self._send("POST", "/webhook", {"url": url, "app_secret": app_secret})
