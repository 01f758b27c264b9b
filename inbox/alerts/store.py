"""Alerts in PostgreSQL: raising one (with its deliveries queued), digests, test alerts, listing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox import push as push_store
from inbox import sealed
from inbox.alerts import message
from inbox.alerts.person import Person
from inbox.alerts.person import targets as person_targets
from inbox.credentials import Vault
from inbox.db import Conn
from inbox.notify import ALERTS_CHANNEL, notify


@dataclass(frozen=True, slots=True)
class Brand:
    """What alerting needs of a brand."""

    id: int
    slug: str
    name: str
    lang: str
    timezone: str
    settings: dict[str, Any]
    # The webhook's address and signing secret, sealed (inbox/sealed.py); opened only to send.
    secrets: bytes | None = None

    @property
    def webhook_host(self) -> str:
        """scheme://host of the alert webhook ("" when none): what deliveries and pages show of it."""
        return str(self.settings.get("webhook_host") or "") or sealed.origin(self.settings.get("webhook_url"))

    def webhook(self, vault: Vault | None) -> tuple[str, str | None] | None:
        """The webhook's address and signing secret, opened; None when none is configured."""
        found = sealed.opened(vault, self.secrets, self.settings)
        url = found.get("webhook_url")
        return (str(url), found.get("webhook_secret")) if url else None


async def load_brand(conn: Conn, brand_id: int) -> Brand:
    """The brand row; LookupError when it does not exist."""
    row = await conn.fetchrow("select id, slug, name, lang, timezone, settings, secrets from brands where id = $1", brand_id)
    if row is None:
        raise LookupError(f"brand {brand_id} does not exist")
    return Brand(row["id"], row["slug"], row["name"], row["lang"], row["timezone"], row["settings"] or {},
                 bytes(row["secrets"]) if row["secrets"] is not None else None)


async def email_targets(conn: Conn, brand: Brand, *, owners_too: bool = False) -> list[str]:
    """settings.alert_emails, or else the brand owners' addresses; both with `owners_too`."""
    configured = [str(e).strip() for e in brand.settings.get("alert_emails") or [] if str(e).strip()]
    if configured and not owners_too:
        return configured
    rows = await conn.fetch(
        "select u.email from memberships m join users u on u.id = m.user_id"
        " where m.brand_id = $1 and m.role = 'owner' order by u.id",
        brand.id,
    )
    found: dict[str, str] = {}
    for address in [*configured, *(r["email"] for r in rows)]:
        found.setdefault(address.lower(), address)
    return list(found.values())


async def _queue(conn: Conn, alert_id: int, brand: Brand, channels: list[str], now: datetime, *,
                 owners_too: bool = False, push: bool = True, person: Person | None = None) -> None:
    targets: list[tuple[str, str]] = []
    if person is not None:
        # Addressed to one person: their browsers and their address only, never the brand's
        # alert e-mails nor its webhook.
        targets = await person_targets(conn, person, channels, push=push)
    elif push and "inapp" in channels:
        # The in-app alert also reaches the phones and browsers that asked for notifications
        # (Web Push), one delivery each, retried like an e-mail; never in quiet hours.
        targets += [("push", str(sub.id)) for sub in await push_store.brand_subscriptions(conn, brand.id)]
    if "email" in channels and person is None:
        targets += [("email", t) for t in await email_targets(conn, brand, owners_too=owners_too)]
    if "webhook" in channels and brand.webhook_host and person is None:
        # Its host only: the address may carry a token, and is read (sealed) when sending.
        targets.append(("webhook", brand.webhook_host))
    if targets:
        await conn.executemany(
            "insert into alert_deliveries (alert_id, channel, target, next_attempt_at) values ($1, $2, $3, $4)"
            " on conflict (alert_id, channel, target) do nothing",
            [(alert_id, channel, target, now) for channel, target in targets],
        )
    if "inapp" in channels:
        # The banner is a NOTIFY in the alert's own transaction: it goes out exactly when
        # the alert becomes visible, and never without it.
        await conn.execute(
            "insert into alert_deliveries (alert_id, channel, target, state, attempts, sent_at, next_attempt_at)"
            " values ($1, 'inapp', '', 'sent', 1, $2, $2) on conflict (alert_id, channel, target) do nothing",
            alert_id, now,
        )


