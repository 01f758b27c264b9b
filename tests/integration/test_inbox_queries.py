"""Query functions moved into inbox/ from the web and collector layers: each answers only for
its brand, and the writes change what they say (and only that)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from web_app import ingest, seed

from inbox import accounts, analysis, db, pushed, queries, saved_replies, users
from inbox.alerts import settings as alert_settings
from inbox.alerts import store as alert_store
from inbox.summary import query as summary_query
from inbox.types import Analysis


async def test_reads_answer_only_for_their_brand(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour", author="Luc Roy")
        assert await queries.item_exists(conn, ids["brand_a"], item)
        assert not await queries.item_exists(conn, ids["brand_b"], item)
        assert await saved_replies.item_context(conn, ids["brand_a"], item) == {"lang": "fr", "author_name": "Luc Roy", "business": "Café A",
                                                                                  "sentiment": "neutral", "answered": False,
                                                                                  "body": "Bonjour", "reasons": ["negative"]}
        assert await saved_replies.item_context(conn, ids["brand_b"], item) is None
        alert = await alert_store.raise_test_alert(conn, await alert_store.load_brand(conn, ids["brand_a"]),
                                                   datetime.now(UTC))
        assert [r["id"] for r in await alert_store.banner_rows(conn, ids["brand_a"], [alert])] == [alert]
        assert await alert_store.banner_rows(conn, ids["brand_b"], [alert]) == []
        assert (await summary_query.brand_by_id(conn, ids["brand_b"]))["slug"] == "boutique-b"
        assert await users.password_hash(conn, ids["agent_a"]) and await users.password_hash(conn, -1) is None
        # The database's clock, not this machine's.
        assert abs(await db.server_now(conn) - datetime.now(UTC)) < timedelta(minutes=5)


async def test_settings_writes_touch_only_their_brand(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        assert not await accounts.update_details(conn, brand_id=ids["brand_b"], account_id=ids["account_a"],
                                                 name="Volé", base_url=None, settings={})
        assert await accounts.update_details(conn, brand_id=ids["brand_a"], account_id=ids["account_a"],
                                             name="Site", base_url="https://cafe.test", settings={"feed": "x"})
        row = await accounts.get_account(conn, ids["brand_a"], ids["account_a"])
        assert (row["name"], row["base_url"], row["settings"]["feed"]) == ("Site", "https://cafe.test", "x")
        rule = (await alert_settings.list_rules(conn, ids["brand_a"]))[0]
        assert await alert_settings.rule_kind(conn, ids["brand_b"], rule["id"]) is None
        assert not await alert_settings.save_rule(conn, ids["brand_b"], rule["id"], enabled=False, params={}, channels=[],
                                                  cooldown_minutes=5, quiet_start=None, quiet_end=None)
        assert await alert_settings.save_rule(conn, ids["brand_a"], rule["id"], enabled=False, params={}, channels=["inapp"],
                                              cooldown_minutes=5, quiet_start=None, quiet_end=None)
        saved = (await alert_settings.list_rules(conn, ids["brand_a"]))[0]
        assert (saved["enabled"], saved["channels"], saved["cooldown_minutes"]) == (False, ["inapp"], 5)
        await alert_settings.merge_brand_settings(conn, ids["brand_a"], {"summary_hour": 9})
        assert (await alert_store.load_brand(conn, ids["brand_a"])).settings["summary_hour"] == 9
        assert "summary_hour" not in (await alert_store.load_brand(conn, ids["brand_b"])).settings


async def test_pushed_hide_flips_once_and_late_analysis_never_overwrites(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour")
        external = await conn.fetchval("select external_id from items where id = $1", item)
        assert await pushed.known_external_ids(conn, ids["brand_a"], "wordpress", [external, "nope"]) == {external}
        assert await pushed.known_external_ids(conn, ids["brand_b"], "wordpress", [external]) == set()
        assert await pushed.set_hidden(conn, ids["brand_a"], "wordpress", external, True) == [item]
        assert await pushed.set_hidden(conn, ids["brand_a"], "wordpress", external, True) == []  # no change, no news
        # Pushed changes reach an account only once it proved access (issue 13, finding 1).
        assert await accounts.connected(conn, "wordpress", f"site-{ids['brand_a']}") == []
        await conn.execute("update accounts set verified_at = now() where id = $1", ids["account_a"])
        assert [a["brand_id"] for a in await accounts.connected(conn, "wordpress", f"site-{ids['brand_a']}")] == [ids["brand_a"]]
        # Stored unanalysed (a webhook), then analysed late; an item analysed meanwhile is left alone.
        await conn.execute("update items set analyzed_at = null where id = $1", item)
        pending = await analysis.pending(conn, 10)
        assert [p["id"] for p in pending] == [item]
        late = Analysis(lang="fr", sentiment="negative", priority=80, reasons=["negative"])
        assert await analysis.store_analyses(conn, [item], [late], datetime.now(UTC)) == 1
        assert await conn.fetchval("select sentiment from items where id = $1", item) == "negative"
        assert await analysis.store_analyses(conn, [item], [Analysis(sentiment="positive")], datetime.now(UTC)) == 0
        assert await analysis.pending(conn, 10) == []
