"""Collection throughput: items/s from platform emulators on loopback through the poller into
PostgreSQL, with the NLP stage off and on, against a baseline measured in the same run (the
same pages stored by `ingest_batch` alone, no HTTP, no NLP). With `--full` (the default), a
third pass ingests with the fast path while the full path (sentence encoder, one extra process,
as `JASETTE_NLP_FULL=1` runs it in the worker) re-scores the stored items in the background on
the same database and the same cores: ingest's items/s then, and how many items the full path
re-scored meanwhile.

Usage: python bench/collect.py [--sites 4] [--comments 2500] [--concurrency 4] [--nlp-workers 2] [--no-full]
-> one JSON object on stdout. Uses DATABASE_URL when set, else an embedded PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import aiohttp

from bench._db import bench_database
from collector.base import Account
from collector.poller import Poller
from collector.registry import collector_class
from emulators.base import serve
from emulators.wordpress import DEMO_ACCOUNT, WordPressEmulator
from inbox import db
from inbox.accounts import add_account
from inbox.credentials import Vault
from inbox.ingest import ingest_batch

PLATFORM = "wordpress"
TEXTS = (
    "Le service était vraiment lent aujourd'hui, je suis déçu",
    "Merci pour le pain au levain, il est délicieux!",
    "Are you open on Sunday? I'd like to order a cake",
    "Ma commande est arrivée brisée, je veux un remboursement",
    "Super accueil, on revient la semaine prochaine",
)


def seed(emulator: WordPressEmulator, count: int, site: int) -> None:
    start = datetime.now(UTC) - timedelta(hours=6)
    for i in range(count):
        emulator.inject({"kind": "comment", "text": f"{TEXTS[i % len(TEXTS)]} ({site}-{i})",
                         "author_name": f"Client {i % 700}", "created_at": (start + timedelta(seconds=i)).isoformat()})


async def connect_sites(pool: Any, vault: Vault, bases: list[str], tag: str) -> None:
    # One brand per site: separate sites number their comments alike.
    async with pool.acquire() as conn:
        for n, base in enumerate(bases):
            brand_id = await conn.fetchval("insert into brands (slug, name) values ($1, $1) returning id", f"{tag}-{n}")
            await add_account(conn, vault, brand_id=brand_id, platform=PLATFORM, name=f"site {n}",
                              external_id=f"site-{n}", base_url=base, credentials=DEMO_ACCOUNT["credentials"],
                              settings=DEMO_ACCOUNT["settings"], poll_interval_seconds=3600)


async def drain(poller: Poller, concurrency: int) -> int:
    """Poll until no account is due; return the items stored."""
    stored = 0
    while True:
        rows = await poller.lease(concurrency)
        if not rows:
            return stored
        for outcome in await asyncio.gather(*(poller.poll(r) for r in rows)):
            if outcome.error:
                raise RuntimeError(f"account {outcome.account_id}: {outcome.error}")
            stored += outcome.new_items


async def through_poller(dsn: str, bases: list[str], vault: Vault, concurrency: int, analyzer: Any) -> tuple[int, float]:
    pool = await db.create_pool(dsn, min_size=2, max_size=concurrency + 2)
    try:
        await pool.execute("truncate items, authors, accounts, brands cascade")
        await connect_sites(pool, vault, bases, "nlp-on" if analyzer else "nlp-off")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as session:
            poller = Poller(pool, vault, session, worker_id="bench", analyzer=analyzer, rng=random.Random(1))
            began = time.perf_counter()
            stored = await drain(poller, concurrency)
            return stored, time.perf_counter() - began
    finally:
        await pool.close()


async def with_rescoring(dsn: str, bases: list[str], vault: Vault, concurrency: int, analyzer: Any,
                         full: Any) -> tuple[int, float, int]:
    """Ingest with the fast path while the full path re-scores in the background, as the worker does.

    Returns (items stored, seconds, items re-scored while ingest ran)."""
    from collector.reanalyze import rescore_once

    stop = asyncio.Event()
    rescored = 0

    async def rescoring(pool: Any) -> None:
        nonlocal rescored
        while not stop.is_set():
            done = await rescore_once(pool, full)
            rescored += done
            if not done:
                await asyncio.sleep(0.05)  # nothing stored yet: the worker's loop waits too

    pool = await db.create_pool(dsn, min_size=1, max_size=3)
    task = asyncio.create_task(rescoring(pool))
    try:
        stored, seconds = await through_poller(dsn, bases, vault, concurrency, analyzer)
    finally:
        stop.set()
        await task
        await pool.close()
    return stored, seconds, rescored


async def fetch_pages(bases: list[str]) -> list[list[Any]]:
    """Every page of every site, fetched once with the collector (the baseline's input)."""
    pages: list[list[Any]] = []
    async with aiohttp.ClientSession() as session:
        for n, base in enumerate(bases):
            account = Account(id=n, platform=PLATFORM, external_id=f"site-{n}", base_url=base,
                              credentials=dict(DEMO_ACCOUNT["credentials"]), settings=dict(DEMO_ACCOUNT["settings"]))
            collector = collector_class(PLATFORM)(account, session)
            cursor: dict[str, Any] = {}
            while True:
                batch = await collector.fetch(cursor)
                pages.append(batch.items)
                cursor = batch.cursor
                if not batch.more:
                    break
    return pages


async def ingest_only(dsn: str, pages: list[list[Any]]) -> tuple[int, float]:
    pool = await db.create_pool(dsn, min_size=1, max_size=2)
    try:
        await pool.execute("truncate items, authors, accounts, brands cascade")
        brand_id = await pool.fetchval("insert into brands (slug, name) values ('baseline', 'baseline') returning id")
        account_id = await pool.fetchval(
            "insert into accounts (brand_id, platform, external_id, base_url) values ($1, 'wordpress', 'all', 'http://x') returning id",
            brand_id,
        )
        began = time.perf_counter()
        stored = 0
        async with pool.acquire() as conn:
            for n, items in enumerate(pages):
                # Distinct ids per page: the sites' numbering overlaps and this is one brand.
                for item in items:
                    item.external_id = f"{n}-{item.external_id}"
                stored += len((await ingest_batch(conn, brand_id=brand_id, account_id=account_id, items=items)).new_ids)
        return stored, time.perf_counter() - began
    finally:
        await pool.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=4)
    parser.add_argument("--comments", type=int, default=2500, help="comments per site")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--nlp-workers", type=int, default=int(os.environ.get("JASETTE_NLP_WORKERS", "2")))
    parser.add_argument("--no-full", dest="full", action="store_false",
                        help="skip the pass with the full path re-scoring in the background")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    vault = Vault("bench-secret")
    full_result: tuple[int, float, int] | None = None
    runners, bases = [], []
    for n in range(args.sites):
        emulator = WordPressEmulator()
        seed(emulator, args.comments, n)
        runner, base = await serve(emulator.create_app())
        runners.append(runner)
        bases.append(base)
    try:
        async with bench_database() as dsn:
            began = time.perf_counter()
            pages = await fetch_pages(bases)
            fetch_seconds = time.perf_counter() - began
            base_items, base_seconds = await ingest_only(dsn, pages)
            off_items, off_seconds = await through_poller(dsn, bases, vault, args.concurrency, None)
            from nlp.pool import Analyzer
            from nlp.types import Document

            async with Analyzer(args.nlp_workers) as analyzer:
                # Enough comments for a chunk per worker: every process up and its models loaded
                # before timing (one comment started only the first worker, and the second then
                # loaded its models inside the timed pass).
                await analyzer.analyze_batch([Document(TEXTS[i % len(TEXTS)]) for i in range(128 * max(1, args.nlp_workers))])
                on_items, on_seconds = await through_poller(dsn, bases, vault, args.concurrency, analyzer)
                if args.full:
                    async with Analyzer(1, model="full") as full:
                        await full.analyze_batch([Document(TEXTS[0])])  # encoder loaded before timing
                        full_result = await with_rescoring(dsn, bases, vault, args.concurrency, analyzer, full)
    finally:
        for runner in runners:
            await runner.cleanup()
    expected = args.sites * args.comments
    off_rate, on_rate, base_rate = off_items / off_seconds, on_items / on_seconds, base_items / base_seconds
    report: dict[str, Any] = {
        "bench": "collect",
        "sites": args.sites,
        "items": expected,
        "complete": off_items == expected and on_items == expected and base_items == expected,
        "concurrency": args.concurrency,
        "nlp_workers": args.nlp_workers,
        "fetch_only_items_per_s": round(expected / fetch_seconds, 1),
        "baseline_ingest_only_items_per_s": round(base_rate, 1),
        "nlp_off_items_per_s": round(off_rate, 1),
        "nlp_on_items_per_s": round(on_rate, 1),
        "nlp_off_vs_ingest_only": round(off_rate / base_rate, 3),
        "nlp_on_vs_nlp_off": round(on_rate / off_rate, 3),
    }
    if full_result is not None:
        full_items, full_seconds, rescored = full_result
        report["complete"] = report["complete"] and full_items == expected
        report["nlp_on_with_full_rescoring_items_per_s"] = round(full_items / full_seconds, 1)
        report["full_path_rescored_during_ingest"] = rescored
        report["full_path_rescored_per_s"] = round(rescored / full_seconds, 1)
    report["loadavg_after"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report))


if __name__ == "__main__":
    asyncio.run(main())
