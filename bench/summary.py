"""Weekly summary time at a million items, against computing the same week in Python from
fetched rows (the baseline), measured in the same run.

Usage: python bench/summary.py [--items 1000000] [--weeks 10] [--runs 5]  -> one JSON object.
The items belong to one brand, spread evenly over `weeks` weeks ending with the summarised one
(so the summary reads its week and the week before: 2 x items/weeks rows). Target: <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._db import bench_database
from inbox import db
from inbox.summary import query
from inbox.summary.terms import words

WEEK = "2026-W47"
WEEK_END = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Monday 00:00 in Montreal
BODIES = [
    "Service très lent, attente interminable ce midi", "Excellent café, personnel super gentil",
    "Remboursement refusé, je suis déçu", "Great coffee and friendly staff", "Vous ouvrez à quelle heure dimanche ?",
    "Les croissants étaient froids et secs", "Best croissants in Montreal, thanks!", "Commande livrée en retard encore",
    "Allergie aux noix pas respectée, dangereux", "Merci pour l'accueil chaleureux", "The music was way too loud",
    "Prix trop élevés pour la qualité",
]

_FILL = """
insert into items (brand_id, platform, external_id, kind, body, created_at, lang, sentiment, polarity,
                   priority, reasons, status, first_response_seconds, first_response_at, analyzed_at, spam)
select $1, (array['facebook','instagram','google','youtube'])[1 + g % 4], 'b-' || g, 'comment',
       ($2::text[])[1 + (g * 7) % 12] || ' réf' || g,
       $3::timestamptz - make_interval(secs => (g::float8 / $4) * $5),
       (array['fr','fr','en','und'])[1 + (g / 3) % 4],
       (array['negative','neutral','positive','positive','neutral'])[1 + g % 5],
       ((g % 200) - 100) / 100.0, g % 101,
       case when g % 97 = 0 then '["urgent:safety"]'::jsonb else '[]'::jsonb end,
       (array['new','open','pending','done','done'])[1 + (g / 5) % 5],
       case when g % 3 = 0 then null else (g * 37) % 86400 end,
       case when g % 3 = 0 then null else $3::timestamptz - make_interval(secs => (g::float8 / $4) * $5) end,
       case when g % 50 = 0 then null else $3::timestamptz end, g % 199 = 0
from generate_series($6::int, $7::int) as g
"""


async def fill(conn, brand_id: int, items: int, weeks: int) -> float:
    started = time.perf_counter()
    span = weeks * 7 * 86400
    step = 100_000
    for low in range(1, items + 1, step):
        await conn.execute(_FILL, brand_id, BODIES, WEEK_END, items, span, low, min(low + step - 1, items))
    await conn.execute("vacuum analyze items")
    return time.perf_counter() - started


async def baseline(conn, brand) -> float:
    """The same figures the naive way: fetch both weeks' rows, count in Python."""
    started = time.perf_counter()
    start = WEEK_END - timedelta(days=7)
    rows = await conn.fetch(
        "select created_at, platform, lang, sentiment, polarity, spam, analyzed_at, body, priority,"
        " first_response_seconds, first_response_at, status from items"
        " where brand_id = $1 and created_at >= $2 and created_at < $3 and not from_business and deleted_at is null",
        brand["id"], start - timedelta(days=7), WEEK_END)
    current = [r for r in rows if r["created_at"] >= start and not r["spam"]]
    Counter(r["platform"] for r in current), Counter(r["lang"] for r in current)
    Counter(r["sentiment"] for r in current if r["analyzed_at"])
    terms: Counter[str] = Counter()
    for r in current:
        if r["sentiment"] in ("negative", "positive") and r["analyzed_at"]:
            terms.update(set(words(r["body"])))
    sorted(current, key=lambda r: -r["priority"])[:10]
    times = sorted(r["first_response_seconds"] for r in current if r["first_response_seconds"] is not None)
    statistics.median(times) if times else None
    return time.perf_counter() - started


async def main(items: int, weeks: int, runs: int) -> dict:
    async with bench_database() as dsn:
        conn = await db.connect(dsn)
        try:
            brand_id = await conn.fetchval("insert into brands (slug, name) values ('bench', 'Bench') returning id")
            fill_seconds = await fill(conn, brand_id, items, weeks)
            brand = await query.brand_row(conn, "bench")
            now = WEEK_END + timedelta(days=1)
            summary = await query.compute(conn, brand, WEEK, now)  # warm-up (and the figures)
            times = []
            for _ in range(runs):
                started = time.perf_counter()
                await query.compute(conn, brand, WEEK, now)
                times.append(time.perf_counter() - started)
            base = [await baseline(conn, brand) for _ in range(max(1, runs // 2))]
        finally:
            await conn.close()
    median = statistics.median(times)
    base_median = statistics.median(base)
    return {
        "bench": "weekly_summary", "items_in_table": items, "weeks": weeks,
        "items_in_week": summary["volume"]["total"] + summary["volume"]["spam"],
        "items_previous_week": summary["volume"]["previous_total"],
        "summary_seconds_median": round(median, 4), "summary_seconds_min": round(min(times), 4),
        "summary_seconds_max": round(max(times), 4), "runs": runs,
        "baseline_python_seconds": round(base_median, 4), "ratio_baseline_over_sql": round(base_median / median, 2),
        "target_seconds": 1.0, "meets_target": median <= 1.0, "fill_seconds": round(fill_seconds, 1),
        # Other processes share the machine: the load says how much the figures can be trusted.
        "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count(),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--weeks", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.items, args.weeks, args.runs))))
