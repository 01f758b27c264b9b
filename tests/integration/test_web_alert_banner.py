"""The in-app alert banner over a real uvicorn server: an alert raised in the store reaches its
brand's websockets with its title in each reader's language, and never another brand's."""

from __future__ import annotations

from datetime import UTC, datetime

from live_socket import live_socket, next_message
from web_app import LiveServer, ingest, seed

from inbox.alerts.store import load_brand, raise_alert
from inbox.notify import ALERTS_CHANNEL, notify


def _alert(m) -> bool:
    return m["t"] == "alert"


async def _raise(pool, brand_id: int, key: str) -> int:
    async with pool.acquire() as conn, conn.transaction():
        brand = await load_brand(conn, brand_id)
        alert_id = await raise_alert(conn, brand=brand, rule_id=None, kind="test", dedupe_key=key, details={},
                                     item_ids=[], channels=["inapp"], now=datetime.now(UTC))
    assert alert_id is not None
    return alert_id


async def test_banner_alerts_stay_in_their_brand_and_speak_the_readers_language(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update brands set name = $2 where id = $1", ids["brand_a"], "Café <b>A</b>")
        await conn.execute("update users set ui_lang = 'en' where id = $1", ids["owner_a"])
    with LiveServer(db_dsn) as server:
        agent_a = await live_socket(server, "agent@a.test", "?only=alert")   # French, a page other than the inbox
        owner_a = await live_socket(server, "owner@a.test")                  # English, the inbox page
        owner_b = await live_socket(server, "owner@b.test")
        b_alert = await _raise(pool, ids["brand_b"], "b-1")
        got_b = await next_message(owner_b, _alert)
        assert (got_b["alert"], got_b["kind"]) == (b_alert, "test")
        assert got_b["title"].startswith("[Boutique B] Test alert")
        # A NOTIFY that names brand A but carries brand B's alert id shows nothing to A.
        async with pool.acquire() as conn:
            await notify(conn, ALERTS_CHANNEL, {"brand": ids["brand_a"], "alert": b_alert, "kind": "test", "title": "forged"})
        a_alert = await _raise(pool, ids["brand_a"], "a-1")
        fr = await next_message(agent_a, _alert)
        en = await next_message(owner_a, _alert)
        assert fr["alert"] == en["alert"] == a_alert  # the first alert either hears is its own brand's
        # Plain JSON text (the page sets textContent), in the brand's French and the owner's English.
        assert fr["title"].startswith("[Café <b>A</b>] Alerte de test — Ceci est un test")
        assert en["title"].startswith("[Café <b>A</b>] Test alert — This is a test")
        # An alert-only socket hears no items; the inbox socket does.
        async with pool.acquire() as conn:
            item = await ingest(conn, ids["brand_a"], ids["account_a"], "Allô")
        await next_message(owner_a, lambda m: m["t"] == "items" and m["items"][0]["id"] == item)
        second = await _raise(pool, ids["brand_a"], "a-2")
        assert (await next_message(agent_a, lambda m: True))["alert"] == second
        for ws in (agent_a, owner_a, owner_b):
            await ws.close()
