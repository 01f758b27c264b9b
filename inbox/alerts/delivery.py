"""The delivery queue: claim due e-mail and webhook deliveries, send, record the outcome.

A claim is a lease (state 'sending' until lease_until): a worker that dies mid-send leaves a
row another worker takes once the lease expires, so nothing is lost. What was sent is marked
sent at once, and resends carry the same Message-ID / X-Jasette-Delivery for receivers to drop.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import asyncpg

from inbox import push
from inbox import smtp as email
from inbox.alerts import message, person, webhook
from inbox.alerts.store import Brand, load_brand
from inbox.credentials import CredentialsUnreadable, Vault
from inbox.db import Conn
from inbox.smtp import SmtpConfig

log = logging.getLogger(__name__)

# Waits after failed attempts 1, 2, 3...; a delivery failing MAX_ATTEMPTS times stays 'failed'.
BACKOFF_SECONDS = (30, 120, 600, 1800, 7200)
MAX_ATTEMPTS = 6
LEASE_SECONDS = 120

_CLAIM = """
update alert_deliveries d set state = 'sending', attempts = d.attempts + 1, lease_until = $1::timestamptz + make_interval(secs => $3::int)
where d.id in (
    select id from alert_deliveries
    where channel <> 'inapp' and ((state = 'queued' and next_attempt_at <= $1) or (state = 'sending' and lease_until < $1))
    order by next_attempt_at, id limit $2 for update skip locked)
returning d.id, d.alert_id, d.channel, d.target, d.attempts
"""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What happened to one delivery attempt."""

    delivery_id: int
    channel: str
    target: str
    ok: bool
    error: str | None = None


def backoff(attempts: int) -> timedelta:
    """The wait before the next attempt after `attempts` failures."""
    return timedelta(seconds=BACKOFF_SECONDS[min(max(attempts, 1), len(BACKOFF_SECONDS)) - 1])


async def _send_one(conn: Conn, row: Any, alert: Any, *, smtp: SmtpConfig, base_url: str,
                    session: aiohttp.ClientSession, now: datetime, webhook_timeout: float,
                    describe: message.Describe | None, platform_name: message.Describe | None,
                    vault: Vault | None) -> None:
    brand = await load_brand(conn, alert["brand_id"])
    details = alert["details"] or {}
    if row["channel"] == "push":
        # An alert addressed to someone reaches their browsers in their language.
        reader = await _recipient(conn, alert)
        msg = message.render(alert["kind"], details, lang=reader.lang if reader else brand.lang, brand_name=brand.name,
                             base_url=base_url, describe=describe, platform_name=platform_name)
        await _push(conn, row, alert, msg, session=session, base_url=base_url, sender=smtp.sender, timeout=webhook_timeout,
                    vault=vault)
        return
    if row["channel"] == "email":
        # Someone removed from the team since it was raised gets nothing (RecipientGone).
        reader = await _recipient(conn, alert)
        lang = reader.lang if reader else await reader_lang(conn, brand, row["target"])
        msg = message.render(alert["kind"], details, lang=lang, brand_name=brand.name, base_url=base_url,
                             describe=describe, platform_name=platform_name)
        mime = email.build(smtp, to=row["target"], subject=msg.subject, text=msg.text, html=msg.html,
                           message_key=f"jasette-alert-{alert['id']}-{row['id']}", lang=lang)
        await email.send(smtp, mime)
        return
    msg = message.render(alert["kind"], details, lang=brand.lang, brand_name=brand.name, base_url=base_url,
                         describe=describe, platform_name=platform_name)
    link, link_label = message.action(alert["kind"], details, base_url, brand.lang)
    # Slack reads &, < and > as markup in `text`: escape them, then add the link its own way.
    subject = msg.subject.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    payload = {
        "text": f"{subject}\n<{link}|{link_label}>",
        "alert": {"id": alert["id"], "kind": alert["kind"], "brand": brand.slug, "lang": brand.lang,
                  "title": msg.subject, "reason": message.reason_line(alert["kind"], details, brand.lang, describe),
                  "created_at": alert["created_at"].isoformat(),
                  "details": _with_words(message.outgoing_details(details), brand.lang, describe),
                  "url": link},
    }
    # The address as configured now (sealed at rest): the row names only its host.
    try:
        configured = brand.webhook(vault)
    except CredentialsUnreadable as exc:
        raise webhook.WebhookError("the webhook's address cannot be opened: check JASETTE_SECRET_KEY") from exc
    if configured is None:
        raise webhook.WebhookError("no webhook is configured any more")
    url, secret = configured
    await webhook.post(session, url, payload, secret=secret,
                       timestamp=int(now.timestamp()), delivery_id=f"{alert['id']}-{row['id']}",
                       timeout=webhook_timeout)


