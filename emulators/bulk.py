"""Bulk injection for the emulators: `{"count": n, "text": "... {i} ..."}` adds n items at once.

Tests and benches need threads of thousands of comments; one control request per comment would
spend seconds on HTTP alone. Items are spaced one second apart, ending now, oldest first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any


def inject_many(
    inject_one: Callable[[dict[str, Any]], dict[str, Any]], payload: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Inject payload["count"] items; answer the last id and all of them, in order."""
    count = int(payload["count"])
    ids = []
    for index in range(count):
        one = {k: v for k, v in payload.items() if k != "count"}
        one["text"] = str(payload.get("text", "")).replace("{i}", str(index))
        one["created_at"] = (now - timedelta(seconds=count - 1 - index)).isoformat()
        ids.append(inject_one(one)["external_id"])
    return {"external_id": ids[-1] if ids else None, "external_ids": ids}