async def raise_alert(
    conn: Conn,
    *,
    brand: Brand,
    rule_id: int | None,
    kind: str,
    dedupe_key: str,
    details: dict[str, Any],
    item_ids: list[int],
    channels: list[str],
    now: datetime,
    held_until: datetime | None = None,
    person: Person | None = None,
) -> int | None:
    """Insert the alert and queue its deliveries (call inside a transaction); None if it existed.

    With `person`, the alert is addressed to that member alone (details name them)."""
    if person is not None:
        details = {**details, "person": person.id}
    title = message.title(kind, details, brand.lang, brand.name)
    alert_id: int | None = await conn.fetchval(
        "insert into alerts (brand_id, rule_id, kind, dedupe_key, title, details, item_ids, created_at, held_until)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing returning id",
        brand.id, rule_id, kind, dedupe_key, title, details, item_ids, now, held_until,
    )
    if alert_id is None:
        return None
    # In quiet hours only the in-app list hears of it now; the rest waits for the digest.
    # Only an owner can reconnect an account: connection alerts reach every owner, besides the
    # addresses the alerts go to. Push notifications never go out in quiet hours.
    await _queue(conn, alert_id, brand, ["inapp"] if held_until else channels, now,
                 owners_too=kind in message.ACCOUNT_KINDS, push=held_until is None, person=person)
    if "inapp" in channels:
        # An alert addressed to one person shows on their pages only: web/live.py reads whom
        # from the alert's details, never from the payload.
        await notify(conn, ALERTS_CHANNEL, {"brand": brand.id, "alert": alert_id, "kind": kind, "title": title[:500]})
    return alert_id


async def release_digests(conn: Conn, now: datetime) -> list[int]:
    """Gather alerts whose quiet hours ended into one digest alert per brand; return digest ids."""
    created: list[int] = []
    async with conn.transaction():
        rows = await conn.fetch(
            "select a.id, a.brand_id, a.kind, a.title, a.details, a.item_ids, coalesce(r.channels, '{}') as channels"
            " from alerts a left join alert_rules r on r.id = a.rule_id"
            " where a.held_until <= $1 and a.digest_id is null order by a.id for update of a skip locked",
            now,
        )
        by_brand: dict[int, list[Any]] = {}
        for row in rows:
            by_brand.setdefault(row["brand_id"], []).append(row)
        for brand_id, held in by_brand.items():
            brand = await load_brand(conn, brand_id)
            channels = sorted({c for r in held for c in r["channels"]})
            items = [it for r in held for it in r["details"].get("items", [])][:15]
            details = {
                "alerts": [{"id": r["id"], "kind": r["kind"], "title": r["title"]} for r in held],
                "items": items,
            }
            ids = sorted({i for r in held for i in r["item_ids"]})
            digest_id = await raise_alert(
                conn, brand=brand, rule_id=None, kind="digest", dedupe_key=f"digest:{held[0]['id']}",
                details=details, item_ids=ids, channels=channels, now=now,
            )
            if digest_id is not None:
                await conn.execute("update alerts set digest_id = $1 where id = any($2::bigint[])",
                                   digest_id, [r["id"] for r in held])
                created.append(digest_id)
    return created


async def raise_test_alert(conn: Conn, brand: Brand, now: datetime) -> int:
    """A test alert through every channel the brand has configured."""
    async with conn.transaction():
        alert_id = await raise_alert(
            conn, brand=brand, rule_id=None, kind="test", dedupe_key=f"test:{now.isoformat()}",
            details={}, item_ids=[], channels=["inapp", "email", "webhook"], now=now,
        )
    assert alert_id is not None
    return alert_id


async def list_alerts(conn: Conn, brand_id: int, *, limit: int = 100) -> list[dict[str, Any]]:
    """The newest alerts of a brand with the state of each delivery (failures shown)."""
    rows = await conn.fetch(
        """
        select a.id, a.kind, a.title, a.details, a.item_ids, a.created_at, a.read_at, a.held_until, a.digest_id,
               coalesce(json_agg(json_build_object(
                   'channel', d.channel, 'target', d.target, 'state', d.state, 'attempts', d.attempts,
                   'last_error', d.last_error, 'next_attempt_at', d.next_attempt_at, 'sent_at', d.sent_at)
                   order by d.channel, d.target) filter (where d.id is not null), '[]') as deliveries
        from alerts a left join alert_deliveries d on d.alert_id = a.id
        where a.brand_id = $1 group by a.id order by a.created_at desc, a.id desc limit $2
        """,
        brand_id, limit,
    )
    return [dict(r) for r in rows]


async def banner_rows(conn: Conn, brand_id: int, alert_ids: list[int]) -> list[dict[str, Any]]:
    """The brand's alerts among `alert_ids` with the brand's name (others' ids show nothing)."""
    rows = await conn.fetch(
        "select a.id, a.kind, a.title, a.details, b.name as brand_name from alerts a join brands b on b.id = a.brand_id"
        " where a.brand_id = $1 and a.id = any($2::bigint[]) order by a.id",
        brand_id, alert_ids,
    )
    return [dict(r) for r in rows]


async def mark_read(conn: Conn, brand_id: int, alert_id: int, now: datetime) -> bool:
    """Mark one alert of the brand read; False when it is not the brand's."""
    status = await conn.execute(
        "update alerts set read_at = coalesce(read_at, $3) where id = $1 and brand_id = $2", alert_id, brand_id, now
    )
    return status.endswith(" 1")
