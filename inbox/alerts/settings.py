"""An owner's alert settings in PostgreSQL: the brand's rules, and its channels in brand settings."""

from __future__ import annotations

from datetime import time
from typing import Any

from inbox.db import Conn


async def list_rules(conn: Conn, brand_id: int) -> list[dict[str, Any]]:
    """The brand's alert rules as stored (params hold only what differs from the defaults)."""
    return [dict(r) for r in await conn.fetch("select * from alert_rules where brand_id = $1 order by id", brand_id)]


async def rule_kind(conn: Conn, brand_id: int, rule_id: int) -> str | None:
    """The kind of one rule of the brand; None when it is not the brand's."""
    value: str | None = await conn.fetchval("select kind from alert_rules where id = $1 and brand_id = $2", rule_id, brand_id)
    return value


async def save_rule(
    conn: Conn, brand_id: int, rule_id: int, *, enabled: bool, params: dict[str, Any],
    channels: list[str], cooldown_minutes: int, quiet_start: time | None, quiet_end: time | None,
) -> bool:
    """Store one rule of the brand as the owner edited it; False when it is not the brand's."""
    status = await conn.execute(
        "update alert_rules set enabled = $3, params = $4, channels = $5, cooldown_minutes = $6,"
        " quiet_start = $7, quiet_end = $8 where id = $1 and brand_id = $2",
        rule_id, brand_id, enabled, params, channels, cooldown_minutes, quiet_start, quiet_end,
    )
    return status.endswith(" 1")


async def merge_brand_settings(conn: Conn, brand_id: int, patch: dict[str, Any]) -> None:
    """Merge keys (alert e-mails, webhook, summary hour) into the brand's settings."""
    await conn.execute("update brands set settings = settings || $2::jsonb where id = $1", brand_id, patch)
