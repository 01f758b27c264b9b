"""Report time (inbox/reports.py) over 30 days and over two years, against fetching the answered
items and computing only the per-person times in Python (the baseline: less work than the whole
report, which also counts received items and replies sent), measured in the same run.

Usage: python bench/reports.py [--items 200000] [--days 730] [--runs 5]  -> one JSON object.
The items belong to one brand, spread evenly over `days` days; two in three were answered by
one of five people (one reply the platform accepted each), one in ten also has a failed attempt.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._db import bench_database
from inbox import db, reports

END = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)

_ITEMS = """
insert into items (brand_id, platform, external_id, kind, body, created_at, sentiment, analyzed_at, spam,
                   first_response_seconds, first_response_at)
select $1, (array['facebook','instagram','google','youtube'])[1 + g % 4], 'r-' || g, 'comment', 'avis ' || g,
       $2::timestamptz - make_interval(secs => (g::float8 / $3) * $4),
       (array['negative','neutral','positive'])[1 + g % 3], $2::timestamptz, g % 199 = 0,
       case when g % 3 = 0 then null else (g * 37) % 86400 end,
       case when g % 3 = 0 then null
            else $2::timestamptz - make_interval(secs => (g::float8 / $3) * $4) + make_interval(secs => (g * 37) % 86400) end
from generate_series($5::int, $6::int) as g
"""

_REPLIES = """
insert into replies (brand_id, item_id, user_id, body, idempotency_key, state, sent_at)
select i.brand_id, i.id, ($2::bigint[])[1 + i.id % 5], 'Merci', 'k-' || i.id, 'sent', i.first_response_at
from items i where i.brand_id = $1 and i.first_response_at is not null
union all
select i.brand_id, i.id, ($2::bigint[])[1 + (i.id + 1) % 5], 'Merci', 'f-' || i.id, 'failed', null
from items i where i.brand_id = $1 and i.id % 10 = 0
"""


async def fill(conn, brand_id: int, users: list[int], items: int, days: int) -> float:
    started = time.perf_counter()
    step = 100_000
    for low in range(1, items + 1, step):
        await conn.execute(_ITEMS, brand_id, END, items, days * 86400, low, min(low + step - 1, items))
    await conn.execute(_REPLIES, brand_id, users)
    await conn.execute("vacuum analyze items")
    await conn.execute("vacuum analyze replies")
    return time.perf_counter() - started


async def baseline(conn, brand_id: int, start: datetime, end: datetime) -> float:
    """Per-person median and 90th percentile the naive way: fetch the answered items, count in Python."""
    started = time.perf_counter()
    rows = await conn.fetch(
        "select i.first_response_seconds as s, r.user_id from items i join replies r on r.item_id = i.id"
        " and r.state = 'sent' and r.action = 'reply' and r.sent_at = i.first_response_at"
        " where i.brand_id = $1 and i.created_at >= $2 and i.created_at < $3 and not i.spam"
        " and i.first_response_seconds is not null", brand_id, start, end)
    per: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        per[r["user_id"]].append(r["s"])
    for times in per.values():
        statistics.median(times), statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
    return time.perf_counter() - started


async def timed(conn, brand_id: int, days: int, runs: int) -> dict:
    start = END - timedelta(days=days)
    report = await reports.compute(conn, brand_id, start, END)  # warm-up (and the figures)
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        await reports.compute(conn, brand_id, start, END)
        times.append(time.perf_counter() - began)
    base = [await baseline(conn, brand_id, start, END) for _ in range(max(1, runs // 2))]
    median = statistics.median(times)
    return {"days": days, "items_in_range": report["received"]["totals"]["total"] + report["received"]["spam"],
            "first_responses": report["overall"]["first_responses"],
            "report_seconds_median": round(median, 4), "report_seconds_min": round(min(times), 4),
            "report_seconds_max": round(max(times), 4),
            "baseline_python_seconds": round(statistics.median(base), 4),
            "ratio_baseline_over_sql": round(statistics.median(base) / median, 2)}


async def main(items: int, days: int, runs: int) -> dict:
    async with bench_database() as dsn:
        conn = await db.connect(dsn)
        try:
            brand_id = await conn.fetchval("insert into brands (slug, name) values ('bench', 'Bench') returning id")
            users = [await conn.fetchval("insert into users (email, name, password_hash) values ($1, $2, 'x') returning id",
                                         f"p{n}@bench.test", f"Person {n}") for n in range(5)]
            fill_seconds = await fill(conn, brand_id, users, items, days)
            ranges = [await timed(conn, brand_id, d, runs) for d in (30, days)]
        finally:
            await conn.close()
    return {"bench": "reports", "items_in_table": items, "days_in_table": days, "runs": runs, "ranges": ranges,
            "fill_seconds": round(fill_seconds, 1),
            # Other processes share the machine: the load says how much the figures can be trusted.
            "load_average_1min": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.items, args.days, args.runs))))
