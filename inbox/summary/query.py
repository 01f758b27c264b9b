"""The weekly summary's figures, computed in SQL over the items table (one brand, one week).

Counted items are what customers wrote and still exists: not the business's own replies, not
deleted; spam is counted apart and left out of everything else. Sentiment uses the staff
correction when there is one, and only analysed items.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import asyncpg

from inbox.db import Conn
from inbox.summary.period import SummaryError, Week, parse_week
from inbox.summary.stopwords import STOP_WORDS
from inbox.zones import zone

SENTIMENTS = ("negative", "neutral", "positive")
TOP_TERMS = 10
TOP_URGENT = 10
TERMS_SAMPLE = 20_000

_BASE = "i.brand_id = $1 and not i.from_business and i.deleted_at is null"

# One scan of both weeks; everything else about volume and sentiment is summed from it. The
# week before only needs totals and sentiment, so its rows skip the day/platform/language keys.
_COUNTS = f"""
select i.created_at >= $2 as current,
       case when i.created_at >= $2 then (i.created_at at time zone $4)::date end as day,
       case when i.created_at >= $2 then i.platform end as platform,
       case when i.created_at >= $2 then coalesce(i.lang_override, i.lang) end as lang,
       coalesce(i.sentiment_override, i.sentiment) as sentiment,
       i.analyzed_at is not null as analyzed, i.spam, count(*)::int as n, sum(i.polarity)::float8 as polarity
from items i where {_BASE} and i.created_at >= $3 and i.created_at < $5
group by 1, 2, 3, 4, 5, 6, 7
"""

# Document frequency of words of negative and positive items; 'simple' keeps words unstemmed
# and lower-cased, and splits French elisions (l'attente -> l, attente). Tokenising is the
# costly part, so a very busy week reads TERMS_SAMPLE items of each sentiment (whichever the
# scan meets first): the top ten words of 20,000 comments are those of 200,000. Stop words
# are dropped after counting, on a few thousand distinct words rather than every occurrence.
_TERMS = f"""
with sample as (
    (select 'negative' as sentiment, i.body from items i
     where {_BASE} and not i.spam and i.analyzed_at is not null and i.created_at >= $2 and i.created_at < $3
       and coalesce(i.sentiment_override, i.sentiment) = 'negative' limit $6)
    union all
    (select 'positive', i.body from items i
     where {_BASE} and not i.spam and i.analyzed_at is not null and i.created_at >= $2 and i.created_at < $3
       and coalesce(i.sentiment_override, i.sentiment) = 'positive' limit $6)
),
counted as (
    select s.sentiment, w.term, count(*)::int as n
    from sample s, unnest(tsvector_to_array(to_tsvector('simple', s.body))) as w(term)
    group by s.sentiment, w.term
),
kept as (
    select * from counted where length(term) >= 3 and term !~ '[0-9_]' and term <> all($4::text[])
)
select sentiment, term, n from (
    select *, row_number() over (partition by sentiment order by n desc, term) as rank from kept
) r where rank <= $5 order by sentiment, rank
"""

_URGENT = f"""
select i.id, i.platform, i.kind, left(i.body, 280) as excerpt, i.priority, i.reasons, i.status, i.url,
       coalesce(i.sentiment_override, i.sentiment) as sentiment, i.created_at, i.first_response_seconds,
       coalesce(nullif(au.name, ''), au.handle, '') as author
from items i left join authors au on au.id = i.author_id
where {_BASE} and not i.spam and i.analyzed_at is not null and i.priority > 0
  and i.created_at >= $2 and i.created_at < $3
order by i.priority desc, i.created_at, i.id limit $4
"""

_RESPONSE = f"""
select count(i.first_response_seconds)::int as answered,
       percentile_cont(0.5) within group (order by i.first_response_seconds) as median,
       percentile_cont(0.9) within group (order by i.first_response_seconds) as p90,
       count(*) filter (where i.first_response_at is null and i.status <> 'done')::int as unanswered