class RecipientGone(Exception):
    """The person an alert is addressed to left the brand's team since it was raised."""


async def _recipient(conn: Conn, alert: Any) -> person.Person | None:
    """The member an alert is addressed to (None: the brand's channels); RecipientGone when
    they are no longer on the team: nothing is sent to them."""
    user_id = person.addressed_to(alert["details"])
    if user_id is None:
        return None
    found = await person.team_member(conn, alert["brand_id"], user_id)
    if found is None:
        raise RecipientGone("this person is no longer on the brand's team: nothing sent")
    return found


async def reader_lang(conn: Conn, brand: Brand, address: str) -> str:
    """The language a member reading at `address` chose for Jasette; the brand's for anyone else
    (an address typed in the alert settings that belongs to nobody on the team)."""
    lang: str | None = await conn.fetchval(
        "select u.ui_lang from users u join memberships m on m.user_id = u.id"
        " where m.brand_id = $1 and lower(u.email) = lower($2) order by m.role = 'owner' desc, u.id limit 1",
        brand.id, address)
    return lang or brand.lang


def _with_words(details: dict[str, Any], lang: str, describe: message.Describe | None) -> dict[str, Any]:
    # Receivers that route on codes keep `reasons`; people reading a relay get `reasons_text`.
    items = details.get("items")
    if not isinstance(items, list):
        return details
    return {**details, "items": [
        {**it, "reasons_text": message.reasons_in_words(it.get("reasons"), lang, describe)} if isinstance(it, dict) else it
        for it in items]}


async def _push(conn: Conn, row: Any, alert: Any, msg: message.Message, *, session: aiohttp.ClientSession,
                base_url: str, sender: str, timeout: float, vault: Vault | None) -> None:
    if vault is None:
        raise push.PushError("no JASETTE_SECRET_KEY: the push signing key cannot be read")
    sub = await push.subscription(conn, int(row["target"]))
    if sub is None:
        raise push.PushError("the browser stopped asking for notifications", gone=True)
    items = list(alert["item_ids"] or [])
    # A tap opens the comment itself when the alert is about one, else the alerts page.
    # The tag is the one an open inbox tab gives the same news (static/stream.js, banner.js): one notification, not two.
    payload = {"title": msg.subject, "body": " ".join(msg.text.split())[:200],
               "tag": f"item-{items[0]}" if len(items) == 1 else f"alert-{alert['id']}",
               "url": f"/items/{items[0]}" if len(items) == 1 else "/alerts"}
    # VAPID asks for a way to reach the sender: the install's https address, else its e-mail sender.
    contact = base_url if base_url.startswith("https://") else f"mailto:{sender}"
    try:
        await push.send(session, await push.keys(conn, vault), sub, payload, contact=contact, timeout=timeout)
    except push.PushError as exc:
        if exc.gone:
            await push.forget(conn, sub.id)
        raise


async def _claim(conn: Conn, now: datetime, only_alert: int | None) -> Any:
    # One row per claim: its lease then only has to cover its own send (at most the timeout),
    # never a queue of slow receivers behind it.
    if only_alert is None:
        return await conn.fetchrow(_CLAIM, now, 1, LEASE_SECONDS)
    return await conn.fetchrow(
        "update alert_deliveries set state = 'sending', attempts = attempts + 1,"
        " lease_until = $2::timestamptz + make_interval(secs => $3::int)"
        " where id = (select id from alert_deliveries where alert_id = $1 and channel <> 'inapp'"
        " and ((state = 'queued' and next_attempt_at <= $2) or (state = 'sending' and lease_until < $2))"
        " order by id limit 1 for update skip locked)"
        " returning id, alert_id, channel, target, attempts", only_alert, now, LEASE_SECONDS)


