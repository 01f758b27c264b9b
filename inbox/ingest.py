"""Idempotent batch ingest: one upsert for a page of items, the cursor saved in the same
transaction, one NOTIFY per batch. Ingesting the same page twice changes and notifies nothing."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from inbox import rules
from inbox.db import Conn
from inbox.normalize import normalize, raw_json
from inbox.notify import notify_items
from inbox.types import Author, IngestResult, NewItem

log = logging.getLogger(__name__)

# Authors are the brand's own rows (migration 1300): another brand's sources seeing "the same"
# person never change the name, profile link or follower count this brand sees.
_UPSERT_AUTHORS = """
insert into authors as a (brand_id, platform, external_id, name, handle, followers, url, avatar_url)
select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[])
on conflict (brand_id, platform, external_id) do update set
    name = excluded.name, handle = excluded.handle,
    followers = coalesce(excluded.followers, a.followers),
    url = coalesce(excluded.url, a.url), avatar_url = coalesce(excluded.avatar_url, a.avatar_url),
    updated_at = now()
where (a.name, a.handle, a.followers, a.url, a.avatar_url)
      is distinct from (excluded.name, excluded.handle, coalesce(excluded.followers, a.followers),
                        coalesce(excluded.url, a.url), coalesce(excluded.avatar_url, a.avatar_url))
"""

_AUTHOR_IDS = """
select a.id, a.platform, a.external_id from authors a
join unnest($2::text[], $3::text[]) as k(platform, external_id)
  on a.brand_id = $1 and a.platform = k.platform and a.external_id = k.external_id
"""

# An edit: the platform sent another text for an item that is not being deleted.
_EDITED = "(excluded.deleted_at is null and i.body is distinct from excluded.body)"
# The analysis is taken on an edit, or when the stored item had none yet (a webhook came first).
_TAKE_ANALYSIS = f"({_EDITED} or (i.analyzed_at is null and excluded.analyzed_at is not null))"
_ANALYSIS = ("lang", "lang_confidence", "sentiment", "polarity", "priority", "reasons", "spam", "analyzed_at")

# One statement that inserts or updates only what really changed (so a replayed page changes
# and notifies nothing); the items_keep_revision trigger keeps the text an edit replaced.
_UPSERT_ITEMS = f"""
insert into items as i (
    brand_id, account_id, platform, external_id, kind, author_id, parent_external_id,
    thread_external_id, body, url, from_business, created_at, deleted_at, raw, lang,
    lang_confidence, sentiment, polarity, priority, reasons, spam, analyzed_at)
select $1, $2, platform, external_id, kind, author_id, parent, thread, body, url,
       from_business, created_at, case when deleted then now() end, raw::jsonb, lang,
       lang_conf, sentiment, polarity, priority, reasons::jsonb, spam,
       case when analyzed then now() end
from unnest(
    $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[],
    $10::text[], $11::bool[], $12::timestamptz[], $13::bool[], $14::text[], $15::text[],
    $16::real[], $17::text[], $18::real[], $19::int[], $20::text[], $21::bool[], $22::bool[])
as t(platform, external_id, kind, author_id, parent, thread, body, url, from_business,
     created_at, deleted, raw, lang, lang_conf, sentiment, polarity, priority, reasons, spam,
     analyzed)
on conflict (account_id, external_id) do update set
    body = case when {_EDITED} then excluded.body else i.body end,
    edited_at = case when {_EDITED} then now() else i.edited_at end,
    deleted_at = coalesce(i.deleted_at, excluded.deleted_at),
    author_id = coalesce(excluded.author_id, i.author_id),
    url = coalesce(excluded.url, i.url),
    raw = excluded.raw,
    updated_at = now(),
    {", ".join(f"{c} = case when {_TAKE_ANALYSIS} then excluded.{c} else i.{c} end" for c in _ANALYSIS)}
where {_EDITED}
   or (excluded.deleted_at is not null and i.deleted_at is null)
   or (i.analyzed_at is null and excluded.analyzed_at is not null)
   or (i.url is null and excluded.url is not null)
   or (i.author_id is null and excluded.author_id is not null)
returning i.id, (i.xmax = 0) as inserted
"""


def _author_rows(items: list[NewItem]) -> dict[tuple[str, str], Author]:
    authors: dict[tuple[str, str], Author] = {}
    for item in items:
        if item.author is not None and item.author.external_id:
            authors[(item.platform, item.author.external_id)] = item.author
    return authors


async def _author_ids(conn: Conn, brand_id: int, authors: dict[tuple[str, str], Author]) -> dict[tuple[str, str], int]:
    if not authors:
        return {}
    keys = list(authors)
    rows = [authors[k] for k in keys]
    await conn.execute(
        _UPSERT_AUTHORS,
        brand_id,
        [k[0] for k in keys],
        [k[1] for k in keys],
        [a.name or "" for a in rows],
        [a.handle or "" for a in rows],
        [a.followers if isinstance(a.followers, int) and a.followers >= 0 else None for a in rows],
        [a.url for a in rows],
        [a.avatar_url for a in rows],
    )
    found = await conn.fetch(_AUTHOR_IDS, brand_id, [k[0] for k in keys], [k[1] for k in keys])
    return {(r["platform"], r["external_id"]): r["id"] for r in found}


def _columns(items: list[NewItem], author_ids: dict[tuple[str, str], int]) -> list[list[Any]]:
    cols: list[list[Any]] = [[] for _ in range(20)]
    for it in items:
        a = it.analysis
        author_id = author_ids.get((it.platform, it.author.external_id)) if it.author else None
        values = (
            it.platform, it.external_id, it.kind, author_id, it.parent_external_id,
            it.thread_external_id, it.body, it.url, it.from_business, it.created_at, it.deleted,
            raw_json(it.raw),
            a.lang if a else "und", a.lang_confidence if a else 0.0,
            a.sentiment if a else "neutral", a.polarity if a else 0.0,
            max(0, min(100, int(a.priority))) if a else 0,
            json.dumps(list(a.reasons) if a else []), a.spam if a else False, a is not None,
        )
        for col, value in zip(cols, values):
            col.append(value)
    return cols


async def ingest_batch(
    conn: Conn,
    *,
    brand_id: int,
    account_id: int,
    items: list[NewItem],
    cursor: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> IngestResult:
    """Store a page of items and the account's cursor in one transaction; NOTIFY what changed."""
    valid, problems = normalize(items, now or datetime.now(UTC))
    for problem in problems:
        log.warning("ingest %s: item %s: %s", "normalised" if problem.stored else "rejected", problem.external_id, problem.reason)
    result = IngestResult(problems=problems)
    async with conn.transaction():
        if valid:
            author_ids = await _author_ids(conn, brand_id, _author_rows(valid))
            rows = await conn.fetch(_UPSERT_ITEMS, brand_id, account_id, *_columns(valid, author_ids))
            result.new_ids = [r["id"] for r in rows if r["inserted"]]
            result.changed_ids = [r["id"] for r in rows if not r["inserted"]]
            # The brand's automation rules act before anyone is told: the inbox shows the item
            # already tagged and assigned. Changed items are read again (an edit, a first reading).
            await rules.apply(conn, brand_id, result.new_ids + result.changed_ids, now=now)
        if cursor is not None:
            await conn.execute(
                "update accounts set cursor = $2, updated_at = now() where id = $1", account_id, cursor
            )
        if result.new_ids or result.changed_ids:
            await notify_items(conn, brand_id, result.new_ids, result.changed_ids)
    return result
