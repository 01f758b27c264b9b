"""The Monday send: each brand's last week, to its owners, once, whatever the number of workers.

A weekly_summaries row per (brand, week) is the claim: a worker takes it with a lease; the
addresses served go into sent_to one by one; sent_at closes it. A worker dying halfway leaves
the lease to expire and the next one mails only who is missing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

import asyncpg

from inbox import smtp as email
from inbox.alerts.message import Describe
from inbox.db import Conn
from inbox.smtp import SmtpConfig
from inbox.summary import labels, query, render
from inbox.summary.period import last_complete_week, week_of
from inbox.zones import zone

# (code, ui language) -> the platform's name; the caller knows the registry, inbox does not.
PlatformName = Callable[[str, str], str]

log = logging.getLogger(__name__)

DEFAULT_HOUR = 8  # local time on Monday; brands.settings "summary_hour" overrides it
LEASE = timedelta(minutes=10)
RETRY = timedelta(minutes=15)
MAX_ATTEMPTS = 5

_CLAIM = """
insert into weekly_summaries (brand_id, iso_week, data, lease_until, attempts)
values ($1, $2, '{}', $3::timestamptz + $4::interval, 1)
on conflict (brand_id, iso_week) do update
    set lease_until = excluded.lease_until, attempts = weekly_summaries.attempts + 1
    where weekly_summaries.sent_at is null and weekly_summaries.attempts < $5
      and (weekly_summaries.lease_until is null or weekly_summaries.lease_until < $3)
returning sent_to
"""


def send_hour(settings: dict[str, Any]) -> int:
    """The brand's configured Monday hour (0-23), DEFAULT_HOUR when unset or invalid."""
    raw = settings.get("summary_hour", DEFAULT_HOUR)
    try:
        hour = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_HOUR
    return hour if 0 <= hour <= 23 else DEFAULT_HOUR


def due_week(now: datetime, timezone: str, hour: int) -> str | None:
    """The ISO week to send at `now` (the last complete one), or None before Monday's hour."""
    tz = zone(timezone)
    this_week = week_of(now.astimezone(tz).date(), tz)
    if now < datetime.combine(this_week.monday, time(hour), tzinfo=tz):
        return None
    return last_complete_week(now, tz).label


async def owners(conn: Conn, brand_id: int) -> list[asyncpg.Record]:
    """E-mail, name and interface language of the brand's owners."""
    return await conn.fetch(
        "select u.email, u.name, u.ui_lang from memberships m join users u on u.id = m.user_id"
        " where m.brand_id = $1 and m.role = 'owner' order by u.id", brand_id)


async def send_brand_week(conn: Conn, brand: Any, week: str, *, smtp: SmtpConfig,
                          base_url: str, now: datetime, platform_name: PlatformName | None = None,
                          describe: Describe | None = None) -> bool:
    """Claim, compute and mail one brand's week; False when someone else has it or it is done."""
    sent_to = await conn.fetchval(_CLAIM, brand["id"], week, now, LEASE, MAX_ATTEMPTS)
    if sent_to is None:
        return False
    summary = await query.compute(conn, brand, week, now)
    await conn.execute("update weekly_summaries set data = $3, computed_at = $4 where brand_id = $1 and iso_week = $2",
                       brand["id"], week, summary, now)
    error = None
    if smtp.host:
        for owner in await owners(conn, brand["id"]):
            if owner["email"] in sent_to:
                continue
            lang = owner["ui_lang"]
            shown = labels.named(summary, lang, platform_name, describe)
            msg = email.build(smtp, to=owner["email"], subject=render.email_subject(shown, lang),
                              text=render.text(shown, lang, base_url), html=render.email_html(shown, lang, base_url),
                              message_key=f"jasette-summary-{brand['id']}-{week}-{owner['email']}", lang=lang)
            try:
                await email.send(smtp, msg)
            except email.EmailError as exc:
                error = str(exc)
                break
            await conn.execute("update weekly_summaries set sent_to = array_append(sent_to, $3)"
                               " where brand_id = $1 and iso_week = $2", brand["id"], week, owner["email"])
    else:
        error = None  # the page still shows the summary; there is just nobody to mail
    if error is not None:
        log.warning("weekly summary %s %s not sent: %s", brand["slug"], week, error)
        await conn.execute("update weekly_summaries set last_error = $3, lease_until = $4::timestamptz + $5::interval"
                           " where brand_id = $1 and iso_week = $2", brand["id"], week, error, now, RETRY)
        return False
    await conn.execute("update weekly_summaries set sent_at = $3, lease_until = null, last_error = $4"
                       " where brand_id = $1 and iso_week = $2", brand["id"], week, now,
                       None if smtp.host else "e-mail is off (JASETTE_SMTP_HOST unset)")
    return True


async def send_due_summaries(pool: asyncpg.Pool, *, smtp: SmtpConfig, base_url: str, now: datetime,
                             platform_name: PlatformName | None = None,
                             describe: Describe | None = None) -> list[tuple[str, str]]:
    """Send every brand's due summary; the (slug, week) pairs this call sent (`describe`: reason
    codes in words, nlp.reasons.describe)."""
    sent = []
    async with pool.acquire() as conn:
        brands = await conn.fetch("select id, slug, name, lang, timezone, settings from brands order by id")
        for brand in brands:
            week = due_week(now, brand["timezone"], send_hour(brand["settings"] or {}))
            if week is None:
                continue
            if await conn.fetchval("select sent_at is not null from weekly_summaries where brand_id = $1 and iso_week = $2",
                                   brand["id"], week):
                continue
            if await send_brand_week(conn, brand, week, smtp=smtp, base_url=base_url, now=now,
                                     platform_name=platform_name, describe=describe):
                sent.append((brand["slug"], week))
    return sent
