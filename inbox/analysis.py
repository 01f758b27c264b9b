"""Items stored without analysis (NLP stage off, missing or failing) and their late analyses."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import asyncpg

from inbox import rules
from inbox.db import Conn
from inbox.notify import notify_items
from inbox.types import Analysis

# What the NLP stage reads of an item (its text, audience, brand's languages and targets, and
# whether the business answered already, a review's stars); the re-scoring in inbox/rescore.py reads the same.
DOCUMENT_SELECT = """
select i.id, i.brand_id, i.platform, i.body, i.created_at, i.from_business, i.analyzed_at, a.followers,
       b.expected_langs, b.response_target_minutes, i.raw->'rating' as rating,
       exists (select 1 from items r where r.brand_id = i.brand_id and r.platform = i.platform
               and r.parent_external_id = i.external_id and r.from_business)
       or exists (select 1 from replies p where p.item_id = i.id and p.action = 'reply' and p.state = 'sent')
       as already_replied
from items i
join brands b on b.id = i.brand_id
left join authors a on a.id = i.author_id
"""

_PENDING = DOCUMENT_SELECT + """
where i.analyzed_at is null and i.deleted_at is null
order by i.id
limit $1
"""

# Only rows still unanalysed are written: an ingest that analysed a newer text meanwhile wins.
_STORE = """
update items i set lang = t.lang, lang_confidence = t.conf, sentiment = t.sentiment,
       polarity = t.polarity, priority = t.priority, reasons = t.reasons::jsonb, spam = t.spam,
       analyzed_at = $9, updated_at = now()
from unnest($1::bigint[], $2::text[], $3::real[], $4::text[], $5::real[], $6::int[], $7::text[], $8::bool[])
     as t(id, lang, conf, sentiment, polarity, priority, reasons, spam)
where i.id = t.id and i.analyzed_at is null
returning i.id, i.brand_id
"""


async def pending(conn: Conn | asyncpg.Pool, limit: int) -> list[dict[str, Any]]:
    """Unanalysed items, oldest first, with what their priority depends on (followers, brand, replies)."""
    return [dict(r) for r in await conn.fetch(_PENDING, limit)]


async def store_analyses(conn: Conn, ids: list[int], analyses: list[Analysis], now: datetime) -> int:
    """Write late analyses of items still unanalysed and notify each brand; how many were written."""
    async with conn.transaction():
        updated = await conn.fetch(
            _STORE,
            ids,
            [a.lang for a in analyses],
            [a.lang_confidence for a in analyses],
            [a.sentiment for a in analyses],
            [a.polarity for a in analyses],
            [max(0, min(100, a.priority)) for a in analyses],
            [json.dumps(a.reasons) for a in analyses],
            [a.spam for a in analyses],
            now,
        )
        by_brand: dict[int, list[int]] = {}
        for u in updated:
            by_brand.setdefault(u["brand_id"], []).append(u["id"])
        for brand_id, changed in by_brand.items():
            await rules.apply(conn, brand_id, changed, now=now)  # a first reading: the rules act now
            await notify_items(conn, brand_id, [], changed)
    return len(updated)