from items i where {_BASE} and not i.spam and i.created_at >= $2 and i.created_at < $3
"""

_ALERTS = """
select id, kind, title, created_at from alerts
where brand_id = $1 and created_at >= $2 and created_at < $3 and kind <> 'test'
order by created_at, id
"""


def _shares(counts: dict[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {s: round(counts[s] / total, 4) if total else 0.0 for s in SENTIMENTS}


def _sentiment_block(rows: list[Any]) -> dict[str, Any]:
    counts = {s: 0 for s in SENTIMENTS}
    polarity = 0.0
    for r in rows:
        if r["analyzed"] and not r["spam"]:
            counts[r["sentiment"]] += r["n"]
            polarity += r["polarity"] or 0.0
    analyzed = sum(counts.values())
    return {"analyzed": analyzed, "counts": counts, "shares": _shares(counts),
            "average": round(polarity / analyzed, 4) if analyzed else None}


def _volume(rows: list[Any], prev_rows: list[Any], week: Week) -> dict[str, Any]:
    counted = [r for r in rows if not r["spam"]]
    by_platform: dict[str, int] = {}
    by_lang: dict[str, int] = {}
    days = {(week.monday.toordinal() + d): {s: 0 for s in SENTIMENTS} | {"unanalyzed": 0} for d in range(7)}
    for r in counted:
        by_platform[r["platform"]] = by_platform.get(r["platform"], 0) + r["n"]
        by_lang[r["lang"]] = by_lang.get(r["lang"], 0) + r["n"]
        bucket = days.get(r["day"].toordinal())
        if bucket is not None:
            bucket[r["sentiment"] if r["analyzed"] else "unanalyzed"] += r["n"]
    total = sum(r["n"] for r in counted)
    previous = sum(r["n"] for r in prev_rows if not r["spam"])
    return {
        "total": total, "previous_total": previous, "change": total - previous,
        "spam": sum(r["n"] for r in rows if r["spam"]),
        "by_platform": dict(sorted(by_platform.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_lang": dict(sorted(by_lang.items(), key=lambda kv: (-kv[1], kv[0]))),
        "by_day": [{"date": date.fromordinal(o).isoformat(), **v} for o, v in sorted(days.items())],
    }


async def brand_row(conn: Conn, slug: str) -> asyncpg.Record:
    """The brand named by its slug; SummaryError when it does not exist."""
    row = await conn.fetchrow("select id, slug, name, lang, timezone, settings from brands where slug = $1", slug)
    if row is None:
        raise SummaryError(f"no brand with slug {slug!r}")
    return row


async def brand_by_id(conn: Conn, brand_id: int) -> asyncpg.Record | None:
    """The brand as `compute` reads it, by id; None when it does not exist."""
    return await conn.fetchrow("select id, slug, name, lang, timezone, settings from brands where id = $1", brand_id)


async def compute(conn: Conn, brand: Any, week_label: str, now: datetime) -> dict[str, Any]:
    """The summary of one brand's ISO week; SummaryError for a week that has not started."""
    tz = zone(brand["timezone"])
    week = parse_week(week_label, tz)
    if week.start > now:
        raise SummaryError(f"{week.label} has not started yet (it starts on {week.monday.isoformat()})")
    prev = week.previous()
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        rows = await conn.fetch(_COUNTS, brand["id"], week.start, prev.start, str(tz.key), week.end)
        terms = await conn.fetch(_TERMS, brand["id"], week.start, week.end, sorted(STOP_WORDS), TOP_TERMS,
                                  TERMS_SAMPLE)
        urgent = await conn.fetch(_URGENT, brand["id"], week.start, week.end, TOP_URGENT)
        response = await conn.fetchrow(_RESPONSE, brand["id"], week.start, week.end)
        assert response is not None  # aggregates always answer one row
        alerts = await conn.fetch(_ALERTS, brand["id"], week.start, week.end)
    current = [r for r in rows if r["current"]]
    previous = [r for r in rows if not r["current"]]
    sentiment = _sentiment_block(current)
    before = _sentiment_block(previous)
    change = {
        "average": round(sentiment["average"] - before["average"], 4)
        if sentiment["average"] is not None and before["average"] is not None else None,
        "shares": {s: round(sentiment["shares"][s] - before["shares"][s], 4) for s in SENTIMENTS}
        if before["analyzed"] and sentiment["analyzed"] else None,
    }
    by_kind: dict[str, int] = {}
    for a in alerts:
        by_kind[a["kind"]] = by_kind.get(a["kind"], 0) + 1
    return {
        "brand": brand["slug"], "brand_name": brand["name"], "week": week.label, "timezone": str(tz.key),
        "start": week.start.isoformat(), "end": week.end.isoformat(), "partial": week.end > now,
        "volume": _volume(current, previous, week),
        "sentiment": {**sentiment, "previous": before, "change": change},
        "terms": {s: [{"term": r["term"], "count": r["n"]} for r in terms if r["sentiment"] == s]
                  for s in ("negative", "positive")},
        "urgent": [
            {"id": r["id"], "platform": r["platform"], "kind": r["kind"], "author": r["author"],
             "excerpt": r["excerpt"], "priority": r["priority"], "reasons": list(r["reasons"] or []),
             "sentiment": r["sentiment"], "status": r["status"], "url": r["url"],
             "created_at": r["created_at"].isoformat(), "first_response_seconds": r["first_response_seconds"]}
            for r in urgent
        ],
        "response": {
            "answered": response["answered"],
            "median_seconds": round(response["median"], 1) if response["median"] is not None else None,
            "p90_seconds": round(response["p90"], 1) if response["p90"] is not None else None,
            "unanswered": response["unanswered"],
        },
        "alerts": {"total": len(alerts), "by_kind": by_kind,
                   "recent": [{"id": a["id"], "kind": a["kind"], "title": a["title"],
                               "created_at": a["created_at"].isoformat()} for a in alerts[-20:]]},
    }
