"""Alerts end to end: a real SMTP server, a real webhook receiver, the real worker loop."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from alerting import Clock, configure, ingest, negative, wait_for
from receivers import SmtpServer, WebhookReceiver

from inbox import db
from inbox.alerts.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify,
)
from inbox.alerts.worker import run_alerts_worker
from inbox.notify import ALERTS_CHANNEL
from inbox.smtp import SmtpConfig

SECRET = "s3cret-of-the-brand"


def smtp_for(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, starttls=False, sender="alertes@cafe.test")


async def test_negative_comment_alerts_once_on_each_channel(pool, brand, db_dsn):
    clock = Clock(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))  # a Tuesday: last week's summary is due
    banners: list[dict] = []
    listen = await db.connect(db_dsn)
    await listen.add_listener(ALERTS_CHANNEL, lambda *a: banners.append(json.loads(a[3])))
    with SmtpServer() as smtp:
        async with WebhookReceiver() as hook:
            await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"],
                            webhook_url=hook.url, webhook_secret=SECRET)
            stop = asyncio.Event()
            worker = asyncio.create_task(run_alerts_worker(
                pool, smtp=smtp_for(smtp), base_url="http://inbox.test", stop=stop, clock=clock,
                dsn=db_dsn, sweep_seconds=0.3))
            await asyncio.sleep(0.3)  # the worker's LISTEN is up
            item = negative("c-1", created_at=clock() - timedelta(minutes=1), body="Intoxication alimentaire <b>grave</b>",
                            reasons=["negative", "urgent:safety"])
            [item_id] = await ingest(pool, brand, [item], clock())
            await wait_for(lambda: len(smtp.messages) >= 1 and len(hook.requests) >= 1 and banners)
            # The same comment polled again and a few more sweeps change nothing.
            await ingest(pool, brand, [item], clock())
            await asyncio.sleep(1.0)
            stop.set()
            await worker
    await listen.close()
    assert len(smtp.messages) == 1 and len(hook.requests) == 1 and len(banners) == 1
    mail = smtp.messages[0]
    assert mail["To"] == "patronne@cafe.test"
    assert "Commentaire négatif" in mail["Subject"] and "urgent:safety" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert f"http://inbox.test/items/{item_id}" in text
    assert "&lt;b&gt;grave&lt;/b&gt;" in html and "<b>grave</b>" not in html  # platform text escaped
    headers, body = hook.requests[0]
    assert verify(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    payload = json.loads(body)
    assert "Commentaire négatif" in payload["text"] and payload["alert"]["details"]["items"][0]["id"] == item_id
    assert payload["text"].endswith("<http://inbox.test/alerts|Ouvrir dans la boîte de réception>")  # Slack link
    assert banners[0]["brand"] == brand["brand_id"]
    states = await pool.fetch("select channel, state from alert_deliveries order by channel")
    assert [(r["channel"], r["state"]) for r in states] == [("email", "sent"), ("inapp", "sent"), ("webhook", "sent")]
    # The same worker ran the Monday scheduler: last week is done (no owner here, so no mail).
    assert await pool.fetchval("select count(*) from weekly_summaries where iso_week = '2026-W47' and sent_at is not null") == 1


async def test_a_burst_makes_one_spike_alert_and_at_most_one_alert_per_rule(pool, brand, db_dsn):
    clock = Clock()
    with SmtpServer() as smtp:
        async with WebhookReceiver() as hook:
            await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"],
                            webhook_url=hook.url, webhook_secret=SECRET)
            stop = asyncio.Event()
            worker = asyncio.create_task(run_alerts_worker(
                pool, smtp=smtp_for(smtp), base_url="http://inbox.test", stop=stop, clock=clock,
                dsn=db_dsn, sweep_seconds=0.3, summaries=False))
            await asyncio.sleep(0.3)
            for batch in range(5):  # 40 angry comments on one post, over five polls
                await ingest(pool, brand, [negative(f"b-{batch}-{n}", created_at=clock(), thread="post-7")
                                           for n in range(8)], clock())
                await asyncio.sleep(0.15)
            await wait_for(lambda: any("Pic de volume" in m["Subject"] for m in smtp.messages))
            await asyncio.sleep(1.0)
            stop.set()
            await worker
    kinds = [r["kind"] for r in await pool.fetch("select kind from alerts order by id")]
    assert kinds.count("volume_spike") == 1
    assert all(kinds.count(k) <= 1 for k in set(kinds)) and len(kinds) <= 3
    assert len(smtp.messages) == len(kinds) and len(hook.requests) == len(kinds)
    first = await pool.fetchrow("select details from alerts where kind = 'negative_mention'")
    assert first["details"]["groups"][0]["thread"] == "post-7"
    # The rest of the burst waits out the cooldown as pending rows, not as forty more alerts.
    assert await pool.fetchval("select count(*) from alert_items") == 40


async def test_restart_in_the_middle_of_delivery_loses_and_repeats_nothing(pool, brand, db_dsn):
    clock = Clock()
    with SmtpServer() as smtp:
        async with WebhookReceiver() as hook:
            hook.mode = "hang"
            await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"],
                            webhook_url=hook.url, webhook_secret=SECRET)
            await ingest(pool, brand, [negative("c-1", created_at=clock())], clock())
            stop = asyncio.Event()
            first = asyncio.create_task(run_alerts_worker(
                pool, smtp=smtp_for(smtp), base_url="http://inbox.test", stop=stop, clock=clock,
                sweep_seconds=0.3, summaries=False))
            await wait_for(lambda: len(hook.requests) == 1)
            first.cancel()  # the process dies while the webhook call hangs
            await asyncio.gather(first, return_exceptions=True)
            hook.mode = "ok"
            clock.advance(minutes=5)  # past the dead worker's lease
            stop = asyncio.Event()
            second = asyncio.create_task(run_alerts_worker(
                pool, smtp=smtp_for(smtp), base_url="http://inbox.test", stop=stop, clock=clock,
                sweep_seconds=0.3, summaries=False))
            await wait_for(lambda: len(hook.requests) == 2)
            await asyncio.sleep(0.8)
            stop.set()
            await second
    # One alert, one e-mail; the webhook resend carries the same delivery id for the receiver to drop.
    assert await pool.fetchval("select count(*) from alerts") == 1
    assert len(smtp.messages) == 1
    assert hook.requests[0][0][DELIVERY_HEADER] == hook.requests[1][0][DELIVERY_HEADER]
    rows = await pool.fetch("select channel, state, attempts from alert_deliveries where channel <> 'inapp' order by channel")
    assert [(r["channel"], r["state"]) for r in rows] == [("email", "sent"), ("webhook", "sent")]
    assert [r["attempts"] for r in rows] == [1, 2]


async def test_only_http_item_links_leave_in_alert_webhooks(pool, brand, db_dsn):
    clock = Clock()
    with SmtpServer() as smtp:
        async with WebhookReceiver() as hook:
            await configure(pool, brand["brand_id"], webhook_url=hook.url, webhook_secret=SECRET)
            stop = asyncio.Event()
            worker = asyncio.create_task(run_alerts_worker(
                pool, smtp=smtp_for(smtp), base_url="http://inbox.test", stop=stop, clock=clock,
                dsn=db_dsn, sweep_seconds=0.3, summaries=False))
            await asyncio.sleep(0.3)
            links = ["javascript:alert(document.cookie)", "https://www.facebook.com/1_2", "data:text/html,<b>x",
                     "https://user:pw@evil.example/", " https://x.example/"]
            items = []
            for n, url in enumerate(links):
                item = negative(f"u-{n}", created_at=clock() - timedelta(minutes=1), reasons=["negative", "urgent:safety"])
                item.url = url
                items.append(item)
            await ingest(pool, brand, items, clock())
            await wait_for(lambda: len(hook.requests) >= 1)
            stop.set()
            await worker
    # The links as the item rows hold them, whatever the ingest kept of them.
    stored = {r["id"]: r["url"] for r in await pool.fetch("select id, url from items")}
    sent = [it for payload in hook.payloads() for it in payload["alert"]["details"]["items"]]
    assert sent
    for it in sent:
        expected = stored[it["id"]] if stored[it["id"]] == "https://www.facebook.com/1_2" else None
        assert it["url"] == expected, (stored[it["id"]], it["url"])
