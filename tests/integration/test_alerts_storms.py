"""No alert storms: grouping, one alert per item per rule, cooldown, quiet hours and the digest,
spike and dip windows, items analysed late."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

import aiohttp
from alerting import configure, ingest, negative
from receivers import SmtpServer

from inbox import db
from inbox.alerts.delivery import deliver_due
from inbox.alerts.evaluate import evaluate_brands
from inbox.alerts.store import release_digests
from inbox.smtp import SmtpConfig

# A Wednesday afternoon in Montreal (UTC-5 in November).
NOW = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)


async def rule_id(pool, brand_id: int, kind: str) -> int:
    return await pool.fetchval("select id from alert_rules where brand_id = $1 and kind = $2", brand_id, kind)


async def alerts(pool, kind: str | None = None) -> list:
    return await pool.fetch("select * from alerts where ($1::text is null or kind = $1) order by id", kind)


async def test_every_brand_gets_the_three_default_rules(pool, brand):
    rows = await pool.fetch("select kind, cooldown_minutes, params, channels from alert_rules where brand_id = $1 order by kind",
                            brand["brand_id"])
    assert [(r["kind"], r["cooldown_minutes"]) for r in rows] == [
        ("negative_mention", 15), ("sentiment_dip", 120), ("volume_spike", 60)]
    assert all(r["params"] == {} and r["channels"] == ["inapp", "email", "webhook"] for r in rows)


async def test_ten_negative_comments_on_one_post_make_one_alert_listing_them(pool, brand):
    await pool.execute("update alert_rules set enabled = false where kind <> 'negative_mention'")
    items = [negative(f"c-{n}", created_at=NOW - timedelta(minutes=n), thread="post-9") for n in range(10)]
    ids = await ingest(pool, brand, items, NOW)
    await evaluate_brands(pool, None, NOW)
    await evaluate_brands(pool, None, NOW + timedelta(seconds=5))
    [alert] = await alerts(pool)
    assert sorted(alert["item_ids"]) == sorted(ids)
    assert alert["details"]["count"] == 10 and alert["details"]["groups"] == [
        {"platform": "facebook", "thread": "post-9", "count": 10}]
    assert len(alert["details"]["items"]) == 10
    assert "10 commentaires négatifs sur 1 publication" in alert["title"]
    assert await pool.fetchval("select count(*) from alert_items where alert_id = $1", alert["id"]) == 10


async def test_cooldown_holds_new_matches_then_sends_them_together(pool, brand):
    await pool.execute("update alert_rules set enabled = false where kind <> 'negative_mention'")
    await ingest(pool, brand, [negative("c-1", created_at=NOW)], NOW)
    await evaluate_brands(pool, None, NOW)
    later = [negative(f"c-{n}", created_at=NOW + timedelta(minutes=1), thread=f"post-{n}") for n in (2, 3)]
    await ingest(pool, brand, later, NOW + timedelta(minutes=1))
    await evaluate_brands(pool, None, NOW + timedelta(minutes=2))
    assert len(await alerts(pool)) == 1  # cooling down: the two wait
    await evaluate_brands(pool, None, NOW + timedelta(minutes=16))
    first, second = await alerts(pool)
    assert len(first["item_ids"]) == 1 and len(second["item_ids"]) == 2
    assert len(second["details"]["groups"]) == 2
    await evaluate_brands(pool, None, NOW + timedelta(minutes=40))
    assert len(await alerts(pool)) == 2  # one alert per item per rule, ever


async def test_items_alert_only_once_analysed_and_answered_ones_never(pool, brand):
    await pool.execute("update alert_rules set enabled = false where kind <> 'negative_mention'")
    [waiting] = await ingest(pool, brand, [negative("c-1", created_at=NOW, analyzed=False)], NOW)
    [answered] = await ingest(pool, brand, [negative("c-2", created_at=NOW)], NOW)
    await pool.execute("update items set first_response_at = $2, status = 'done' where id = $1", answered, NOW)
    await evaluate_brands(pool, None, NOW)
    assert await alerts(pool) == []
    # The NLP stage catches up later (re-analysis writes the row): the next evaluation sees it.
    await pool.execute("update items set sentiment = 'negative', priority = 80, analyzed_at = $2 where id = $1",
                       waiting, NOW + timedelta(seconds=30))
    await evaluate_brands(pool, None, NOW + timedelta(minutes=1))
    [alert] = await alerts(pool)
    assert alert["item_ids"] == [waiting]


async def test_threshold_and_follower_filter(pool, brand):
    rid = await rule_id(pool, brand["brand_id"], "negative_mention")
    await pool.execute("update alert_rules set enabled = (id = $1), params = $2", rid, {"min_followers": 1000})
    await ingest(pool, brand, [
        negative("small", created_at=NOW, followers=50),
        negative("low", created_at=NOW, followers=5000, priority=20),
        negative("big", created_at=NOW, followers=5000),
        negative("legal", created_at=NOW, followers=8000, priority=10, sentiment="neutral", reasons=["urgent:legal"]),
    ], NOW)
    await evaluate_brands(pool, None, NOW)
    # The legal threat is urgent: its own alert, beside the one for the ordinary negative comment.
    authors = sorted([it["author"] for it in a["details"]["items"]] for a in await alerts(pool))
    assert authors == [["Client big"], ["Client legal"]]


async def test_burst_makes_one_grouped_spike_alert_and_one_email(pool, brand):
    await pool.execute("update alert_rules set enabled = (kind = 'volume_spike')")
    # A quiet baseline: two comments at this hour on each of the previous seven days.
    history = [negative(f"h-{d}-{n}", created_at=NOW - timedelta(days=d, minutes=10 + n), sentiment="neutral",
                        priority=5, reasons=[]) for d in range(1, 8) for n in range(2)]
    await ingest(pool, brand, history, NOW)
    # Quiet day, 2 -> 6 comments: below the minimum count, nobody is paged.
    await ingest(pool, brand, [negative(f"q-{n}", created_at=NOW - timedelta(minutes=5 + n), sentiment="neutral",
                                        priority=5, reasons=[]) for n in range(6)], NOW)
    await evaluate_brands(pool, None, NOW)
    assert await alerts(pool) == []
    # The burst arrives over several polls; the rule fires once.
    for batch in range(4):
        burst = [negative(f"b-{batch}-{n}", created_at=NOW + timedelta(minutes=batch), sentiment="neutral",
                          priority=5, reasons=[], body="Est-ce que la promo du vendredi est encore valide ?")
                 for n in range(8)]
        at = NOW + timedelta(minutes=batch, seconds=30)
        await ingest(pool, brand, burst, at)
        await evaluate_brands(pool, None, at)
    [alert] = await alerts(pool)
    assert alert["kind"] == "volume_spike"
    d = alert["details"]
    assert d["count"] == 14 and d["baseline"] == [2] * 7 and d["mean"] == 2.0 and d["std"] == 0.0
    assert "promo" in d["terms"] and "vendredi" in d["terms"]
    with SmtpServer() as smtp:
        await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"])
        await pool.execute("insert into alert_deliveries (alert_id, channel, target, next_attempt_at)"
                           " values ($1, 'email', 'patronne@cafe.test', $2) on conflict do nothing", alert["id"], NOW)
        async with aiohttp.ClientSession() as session:
            config = SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False)
            await deliver_due(pool, smtp=config, base_url="http://inbox.test", now=NOW + timedelta(minutes=5), session=session)
            await deliver_due(pool, smtp=config, base_url="http://inbox.test", now=NOW + timedelta(minutes=6), session=session)
        assert len(smtp.messages) == 1
        assert "Pic de volume" in smtp.messages[0]["Subject"]


async def test_sentiment_dip_needs_share_and_count(pool, brand):
    await pool.execute("update alert_rules set enabled = (kind = 'sentiment_dip')")
    mixed = [negative(f"n-{n}", created_at=NOW - timedelta(minutes=n), priority=5) for n in range(4)]
    mixed += [negative(f"p-{n}", created_at=NOW - timedelta(minutes=n), sentiment="positive", reasons=[]) for n in range(4)]
    await ingest(pool, brand, mixed, NOW)
    await evaluate_brands(pool, None, NOW)
    assert await alerts(pool) == []  # 50 % negative but only 8 items
    await ingest(pool, brand, [negative(f"m-{n}", created_at=NOW - timedelta(minutes=1), priority=5) for n in range(4)], NOW)
    await evaluate_brands(pool, None, NOW)
    [alert] = await alerts(pool)
    assert alert["details"]["negative"] == 8 and alert["details"]["count"] == 12
    assert alert["details"]["share"] == round(8 / 12, 4)


async def test_quiet_hours_hold_alerts_for_one_morning_digest(pool, brand):
    await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"], webhook_url="http://127.0.0.1:9/hook")
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention'), quiet_start = $1, quiet_end = $2",
                       time(22, 0), time(7, 0))
    night = datetime(2026, 11, 19, 4, 0, tzinfo=UTC)  # 23:00 in Montreal
    await ingest(pool, brand, [negative("c-1", created_at=night)], night)
    await evaluate_brands(pool, None, night)
    await ingest(pool, brand, [negative("c-2", created_at=night + timedelta(hours=1), thread="post-2")], night)
    await evaluate_brands(pool, None, night + timedelta(hours=2))
    held = await alerts(pool)
    assert len(held) == 2 and all(a["held_until"] == datetime(2026, 11, 19, 12, 0, tzinfo=UTC) for a in held)
    channels = await pool.fetch("select distinct channel from alert_deliveries")
    assert [r["channel"] for r in channels] == ["inapp"]  # the list knows; nobody is paged
    async with pool.acquire() as conn:
        assert await release_digests(conn, datetime(2026, 11, 19, 11, 59, tzinfo=UTC)) == []
        [digest_id] = await release_digests(conn, datetime(2026, 11, 19, 12, 1, tzinfo=UTC))
        assert await release_digests(conn, datetime(2026, 11, 19, 12, 2, tzinfo=UTC)) == []
    digest = await pool.fetchrow("select * from alerts where id = $1", digest_id)
    assert digest["kind"] == "digest" and len(digest["details"]["alerts"]) == 2
    rows = await pool.fetch("select channel, target from alert_deliveries where alert_id = $1 order by channel", digest_id)
    assert [(r["channel"], r["target"]) for r in rows] == [
        ("email", "patronne@cafe.test"), ("inapp", ""), ("webhook", "http://127.0.0.1:9")]  # its host only
    with SmtpServer() as smtp:
        async with aiohttp.ClientSession() as session:
            await deliver_due(pool, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False),
                              base_url="http://inbox.test", now=datetime(2026, 11, 19, 12, 1, tzinfo=UTC),
                              session=session, webhook_timeout=1)
        [mail] = smtp.messages  # one morning e-mail for the night's two alerts
    assert "Résumé du matin" in mail["Subject"] and "2 alerte(s) retenue(s)" in mail["Subject"]
    assert mail.get_body(("plain",)).get_content().count("Commentaire négatif") == 2


async def test_workers_evaluating_at_once_raise_one_alert(pool, brand, db_dsn):
    await ingest(pool, brand, [negative(f"c-{n}", created_at=NOW, thread="post-1") for n in range(5)], NOW)
    pools = [await db.create_pool(db_dsn, min_size=1, max_size=2) for _ in range(4)]
    try:
        await asyncio.gather(*(evaluate_brands(p, None, NOW) for p in pools for _ in range(2)))
    finally:
        for p in pools:
            await p.close()
    [alert] = await alerts(pool, "negative_mention")
    assert len(alert["item_ids"]) == 5
    assert await pool.fetchval("select count(*) from alert_deliveries where channel = 'inapp'") == 1