async def deliver_due(pool: asyncpg.Pool, *, smtp: SmtpConfig, base_url: str, now: datetime,
                      session: aiohttp.ClientSession, limit: int = 20,
                      only_alert: int | None = None, webhook_timeout: float = 10.0,
                      describe: message.Describe | None = None,
                      platform_name: message.Describe | None = None,
                      vault: Vault | None = None) -> list[Outcome]:
    """Claim and send up to `limit` due deliveries (or those of one alert); their outcomes.

    `describe` turns reason codes into words (nlp.reasons.describe) and `platform_name` platform
    codes into names (web.i18n.platform_name); without them the codes show."""
    outcomes: list[Outcome] = []
    async with pool.acquire() as conn:
        while len(outcomes) < limit:
            row = await _claim(conn, now, only_alert)
            if row is None:
                break
            alert = await conn.fetchrow("select * from alerts where id = $1", row["alert_id"])
            if row["channel"] == "email" and not smtp.host:
                # Not a failure to retry: this install has no SMTP server. Say so once, on the row.
                outcomes.append(await _failed(conn, row, "e-mail is off: set JASETTE_SMTP_HOST", now, final=True))
                continue
            try:
                await _send_one(conn, row, alert, smtp=smtp, base_url=base_url, session=session, now=now,
                                webhook_timeout=webhook_timeout, describe=describe, platform_name=platform_name,
                                vault=vault)
            except push.PushError as exc:  # a browser gone for good is not worth retrying
                outcomes.append(await _failed(conn, row, str(exc), now, final=exc.gone))
                continue
            except RecipientGone as exc:  # a fact about the team, not a failure to retry
                outcomes.append(await _failed(conn, row, str(exc), now, final=True))
                continue
            except (email.EmailError, webhook.WebhookError) as exc:
                outcomes.append(await _failed(conn, row, str(exc), now))
                continue
            except Exception as exc:  # a bug must cost one delivery its retries, not stall the queue
                log.exception("alert delivery %s: unexpected error", row["id"])
                outcomes.append(await _failed(conn, row, f"internal error: {type(exc).__name__}", now))
                continue
            await conn.execute(
                "update alert_deliveries set state = 'sent', sent_at = $2, lease_until = null, last_error = null"
                " where id = $1", row["id"], now)
            outcomes.append(Outcome(row["id"], row["channel"], row["target"], True))
    return outcomes


async def _failed(conn: Conn, row: Any, error: str, now: datetime, *, final: bool = False) -> Outcome:
    quiet = final  # a configuration fact, shown on the alerts page rather than logged per alert
    final = final or row["attempts"] >= MAX_ATTEMPTS
    await conn.execute(
        "update alert_deliveries set state = $2, last_error = $3, lease_until = null, next_attempt_at = $4"
        " where id = $1",
        row["id"], "failed" if final else "queued", error[:1000], now + backoff(row["attempts"]),
    )
    if not quiet and (row["attempts"] == 1 or final):
        # Health changes are logged, not every retry: the alerts list shows each attempt's error.
        log.warning("alert delivery %s (%s) %s: %s", row["id"], row["channel"],
                    "gave up" if final else "failed, will retry", error)
    return Outcome(row["id"], row["channel"], row["target"], False, error)


async def next_due(pool: asyncpg.Pool) -> datetime | None:
    """When the earliest queued or leased delivery becomes due (None: nothing waits)."""
    value: datetime | None = await pool.fetchval(
        "select min(case when state = 'queued' then next_attempt_at else lease_until end)"
        " from alert_deliveries where state in ('queued', 'sending') and channel <> 'inapp'"
    )
    return value
