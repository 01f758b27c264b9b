"""The catch-up job: analyse items stored while the NLP stage was off, missing or failing
(analyzed_at null), oldest first, and tell the inbox they changed."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime

import asyncpg

from collector.clock import utcnow
from collector.pipeline import Analyzer, analysis_of, document
from inbox.notify import notify_items
from inbox.types import Analysis
from nlp.types import Document

log = logging.getLogger(__name__)

_PENDING = """
select i.id, i.brand_id, i.platform, i.body, i.created_at, i.from_business, a.followers,
       b.expected_langs, b.response_target_minutes,
       exists (select 1 from items r where r.brand_id = i.brand_id and r.platform = i.platform
               and r.parent_external_id = i.external_id and r.from_business)
       or exists (select 1 from replies p where p.item_id = i.id and p.action = 'reply' and p.state = 'sent')
       as already_replied
from items i
join brands b on b.id = i.brand_id
left join authors a on a.id = i.author_id
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


async def _analyses(analyzer: Analyzer, docs: list[Document], ids: list[int]) -> list[Analysis]:
    """The batch's analyses; one text that always breaks the stage must not block the others."""
    try:
        results = await analyzer.analyze_batch(docs)
        if len(results) != len(docs):
            raise RuntimeError(f"NLP stage returned {len(results)} results for {len(docs)} items")
        return [analysis_of(res) for res in results]
    except Exception:
        if len(docs) == 1:
            raise
    # Item by item: if none works the stage itself is down (raise, retry later); if some work,
    # the others are poison and get the neutral default, so the queue moves on.
    found: list[Analysis | None] = []
    for doc in docs:
        try:
            found.append(analysis_of((await analyzer.analyze_batch([doc]))[0]))
        except Exception:  # noqa: BLE001 - judged below, over the whole batch
            found.append(None)
    if all(a is None for a in found):
        raise RuntimeError("the NLP stage fails on every item")
    for item_id, analysis in zip(ids, found):
        if analysis is None:
            log.warning("item %s: the NLP stage fails on its text; stored with a neutral analysis", item_id)
    return [a or Analysis() for a in found]


async def reanalyze_once(
    pool: asyncpg.Pool, analyzer: Analyzer, *, batch_size: int = 200, clock: Callable[[], datetime] = utcnow
) -> int:
    """Analyse one batch of unanalysed items; return how many were updated."""
    rows = await pool.fetch(_PENDING, batch_size)
    if not rows:
        return 0
    now = clock()
    docs = [
        document(
            r["body"], followers=r["followers"], already_replied=r["from_business"] or r["already_replied"],
            created_at=r["created_at"], now=now, expected_langs=r["expected_langs"],
            response_target_minutes=r["response_target_minutes"],
        )
        for r in rows
    ]
    analyses = await _analyses(analyzer, docs, [r["id"] for r in rows])
    async with pool.acquire() as conn, conn.transaction():
        updated = await conn.fetch(
            _STORE,
            [r["id"] for r in rows],
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
        for brand_id, ids in by_brand.items():
            await notify_items(conn, brand_id, [], ids)
    return len(updated)


async def reanalyze_all(pool: asyncpg.Pool, analyzer: Analyzer, *, batch_size: int = 200) -> int:
    """Catch up on every unanalysed item; return how many were analysed."""
    total = 0
    while True:
        done = await reanalyze_once(pool, analyzer, batch_size=batch_size)
        total += done
        if done == 0:
            return total
