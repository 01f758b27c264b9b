"""Rule evaluation: turn the items table into alerts (one per rule firing, one per urgent item).

Every step reads state, not notifications: an item analysed late, a worker restarted or a
missed NOTIFY is caught by the next evaluation. Each rule is evaluated under a row lock
(SKIP LOCKED), so several workers never raise the same alert twice.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import asyncpg

from inbox.alerts import message
from inbox.alerts.rules import Rule, quiet_until
from inbox.alerts.store import Brand, load_brand, raise_alert
from inbox.db import Conn
from inbox.summary.terms import top_terms
from inbox.zones import zone

# Items shown in an alert; the alert still references every item behind it.
SHOWN_ITEMS = 10
EXCERPT_CHARS = 280

# An item counts for alerting when a customer wrote it and it still exists.
_CUSTOMER = "not i.spam and not i.from_business and i.deleted_at is null"

_MATCH_NEGATIVE = f"""
insert into alert_items (rule_id, item_id)
select $1, i.id from items i left join authors au on au.id = i.author_id
where i.brand_id = $2 and i.created_at >= $3 and i.analyzed_at is not null and {_CUSTOMER}
  and i.status <> 'done' and i.first_response_at is null
  and ((coalesce(i.sentiment_override, i.sentiment) = 'negative' and i.priority >= $4)
       or i.reasons ?| $5::text[])
  and ($6::int = 0 or coalesce(au.followers, 0) >= $6::int)
on conflict do nothing
"""

_PENDING = f"""
select ai.item_id, i.reasons from alert_items ai join items i on i.id = ai.item_id
where ai.rule_id = $1 and ai.alert_id is null and i.status <> 'done' and i.first_response_at is null
  and {_CUSTOMER}
for update of ai skip locked
"""

_ITEM_ROWS = """
select i.id, i.platform, i.external_id, i.body, i.url, i.priority, i.reasons, i.created_at,
       coalesce(i.sentiment_override, i.sentiment) as sentiment,
       coalesce(i.thread_external_id, i.parent_external_id, i.external_id) as thread,
       coalesce(nullif(au.name, ''), au.handle) as author, au.followers
from items i left join authors au on au.id = i.author_id
where i.id = any($1::bigint[]) order by i.priority desc, i.created_at desc, i.id
"""

_WINDOW_COUNTS = f"""
select d, count(i.id)::int as n from generate_series(0, $3::int) as d
left join items i on i.brand_id = $1 and {_CUSTOMER}
  and i.created_at > $2::timestamptz - make_interval(days => d) - make_interval(mins => $4::int)
  and i.created_at <= $2::timestamptz - make_interval(days => d)
group by d order by d
"""

_WINDOW_ITEMS = f"""
select i.id, i.body, coalesce(i.sentiment_override, i.sentiment) as sentiment, i.analyzed_at
from items i where i.brand_id = $1 and {_CUSTOMER}
  and i.created_at > $2::timestamptz - make_interval(mins => $3::int) and i.created_at <= $2::timestamptz
