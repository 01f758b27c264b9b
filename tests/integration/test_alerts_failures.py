"""Bad input on the delivery side: SMTP unreachable, a webhook answering 500 or hanging, a bad
URL — a clear message, retries with backoff, visible in the alerts list; and `jasette alerts test`."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

import aiohttp
from alerting import configure
from receivers import SmtpServer, WebhookReceiver, free_port

from inbox.alerts import cli
from inbox.alerts.delivery import MAX_ATTEMPTS, deliver_due
from inbox.alerts.store import list_alerts, load_brand, raise_test_alert
from inbox.alerts.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from inbox.sealed import origin
from inbox.smtp import SmtpConfig

NOW = datetime(2026, 11, 18, 19, 0, tzinfo=UTC)


async def make_test_alert(pool, brand_id: int) -> int:
    async with pool.acquire() as conn:
        return await raise_test_alert(conn, await load_brand(conn, brand_id), NOW)


async def test_unreachable_smtp_and_failing_webhook_retry_with_backoff_then_give_up(pool, brand):
    async with WebhookReceiver() as hook:
        hook.mode = "fail"
        await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"], webhook_url=hook.url)
        await make_test_alert(pool, brand["brand_id"])
        smtp = SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
        async with aiohttp.ClientSession() as session:
            outcomes = await deliver_due(pool, smtp=smtp, base_url="http://x", now=NOW, session=session)
            assert sorted((o.channel, o.ok) for o in outcomes) == [("email", False), ("webhook", False)]
            errors = {o.channel: o.error for o in outcomes}
            assert "unreachable" in errors["email"] and f"127.0.0.1:{smtp.port}" in errors["email"]
            # Named by its host only: the stored error never holds the address's path, where tokens live.
            assert errors["webhook"] == f"webhook {origin(hook.url)} answered HTTP 500"
            # Not due again before the backoff.
            assert await deliver_due(pool, smtp=smtp, base_url="http://x", now=NOW + timedelta(seconds=20), session=session) == []
            at = NOW
            for _ in range(MAX_ATTEMPTS - 1):
                at += timedelta(hours=3)
                await deliver_due(pool, smtp=smtp, base_url="http://x", now=at, session=session)
    [alert] = await list_alerts(pool, brand["brand_id"])
    failed = {d["channel"]: d for d in alert["deliveries"] if d["channel"] != "inapp"}
    assert {d["state"] for d in failed.values()} == {"failed"}
    assert failed["webhook"]["attempts"] == MAX_ATTEMPTS and "HTTP 500" in failed["webhook"]["last_error"]
    assert len(hook.requests) == MAX_ATTEMPTS


async def test_hanging_webhook_times_out_with_a_clear_message(pool, brand):
    async with WebhookReceiver() as hook:
        hook.mode = "hang"
        await configure(pool, brand["brand_id"], webhook_url=hook.url)
        await make_test_alert(pool, brand["brand_id"])
        async with aiohttp.ClientSession() as session:
            [outcome] = await deliver_due(pool, smtp=SmtpConfig(), base_url="http://x", now=NOW, session=session,
                                          webhook_timeout=0.3)
    assert not outcome.ok and outcome.error == f"webhook {origin(hook.url)} did not answer within 0.3 s"
    row = await pool.fetchrow("select state, next_attempt_at from alert_deliveries where channel = 'webhook'")
    assert row["state"] == "queued" and row["next_attempt_at"] == NOW + timedelta(seconds=30)


async def test_bad_webhook_url_and_email_off_say_so(pool, brand):
    await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"], webhook_url="pas une adresse")
    await make_test_alert(pool, brand["brand_id"])
    async with aiohttp.ClientSession() as session:
        outcomes = await deliver_due(pool, smtp=SmtpConfig(host=None), base_url="http://x", now=NOW, session=session)
    errors = {o.channel: o.error for o in outcomes}
    assert errors["email"] == "e-mail is off: set JASETTE_SMTP_HOST"
    # Not retried: it is a fact of this install, shown on the alerts page.
    assert await pool.fetchval("select state from alert_deliveries where channel = 'email'") == "failed"
    assert "not a valid URL" in errors["webhook"] or "unreachable" in errors["webhook"]


async def test_cli_sends_a_test_alert_through_every_channel(pool, brand, capsys):
    with SmtpServer() as server:
        async with WebhookReceiver() as hook:
            await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"], webhook_url=hook.url,
                            webhook_secret="k")
            smtp = SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)
            code = await cli.run(argparse.Namespace(brand="cafe-test"), pool, smtp=smtp, base_url="http://inbox.test")
    out = capsys.readouterr().out
    assert code == 0, out
    assert "email patronne@cafe.test: sent" in out and f"webhook {origin(hook.url)}: sent" in out and "inapp: sent" in out
    assert "Alerte de test" in server.messages[0]["Subject"]
    headers, body = hook.requests[0]
    assert verify("k", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])


async def test_cli_reports_failures_and_unknown_brands(pool, brand, capsys):
    await configure(pool, brand["brand_id"], alert_emails=["patronne@cafe.test"])
    smtp = SmtpConfig(host="127.0.0.1", port=free_port(), starttls=False, timeout=2)
    code = await cli.run(argparse.Namespace(brand="cafe-test"), pool, smtp=smtp, base_url="http://inbox.test")
    out = capsys.readouterr().out
    assert code == 1 and "email patronne@cafe.test: FAILED" in out and "unreachable" in out
    assert "webhook: not configured" in out
    # Tried once now; the worker retries later with backoff, not this command in a loop.
    assert await pool.fetchval("select attempts from alert_deliveries where channel = 'email'") == 1
    assert await cli.run(argparse.Namespace(brand="nope"), pool, smtp=smtp) == 2
    assert "no brand with slug 'nope'" in capsys.readouterr().err
