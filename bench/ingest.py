"""Batch ingest throughput against one awaited INSERT per item, measured in the same run.

Usage: python bench/ingest.py [--items 50000] [--batch 1000]  -> one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._db import bench_database
from inbox import db
from inbox.ingest import ingest_batch
from inbox.types import Author, NewItem

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PAYLOAD_FILLER = "x" * 900  # ~1 KB raw payloads, like a Graph API comment with its fields


def make_items(n: int, prefix: str) -> list[NewItem]:
    return [
        NewItem(
            platform="facebook", external_id=f"{prefix}{i}", kind="comment",
            body=f"Le service était vraiment lent aujourd'hui, commande {i}", created_at=T0 + timedelta(seconds=i),
            author=Author(f"u{i % 5000}", f"Client {i % 5000}", f"client{i % 5000}", i % 10000),
            raw={"id": f"{prefix}{i}", "message": "...", "from": {"id": f"u{i % 5000}"}, "filler": PAYLOAD_FILLER},
        )
        for i in range(n)
    ]


async def one_by_one(conn, brand_id: int, items: list[NewItem]) -> float:
    start = time.perf_counter()
    for it in items:
        await conn.execute(
            """insert into items (brand_id, platform, external_id, kind, body, created_at, raw)
               values ($1, $2, $3, $4, $5, $6, $7::jsonb) on conflict do nothing""",
            brand_id, it.platform, it.external_id, it.kind, it.body, it.created_at, json.dumps(it.raw),
        )
    return time.perf_counter() - start


async def batched(conn, brand_id: int, account_id: int, items: list[NewItem], size: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(items), size):
        await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=items[i : i + size], cursor={"n": i})
    return time.perf_counter() - start


async def main(n: int, size: int, baseline_n: int) -> dict:
    async with bench_database() as dsn:
        conn = await db.connect(dsn)
        brand_id = await conn.fetchval("insert into brands (slug, name) values ('bench', 'Bench') returning id")
        account_id = await conn.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'facebook', 'p', 'http://x') returning id",
            brand_id,
        )
        slow = await one_by_one(conn, brand_id, make_items(baseline_n, "s"))
        fast = await batched(conn, brand_id, account_id, make_items(n, "b"), size)
        replay = await batched(conn, brand_id, account_id, make_items(n, "b"), size)
        await conn.close()
    single_rate = baseline_n / slow
    batch_rate = n / fast
    return {
        "items": n,
        "batch_size": size,
        "batched_rows_per_s": round(batch_rate),
        "one_by_one_rows_per_s": round(single_rate),
        "one_by_one_items_measured": baseline_n,
        "ratio": round(batch_rate / single_rate, 1),
        "replay_same_items_rows_per_s": round(n / replay),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=1_000)
    parser.add_argument("--baseline-items", type=int, default=5_000, help="items inserted one by one")
    a = parser.parse_args()
    print(json.dumps(asyncio.run(main(a.items, a.batch, a.baseline_items))))