order by i.priority desc, i.created_at desc limit 2000
"""


def _item_summary(row: Any) -> dict[str, Any]:
    body = row["body"] or ""
    return {
        "id": row["id"], "platform": row["platform"], "author": row["author"] or "",
        "followers": row["followers"], "priority": row["priority"], "reasons": list(row["reasons"] or []),
        "sentiment": row["sentiment"], "thread": row["thread"], "url": message.platform_link(row["url"]),
        "excerpt": body if len(body) <= EXCERPT_CHARS else body[: EXCERPT_CHARS - 1] + "…",
        "created_at": row["created_at"].isoformat(),
    }


def spike_threshold(counts: list[int], k: float) -> tuple[float, float, float]:
    """(mean, population std, mean + k*std) of the baseline counts."""
    if not counts:
        return 0.0, 0.0, 0.0
    mean = sum(counts) / len(counts)
    std = math.sqrt(sum((c - mean) ** 2 for c in counts) / len(counts))
    return mean, std, mean + k * std


async def _negative(conn: Conn, rule: Rule, brand: Brand, now: datetime) -> list[int]:
    p = rule.params
    since = now - timedelta(hours=p["max_age_hours"])
    await conn.execute(_MATCH_NEGATIVE, rule.id, brand.id, since, p["min_priority"], p["urgent_reasons"], p["min_followers"])
    pending = await conn.fetch(_PENDING, rule.id)
    signals = set(p["urgent_reasons"])
    urgent = sorted(r["item_id"] for r in pending if signals.intersection(r["reasons"] or []))
    # An urgent item (legal threat, allergy, ...) never waits: its own alert now, whatever the
    # cooldown or the quiet hours, and it neither starts nor extends the cooldown of the others.
    raised: list[int] = []
    for item_id in urgent:
        if (alert_id := await _bundle(conn, rule, brand, now, [item_id], urgent=True)) is not None:
            raised.append(alert_id)
    cooling = rule.cooling_until()
    if cooling is not None and now < cooling:
        return raised  # ordinary matches wait as pending rows and go out together when the cooldown ends
    ordinary = sorted(r["item_id"] for r in pending if r["item_id"] not in urgent)
    if ordinary and (alert_id := await _bundle(conn, rule, brand, now, ordinary, urgent=False)) is not None:
        raised.append(alert_id)
    return raised


async def _bundle(conn: Conn, rule: Rule, brand: Brand, now: datetime, item_ids: list[int], *, urgent: bool) -> int | None:
    """One alert for these pending items of the rule, which then point at it."""
    rows = await conn.fetch(_ITEM_ROWS, item_ids)
    groups: dict[tuple[str, str], int] = {}
    for r in rows:
        groups[(r["platform"], r["thread"])] = groups.get((r["platform"], r["thread"]), 0) + 1
    details = {
        "rule": rule.kind, "count": len(rows),
        "groups": [{"platform": k[0], "thread": k[1], "count": n} for k, n in groups.items()],
        "items": [_item_summary(r) for r in rows[:SHOWN_ITEMS]],
        "terms": top_terms(r["body"] for r in rows),
    }
    if urgent:
        details["urgent"] = True
    key = f"urgent:{item_ids[0]}" if urgent else f"items:{item_ids[0]}"
    alert_id = await _raise(conn, rule, brand, now, key, details, item_ids, urgent=urgent)
    if alert_id is not None:
        await conn.execute("update alert_items set alert_id = $1 where rule_id = $2 and item_id = any($3::bigint[])",
                           alert_id, rule.id, item_ids)
    return alert_id


async def _window(conn: Conn, rule: Rule, brand: Brand, now: datetime) -> list[int]:
    p = rule.params
    cooling = rule.cooling_until()
    if cooling is not None and now < cooling:
        return []
    window = int(p["window_minutes"])
    bucket = int(now.timestamp() // (window * 60))
    if rule.kind == "volume_spike":
        counts = [r["n"] for r in await conn.fetch(_WINDOW_COUNTS, brand.id, now, int(p["baseline_days"]), window)]
        current, baseline = counts[0], counts[1:]
        mean, std, threshold = spike_threshold(baseline, float(p["k"]))
        if current <= threshold or current < p["min_count"]:
            return []
        figures = {"count": current, "mean": round(mean, 2), "std": round(std, 2), "threshold": round(threshold, 2),
                   "baseline": baseline, "min_count": p["min_count"], "k": p["k"]}
        rows = await conn.fetch(_WINDOW_ITEMS, brand.id, now, window)
        chosen = rows
    else:
        rows = [r for r in await conn.fetch(_WINDOW_ITEMS, brand.id, now, window) if r["analyzed_at"] is not None]
        negative = [r for r in rows if r["sentiment"] == "negative"]
        share = len(negative) / len(rows) if rows else 0.0
        if len(rows) < p["min_count"] or share < p["negative_share"]:
            return []
        figures = {"count": len(rows), "negative": len(negative), "share": round(share, 4),
                   "threshold": p["negative_share"], "min_count": p["min_count"]}
        chosen = negative
    ids = [r["id"] for r in chosen]
    shown = await conn.fetch(_ITEM_ROWS, ids[:SHOWN_ITEMS])
    details = {"rule": rule.kind, "window_minutes": window, **figures,
               "items": [_item_summary(r) for r in shown], "terms": top_terms(r["body"] for r in chosen)}
    alert_id = await _raise(conn, rule, brand, now, f"window:{window}:{bucket}", details, ids[:500])
    return [alert_id] if alert_id is not None else []


async def _raise(conn: Conn, rule: Rule, brand: Brand, now: datetime, key: str,
                 details: dict[str, Any], item_ids: list[int], *, urgent: bool = False) -> int | None:
    # Quiet hours hold ordinary alerts for the morning digest; an urgent one reaches the owner now.
    held = None if urgent else quiet_until(rule, now, zone(brand.timezone))
    alert_id = await raise_alert(conn, brand=brand, rule_id=rule.id, kind=rule.kind, dedupe_key=key,
                                 details=details, item_ids=item_ids, channels=rule.channels, now=now, held_until=held)
    if alert_id is not None and not urgent:
        await conn.execute("update alert_rules set last_fired_at = $2 where id = $1", rule.id, now)
    return alert_id


async def evaluate_rule(conn: Conn, rule_id: int, now: datetime) -> list[int]:
    """Evaluate one rule in its own transaction; the ids of the alerts it raised."""
    async with conn.transaction():
        row = await conn.fetchrow(
            "select * from alert_rules where id = $1 and enabled for update skip locked", rule_id
        )
        if row is None:
            return []  # disabled, deleted, or another worker is on it right now
        rule = Rule.from_row(row)
        brand = await load_brand(conn, rule.brand_id)
        if rule.kind == "negative_mention":
            return await _negative(conn, rule, brand, now)
        return await _window(conn, rule, brand, now)


async def evaluate_brands(pool: asyncpg.Pool, brand_ids: list[int] | None, now: datetime) -> list[int]:
    """Evaluate the enabled rules of some brands (None: all); the ids of alerts raised."""
    async with pool.acquire() as conn:
        rule_ids = [r["id"] for r in await conn.fetch(
            "select id from alert_rules where enabled and ($1::bigint[] is null or brand_id = any($1::bigint[]))"
            " order by id", brand_ids)]
        raised: list[int] = []
        for rule_id in rule_ids:
            raised += await evaluate_rule(conn, rule_id, now)
        return raised
