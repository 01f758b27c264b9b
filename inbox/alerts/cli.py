"""`jasette alerts test --brand SLUG`: a test alert through every configured channel, now."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime

import asyncpg

from inbox import netguard
from inbox.alerts.delivery import deliver_due
from inbox.alerts.store import email_targets, load_brand, raise_test_alert
from inbox.credentials import Vault
from inbox.smtp import SmtpConfig

# How long to wait for deliveries a running worker claimed before this command could.
WAIT_SECONDS = 30.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `alerts` sub-commands."""
    sub = parser.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    test = sub.add_parser("test", help="send a test alert through every configured channel")
    test.add_argument("--brand", required=True, help="brand slug, e.g. cafe-du-plateau")


async def _settled(pool: asyncpg.Pool, alert_id: int) -> list[asyncpg.Record]:
    loop = asyncio.get_running_loop()
    end = loop.time() + WAIT_SECONDS
    while True:
        rows = await pool.fetch(
            "select channel, target, state, attempts, last_error from alert_deliveries where alert_id = $1"
            " order by channel, target", alert_id)
        pending = [r for r in rows if r["state"] == "sending" or (r["state"] == "queued" and r["attempts"] == 0)]
        if not pending or loop.time() > end:
            return rows
        await asyncio.sleep(0.2)


async def run(args: argparse.Namespace, pool: asyncpg.Pool, *, smtp: SmtpConfig,
              base_url: str = "http://127.0.0.1:8000", policy: netguard.Policy | None = None,
              vault: Vault | None = None) -> int:
    """Raise the test alert, deliver it, print one line per channel; 0 when every channel worked."""
    brand_id = await pool.fetchval("select id from brands where slug = $1", args.brand)
    if brand_id is None:
        print(f"jasette: no brand with slug {args.brand!r}", file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        brand = await load_brand(conn, brand_id)
        emails = await email_targets(conn, brand)
        alert_id = await raise_test_alert(conn, brand, now)
    async with netguard.client_session(policy or netguard.Policy.from_env()) as session:
        await deliver_due(pool, smtp=smtp, base_url=base_url, now=now, session=session, only_alert=alert_id,
                          vault=vault)
    rows = await _settled(pool, alert_id)
    ok = True
    for row in rows:
        target = f" {row['target']}" if row["target"] else ""
        if row["state"] == "sent":
            print(f"{row['channel']}{target}: sent")
        else:
            ok = False
            print(f"{row['channel']}{target}: FAILED ({row['last_error'] or row['state']}); retried with backoff, "
                  "see the alerts page")
    if not emails:
        print("email: not configured (no owner and no alert_emails in the brand's settings)")
    elif not smtp.host:
        print("email: JASETTE_SMTP_HOST is unset, so e-mail is off")
    if not brand.webhook_host:
        print("webhook: not configured (Settings → Alerts, webhook address)")
    return 0 if ok else 1
