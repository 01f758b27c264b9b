"""Urgent items never wait: a legal threat or an allergy gets its own alert at once, through a
cooldown and through quiet hours, while ordinary negative comments keep being grouped."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import aiohttp
from alerting import configure, ingest, negative
from receivers import SmtpServer

from inbox.alerts.delivery import deliver_due
from inbox.alerts.evaluate import evaluate_brands
from inbox.alerts.store import release_digests
from inbox.smtp import SmtpConfig

# A Wednesday afternoon in Montreal (UTC-5 in November).
NOW = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)


async def alerts(pool) -> list:
    return await pool.fetch("select * from alerts order by id")


async def test_urgent_items_alert_at_once_during_a_cooldown_and_ordinary_ones_still_wait(pool, brand):
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention')")
    await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"])
    # 10:00 - a false positive ("le café était mortel" read as negative) fires and starts the cooldown.
    await ingest(pool, brand, [negative("fp", created_at=NOW, body="Le café était mortel")], NOW)
    [first] = await evaluate_brands(pool, None, NOW)
    # 10:02 - ordinary complaints on several posts, then a legal threat and an allergy review.
    at = NOW + timedelta(minutes=2)
    ordinary = await ingest(pool, brand, [negative(f"o-{n}", created_at=at, thread=f"post-{n}") for n in range(3)], at)
    [legal] = await ingest(pool, brand, [negative(
        "legal", created_at=at, thread="post-7", priority=40, sentiment="neutral", reasons=["urgent:legal"],
        body="Mon avocat va vous envoyer une mise en demeure")], at)
    [allergy] = await ingest(pool, brand, [negative(
        "allergy", created_at=at, thread="post-8", reasons=["negative", "very_negative", "urgent:allergy"],
        body="Il y avait des noix dans le muffin « sans noix », ma fille a fait une réaction")], at)
    raised = await evaluate_brands(pool, None, at + timedelta(seconds=5))
    urgent = [a for a in await alerts(pool) if a["id"] in raised]
    assert sorted(a["item_ids"] for a in urgent) == sorted([[legal], [allergy]])  # one each, nothing bundled in
    assert all(a["details"]["urgent"] and a["held_until"] is None for a in urgent)
    assert all(a["title"].startswith("[") and "URGENT" in a["title"] for a in urgent)
    channels = await pool.fetch("select distinct channel from alert_deliveries where alert_id = any($1::bigint[])", raised)
    assert sorted(r["channel"] for r in channels) == ["email", "inapp"]  # the owner is paged, not only the list
    # Polled again and evaluated again: no second alert for the same item.
    await ingest(pool, brand, [negative("legal", created_at=at, thread="post-7", priority=40, sentiment="neutral",
                                        reasons=["urgent:legal"])], at)
    assert await evaluate_brands(pool, None, at + timedelta(minutes=1)) == []
    # The urgent alerts did not extend the cooldown: the ordinary three go out together when it ends.
    [bundle_id] = await evaluate_brands(pool, None, NOW + timedelta(minutes=16))
    bundle = await pool.fetchrow("select * from alerts where id = $1", bundle_id)
    assert sorted(bundle["item_ids"]) == sorted(ordinary) and "URGENT" not in bundle["title"]
    assert "3 commentaires négatifs sur 3 publication(s)" in bundle["title"]
    assert await evaluate_brands(pool, None, NOW + timedelta(minutes=40)) == []
    assert len(await alerts(pool)) == 4 and first not in raised


async def test_urgent_items_reach_the_owner_during_quiet_hours(pool, brand):
    await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"])
    await pool.execute("update alert_rules set enabled = (kind = 'negative_mention'), quiet_start = $1, quiet_end = $2",
                       time(22, 0), time(7, 0))
    night = datetime(2026, 11, 19, 4, 0, tzinfo=UTC)  # 23:00 in Montreal
    [plain] = await ingest(pool, brand, [negative("c-1", created_at=night)], night)
    [held] = await evaluate_brands(pool, None, night)
    [sick] = await ingest(pool, brand, [negative("sick", created_at=night, thread="post-2",
                                                 reasons=["negative", "urgent:sick"],
                                                 body="Toute la famille malade après le souper")], night)
    [paged] = await evaluate_brands(pool, None, night + timedelta(minutes=1))
    rows = {r["id"]: r for r in await alerts(pool)}
    assert rows[held]["held_until"] is not None and rows[held]["item_ids"] == [plain]
    assert rows[paged]["held_until"] is None and rows[paged]["item_ids"] == [sick]
    with SmtpServer() as smtp:
        async with aiohttp.ClientSession() as session:
            await deliver_due(pool, smtp=SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False),
                              base_url="http://inbox.test", now=night + timedelta(minutes=1), session=session)
        [mail] = smtp.messages  # at 23:01, only the urgent one is mailed
    assert "URGENT" in mail["Subject"] and "urgent:sick" in mail["Subject"]
    async with pool.acquire() as conn:
        [digest] = await release_digests(conn, datetime(2026, 11, 19, 12, 1, tzinfo=UTC))
    digest_row = await pool.fetchrow("select * from alerts where id = $1", digest)
    assert [a["id"] for a in digest_row["details"]["alerts"]] == [held]  # the morning digest does not repeat it
