"""Reports over any date range: items received per platform and sentiment, replies sent, and
first-response times per staff member and for the whole brand.

The rules are the weekly summary's (inbox/summary/query.py): an item is what a customer wrote
and still exists (not the business's own posts or replies, not deleted); spam is counted apart
and never in a figure; only a reply the platform accepted (state 'sent') is a reply. An item's
first-response time is `items.first_response_seconds`, set by outbox.mark_sent when the first
accepted reply went out; the person it counts for is whoever wrote that reply.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.db import Conn

SENTIMENTS = ("negative", "neutral", "positive", "unanalyzed")

_ITEMS = ("i.brand_id = $1 and not i.from_business and i.kind <> 'post' and i.deleted_at is null"
          " and i.created_at >= $2 and i.created_at < $3")

_RECEIVED = f"""
select i.platform,
       case when i.analyzed_at is null then 'unanalyzed'
            else coalesce(i.sentiment_override, i.sentiment) end as sentiment,
       i.spam, count(*)::int as n
from items i where {_ITEMS}
group by 1, 2, 3
"""

# One row per person who wrote a first response (user_id null: a removed account), and the
# brand's overall row (grouping sets' empty set). The first accepted reply of the item names
# the person; a failed or still-queued attempt before it names nobody. The replies are read
# once by brand and time (index replies_sent_by_brand, migration 1820) and hash-joined: one
# look-up per answered item was ten times slower over two years. A reply sent before the item
# was stored (a platform's clock a little ahead) is still found: the replies read start a day early.
_FIRST_RESPONSES = f"""
with firsts as (
    select distinct on (r.item_id) r.item_id, r.user_id
    from replies r
    where r.brand_id = $1 and r.action = 'reply' and r.state = 'sent' and r.sent_at >= $2::timestamptz - interval '1 day'
    order by r.item_id, r.sent_at, r.id
),
answered as (
    select i.first_response_seconds as seconds, f.user_id
    from items i left join firsts f on f.item_id = i.id
    where {_ITEMS} and not i.spam and i.first_response_seconds is not null
)
select grouping(user_id) = 1 as overall, user_id, count(*)::int as answered,
       percentile_cont(0.5) within group (order by seconds) as median,
       percentile_cont(0.9) within group (order by seconds) as p90
from answered group by grouping sets ((user_id), ())
"""

_UNANSWERED = f"""
select count(*)::int from items i
where {_ITEMS} and not i.spam and i.first_response_at is null and i.status <> 'done'
"""

# Replies sent in the range (by when they went out), to any item received at any time, but
# never to spam nor to the business's own posts (which are not items).
_REPLIES_SENT = """
select r.user_id, count(*)::int as n
from replies r join items i on i.id = r.item_id
where r.brand_id = $1 and r.action = 'reply' and r.state = 'sent' and r.sent_at >= $2 and r.sent_at < $3
  and not i.spam and not i.from_business and i.kind <> 'post'
group by r.user_id
"""

_NAMES = "select id, coalesce(nullif(name, ''), email) as name from users where id = any($1::bigint[])"


def _seconds(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def _received(rows: list[Any]) -> dict[str, Any]:
    by_platform: dict[str, dict[str, int]] = {}
    totals = {s: 0 for s in SENTIMENTS}
    spam = 0
    for r in rows:
        if r["spam"]:
            spam += r["n"]
            continue
        counts = by_platform.setdefault(r["platform"], {s: 0 for s in SENTIMENTS})
        counts[r["sentiment"]] += r["n"]
        totals[r["sentiment"]] += r["n"]
    platforms: list[dict[str, Any]] = [{"platform": p, **c, "total": sum(c.values())} for p, c in by_platform.items()]
    platforms.sort(key=lambda row: (-row["total"], row["platform"]))
    return {"by_platform": platforms, "totals": {**totals, "total": sum(totals.values())}, "spam": spam}


async def compute(conn: Conn, brand_id: int, start: datetime, end: datetime) -> dict[str, Any]:
    """The brand's report for [start, end): received items, replies sent, first responses."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        # Two years of a busy brand sort a few hundred thousand rows (first replies, percentiles):
        # in memory rather than in temporary files (the default 4 MB spills them), this transaction only.
        await conn.execute("set local work_mem = '32MB'")
        received = await conn.fetch(_RECEIVED, brand_id, start, end)
        firsts = await conn.fetch(_FIRST_RESPONSES, brand_id, start, end)
        unanswered = await conn.fetchval(_UNANSWERED, brand_id, start, end)
        sent = {r["user_id"]: r["n"] for r in await conn.fetch(_REPLIES_SENT, brand_id, start, end)}
        people = {r["user_id"] for r in firsts if not r["overall"]} | set(sent)
        names = {r["id"]: r["name"] for r in await conn.fetch(_NAMES, [p for p in people if p is not None])}
    overall = next((r for r in firsts if r["overall"]), None)
    by_user = {r["user_id"]: r for r in firsts if not r["overall"]}
    staff = []
    for user_id in people:
        row = by_user.get(user_id)
        staff.append({
            "user_id": user_id, "name": names.get(user_id) if user_id is not None else None,
            "replies_sent": sent.get(user_id, 0), "first_responses": row["answered"] if row else 0,
            "median_seconds": _seconds(row["median"]) if row else None,
            "p90_seconds": _seconds(row["p90"]) if row else None,
        })
    # Most first responses first; a removed account's row last.
    staff.sort(key=lambda s: (s["user_id"] is None, -s["first_responses"], -s["replies_sent"], s["name"] or ""))
    return {
        "start": start.isoformat(), "end": end.isoformat(),
        "received": _received(list(received)),
        "replies_sent": sum(sent.values()),
        "staff": staff,
        "overall": {
            "first_responses": overall["answered"] if overall else 0,
            "median_seconds": _seconds(overall["median"]) if overall else None,
            "p90_seconds": _seconds(overall["p90"]) if overall else None,
            "unanswered": int(unanswered or 0),
        },
    }
