"""Changes a platform pushed (webhooks), stored at once for every brand connected to the account.

Items arrive unanalysed; the worker's re-analysis loop analyses them. A removal of something
never stored is dropped, and hide/unhide only flip the flag of an item already stored.
"""

from __future__ import annotations

import logging

from inbox import accounts
from inbox.db import Conn
from inbox.ingest import ingest_batch
from inbox.notify import notify_items
from inbox.types import NewItem

log = logging.getLogger(__name__)

# Verbs that change an item's visibility on its platform rather than its content.
MODERATION = ("hide", "unhide")


async def known_external_ids(conn: Conn, brand_id: int, platform: str, external_ids: list[str]) -> set[str]:
    """Which of these platform ids the brand has stored."""
    rows = await conn.fetch(
        "select external_id from items where brand_id = $1 and platform = $2 and external_id = any($3::text[])",
        brand_id, platform, external_ids,
    )
    return {r["external_id"] for r in rows}


async def set_hidden(conn: Conn, brand_id: int, platform: str, external_id: str, hidden: bool) -> list[int]:
    """Record that the platform hid (or showed) a stored item, and notify; the ids that changed."""
    async with conn.transaction():
        rows = await conn.fetch(
            "update items set hidden = $4, updated_at = now() where brand_id = $1 and platform = $2"
            " and external_id = $3 and hidden <> $4 returning id",
            brand_id, platform, external_id, hidden,
        )
        ids = [r["id"] for r in rows]
        if ids:
            await notify_items(conn, brand_id, [], ids)
    return ids


async def store_changes(conn: Conn, platform: str, owner: str, changes: list[tuple[str, NewItem]]) -> int:
    """Store one platform account's (verb, item) changes for every brand connected to it; how many counted."""
    connected = await accounts.connected(conn, platform, owner)
    if not connected:
        log.info("webhook for %s account %s that no brand has connected; ignored", platform, owner)
        return 0
    stored = 0
    for account in connected:
        items = [item for verb, item in changes if verb not in MODERATION]
        moderation = [(item.external_id, verb == "hide") for verb, item in changes if verb in MODERATION]
        if any(i.deleted for i in items):
            # A removal of something never stored is no news: do not create a tombstone for it.
            known = await known_external_ids(conn, account["brand_id"], platform, [i.external_id for i in items if i.deleted])
            items = [i for i in items if not i.deleted or i.external_id in known]
        if items:
            result = await ingest_batch(conn, brand_id=account["brand_id"], account_id=account["id"], items=items)
            stored += len(result.new_ids) + len(result.changed_ids)
        for external_id, hidden in moderation:
            stored += len(await set_hidden(conn, account["brand_id"], platform, external_id, hidden))
    return stored
