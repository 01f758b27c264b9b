"""A month of comments with replies at known times, sent through the real outbox (queued,
claimed, then accepted or refused by "the platform"), for the reports' tests.

October 2026, Montréal time (UTC−4). First responses the platform accepted:
  Odile: 30 min and 95 min  -> median 62.5 min (1 h 2 min), 90th percentile 88.5 min (1 h 28 min)
  Alain: 120 min (his first attempt, at 10 min, failed and does not count)
  brand: 30, 95, 120 min    -> median 95 min (1 h 35 min), 90th percentile 115 min (1 h 55 min)
Alain also answered the first comment again (a reply sent, not a first response) and a spam
comment (counts nowhere); Odile's only attempt on a fourth comment failed (it stays unanswered).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from web_app import ingest

from inbox import outbox

FIRST = "2026-10-05"
LAST = "2026-10-11"
_keys = count()


async def reply(conn: Any, brand_id: int, item_id: int, user_id: int, at: datetime, *, accepted: bool = True) -> None:
    """One reply through the outbox: queued, claimed by a worker, then sent (or failed) at `at`."""
    row = await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=user_id, body="Merci !",
                               idempotency_key=f"report-{next(_keys)}-{item_id}")
    claimed = await outbox.claim_due(conn, worker_id="test", now=datetime.now(UTC) + timedelta(seconds=5),
                                     lease_seconds=30, limit=10)
    assert [c.id for c in claimed] == [row["id"]]
    if accepted:
        assert await outbox.mark_sent(conn, row["id"], worker_id="test", now=at, external_id=f"wp-r-{row['id']}")
    else:
        assert await outbox.mark_failed(conn, row["id"], worker_id="test", error="refused", code="rejected")


async def seed_october(conn: Any, ids: dict[str, Any]) -> dict[str, int]:
    """The comments and replies described above; their ids by name."""
    a, acc = ids["brand_a"], ids["account_a"]
    day = datetime(2026, 10, 6, 14, 0, tzinfo=UTC)
    items = {
        "cold": await ingest(conn, a, acc, "Café froid", sentiment="negative", created_at=day),
        "slow": await ingest(conn, a, acc, "Service lent", sentiment="negative", created_at=day + timedelta(hours=1)),
        "nice": await ingest(conn, a, acc, "Très bon croissant", sentiment="positive", created_at=day + timedelta(days=1)),
        "open": await ingest(conn, a, acc, "Ouvert dimanche ?", sentiment="neutral", created_at=day + timedelta(days=2)),
        "spam": await ingest(conn, a, acc, "Gagnez un iPhone", created_at=day + timedelta(days=2)),
        "old": await ingest(conn, a, acc, "Septembre", created_at=datetime(2026, 9, 1, 14, tzinfo=UTC)),
        "post": await ingest(conn, a, acc, "Notre menu d'automne", created_at=day),
        "other": await ingest(conn, ids["brand_b"], ids["account_b"], "Brand B", created_at=day),
    }
    await conn.execute("update items set spam = true where id = $1", items["spam"])
    await conn.execute("update items set from_business = true, kind = 'post' where id = $1", items["post"])
    odile, alain = ids["owner_a"], ids["agent_a"]
    created = {k: await conn.fetchval("select created_at from items where id = $1", v) for k, v in items.items()}
    await reply(conn, a, items["cold"], odile, created["cold"] + timedelta(minutes=30))
    await reply(conn, a, items["slow"], odile, created["slow"] + timedelta(minutes=95))
    await reply(conn, a, items["nice"], alain, created["nice"] + timedelta(minutes=10), accepted=False)
    await reply(conn, a, items["nice"], alain, created["nice"] + timedelta(minutes=120))
    await reply(conn, a, items["cold"], alain, created["cold"] + timedelta(hours=3))
    await reply(conn, a, items["open"], odile, created["open"] + timedelta(minutes=5), accepted=False)
    await reply(conn, a, items["spam"], alain, created["spam"] + timedelta(minutes=1))
    await reply(conn, a, items["old"], odile, created["old"] + timedelta(minutes=1))
    await reply(conn, a, items["post"], odile, created["post"] + timedelta(minutes=2))
    return items
