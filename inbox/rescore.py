"""Items the fast NLP layer read at ingest, waiting for the full path's re-scoring, and its readings."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from inbox import rules
from inbox.analysis import DOCUMENT_SELECT
from inbox.db import Conn
from inbox.notify import notify_items
from inbox.types import Analysis

# The fast layer's least sure readings first: a polarity near 0 (neutral, or a near tie between
# praise and complaint) is where it errs most; then the newest, which staff are about to read.
_DUE = DOCUMENT_SELECT + """
where i.analyzed_at is not null and i.rescored_at is distinct from i.analyzed_at and i.deleted_at is null
order by abs(i.polarity), i.created_at desc, i.id desc
limit $1
"""

# Written only over the reading it replaces (same analyzed_at): an edit analysed again meanwhile
# wins, and is re-scored on a later pass. Changed readings are returned to notify the inbox.
_STORE = """
with t as (
    select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::real[], $5::text[], $6::real[],
                         $7::int[], $8::text[], $9::bool[])
         as t(id, seen, lang, conf, sentiment, polarity, priority, reasons, spam)
), old as (
    select i.id, i.sentiment, i.priority, i.reasons, i.spam from items i join t on t.id = i.id
    where i.analyzed_at = t.seen for update of i
)
update items i set lang = t.lang, lang_confidence = t.conf, sentiment = t.sentiment, polarity = t.polarity,
       priority = t.priority, reasons = t.reasons::jsonb, spam = t.spam, rescored_at = t.seen,
       updated_at = case when (old.sentiment, old.priority, old.reasons, old.spam)
                              is distinct from (t.sentiment, t.priority, t.reasons::jsonb, t.spam)
                         then now() else i.updated_at end
from t join old on old.id = t.id
where i.id = t.id
returning i.id, i.brand_id,
          (old.sentiment, old.priority, old.reasons, old.spam)
          is distinct from (t.sentiment, t.priority, t.reasons::jsonb, t.spam) as changed
"""


async def due(conn: Conn | asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    """Items read by the fast layer and not yet re-scored, least sure first, with what priority depends on."""
    return [dict(r) for r in await conn.fetch(_DUE, limit)]


async def store_rescored(conn: Conn, rows: list[dict[str, Any]], analyses: list[Analysis]) -> int:
    """Write the full path's readings over the fast ones they replace; notify each brand of the changed items.

    rows are due()'s rows (their analyzed_at guards against a newer text); returns how many changed.
    """
    async with conn.transaction():
        updated = await conn.fetch(
            _STORE,
            [r["id"] for r in rows],
            [r["analyzed_at"] for r in rows],
            [a.lang for a in analyses],
            [a.lang_confidence for a in analyses],
            [a.sentiment for a in analyses],
            [a.polarity for a in analyses],
            [max(0, min(100, a.priority)) for a in analyses],
            [json.dumps(a.reasons) for a in analyses],
            [a.spam for a in analyses],
        )
        by_brand: dict[int, list[int]] = {}
        for u in updated:
            if u["changed"]:
                by_brand.setdefault(u["brand_id"], []).append(u["id"])
        for brand_id, changed in by_brand.items():
            await rules.apply(conn, brand_id, changed)  # the reading changed: the rules look again
            await notify_items(conn, brand_id, [], changed)
    return sum(len(v) for v in by_brand.values())
