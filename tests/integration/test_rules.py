"""Automation rules (Settings → Règles): applied at ingest and on a new reading, in order, each
action in the item's history with the rule's name; the preview count; the form's errors."""

from __future__ import annotations

import html
from datetime import UTC, datetime

from web_app import client_for, ingest, login, make_app, seed

from inbox import analysis, rescore, rules
from inbox.ingest import ingest_batch
from inbox.types import Analysis, Author, NewItem


async def _rule(conn, brand_id: int, name: str, conditions: dict, actions: dict) -> int:
    return await rules.create(conn, brand_id, name, conditions, actions, None)


async def test_rules_apply_at_ingest_in_order_and_show_in_the_history(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a = ids["brand_a"]
        await _rule(conn, a, "Remboursements", {"keywords": ["remboursement"]},
                    {"tag": "remboursement", "assign": ids["agent_a"], "status": "pending", "alert": True})
        # Runs second: the item is already someone's, so it is not taken from them.
        await _rule(conn, a, "Tout au propriétaire", {}, {"assign": ids["owner_a"]})
        # Another brand's rule never touches brand A's items.
        await _rule(conn, ids["brand_b"], "Autre marque", {}, {"tag": "autre"})
        refund = await ingest(conn, a, ids["account_a"], "Je veux mon REMBOURSEMENT tout de suite")
        praise = await ingest(conn, a, ids["account_a"], "Merci, meilleur café en ville")
        item = await conn.fetchrow("select assignee_id, status from items where id = $1", refund)
        assert item["assignee_id"] == ids["agent_a"] and item["status"] == "pending"
        tags = await conn.fetch("select t.name from item_tags it join tags t on t.id = it.tag_id where it.item_id = $1", refund)
        assert [t["name"] for t in tags] == ["remboursement"]
        assert await conn.fetchval("select assignee_id from items where id = $1", praise) == ids["owner_a"]
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", praise) == 0
        alert = await conn.fetchrow("select kind, title, item_ids from alerts where brand_id = $1", a)
        assert alert["kind"] == "automation_rule" and alert["item_ids"] == [refund]
        assert "Remboursements" in alert["title"]
        history = await conn.fetch(
            "select action, details->>'rule' as rule from audit_log where target_id = $1 order by id", refund)
        assert [(h["action"], h["rule"]) for h in history] == [
            ("assign", "Remboursements"), ("tag", "Remboursements"), ("status", "Remboursements"),
            ("alert", "Remboursements")]
        # Running the rules again (a later reading) does nothing a second time.
        assert await rules.apply(conn, a, [refund, praise]) == 0
        assert await conn.fetchval("select count(*) from alerts where brand_id = $1", a) == 1
    async with client_for(make_app(pool, db_dsn)) as client:
        await login(client, "agent@a.test")
        activity = (await client.get(f"/api/items/{refund}")).json()["activity"]
        lines = {(a["who"], a["what"]) for a in activity}
        assert ("Règle « Remboursements »", "étiqueté « remboursement »") in lines
        assert ("Règle « Remboursements »", "attribué à Alain Agent") in lines
        alerts = await client.get("/alerts")
        assert alerts.status_code == 200
        assert "La règle « Remboursements » a repéré un message pour vous." in html.unescape(alerts.text)


async def test_a_changed_reading_runs_the_rules_again(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _rule(conn, ids["brand_a"], "Négatifs urgents", {"sentiments": ["negative"], "min_priority": 60},
                    {"tag": "à rappeler"})
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bof", sentiment="neutral", priority=20)
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", item) == 0
        rows = [r for r in await rescore.due(conn, 10) if r["id"] == item]
        await rescore.store_rescored(conn, rows, [Analysis(lang="fr", lang_confidence=0.9, sentiment="negative",
                                                           polarity=-0.8, priority=80, reasons=["negative"])])
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", item) == 1
        assert await conn.fetchval(
            "select details->>'rule' from audit_log where target_id = $1 and action = 'tag'", item) == "Négatifs urgents"


async def test_hide_queues_only_where_the_platform_allows_and_spam_is_marked(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a = ids["brand_a"]
        await _rule(conn, a, "Arnaques", {"keywords": ["bitcoin"]},
                    {"spam": True, "hide": True, "hide_platforms": ["wordpress"]})
        # A later rule for non-spam: the item the first rule marked is no longer for it.
        await _rule(conn, a, "Non indésirables", {"spam": False}, {"tag": "à lire"})
        scam = await ingest(conn, a, ids["account_a"], "Gagnez des BITCOIN ici")
        assert await conn.fetchval("select spam from items where id = $1", scam) is True
        assert await conn.fetchval("select action from replies where item_id = $1", scam) == "hide"
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", scam) == 0
        await conn.execute("update accounts set platform = 'google' where id = $1", ids["account_a"])
        other = await ingest(conn, a, ids["account_a"], "bitcoin gratuit", platform="google")
        assert await conn.fetchval("select count(*) from replies where item_id = $1", other) == 0


async def test_owner_writes_previews_and_orders_rules_in_the_form(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        for body in ("Remboursement svp", "Je veux un remboursement", "Très bon café"):
            await ingest(conn, ids["brand_a"], ids["account_a"], body)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "owner@a.test")
        assert 'href="/settings/rules"' in (await client.get("/settings")).text
        form = {"csrf": token, "name": "", "keywords": "remboursement", "tag": "remb"}
        preview = await client.post("/settings/rules", data={**form, "preview": "1"})
        assert preview.status_code == 200
        assert "aurait touché 2 des 3 derniers messages" in html.unescape(preview.text)
        assert await pool.fetchval("select count(*) from automation_rules") == 0
        # Bad input: the form again with the error and what was typed.
        bad = await client.post("/settings/rules", data={**form, "name": "Remb", "min_priority": "beaucoup"})
        assert bad.status_code == 400
        page = html.unescape(bad.text)
        assert "La priorité est un nombre entier de 0 à 100." in page and 'value="Remb"' in page and 'value="remboursement"' in page
        nothing = await client.post("/settings/rules", data={"csrf": token, "name": "Vide", "keywords": "x"})
        assert nothing.status_code == 400 and "Choisissez au moins une chose" in html.unescape(nothing.text)
        stranger = await client.post("/settings/rules", data={**form, "name": "X", "assign": str(ids["owner_b"])})
        assert stranger.status_code == 400
        for name in ("Première", "Deuxième"):
            saved = await client.post("/settings/rules", data={**form, "name": name})
            assert saved.status_code == 303
        first, second = [r["id"] for r in await pool.fetch("select id from automation_rules order by position")]
        assert (await client.post(f"/settings/rules/{second}/move", data={"csrf": token, "direction": "up"})).status_code == 303
        assert [r["id"] for r in await pool.fetch("select id from automation_rules order by position")] == [second, first]
        await client.post(f"/settings/rules/{first}/enabled", data={"csrf": token, "enabled": "off"})
        listing = html.unescape((await client.get("/settings/rules")).text)
        assert listing.index("Deuxième") < listing.index("Première")
        assert "2 des 3 derniers messages" in listing
        assert "Quand contient « remboursement » → étiquette « remb »" in listing
        edit = await client.get(f"/settings/rules/{first}")
        assert 'value="Première"' in html.unescape(edit.text)
        changed = await client.post(f"/settings/rules/{first}", data={**form, "name": "Renommée"})
        assert changed.status_code == 303
        assert await pool.fetchval("select name from automation_rules where id = $1", first) == "Renommée"
        assert (await client.post(f"/settings/rules/{first}/delete", data={"csrf": token})).status_code == 303
        assert await pool.fetchval("select count(*) from automation_rules") == 1
    async with client_for(make_app(pool, db_dsn)) as agent:
        token = await login(agent, "agent@a.test")
        page = await agent.get("/settings/rules")
        assert page.status_code == 200 and "Deuxième" in page.text and 'id="rule-form"' not in page.text
        assert (await agent.post("/settings/rules", data={**form, "csrf": token, "name": "Agent"})).status_code == 403
        assert (await agent.post(f"/settings/rules/{second}/delete", data={"csrf": token})).status_code == 403


async def test_an_unanalysed_item_waits_for_its_first_reading_for_rules_on_the_reading(pool) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        a = ids["brand_a"]
        await _rule(conn, a, "Neutres classés", {"sentiments": ["neutral"]}, {"status": "done"})
        await _rule(conn, a, "Mot-clé", {"keywords": ["livraison"]}, {"tag": "livraison"})
        # The NLP stage was off: stored with the defaults ("neutral"), not yet read.
        item = NewItem(platform="wordpress", external_id="wp-x", kind="comment", created_at=datetime.now(UTC),
                       body="La livraison est en retard, c'est inacceptable", author=Author(external_id="p", name="P"))
        stored = (await ingest_batch(conn, brand_id=a, account_id=ids["account_a"], items=[item])).new_ids[0]
        assert await conn.fetchval("select status from items where id = $1", stored) == "new"
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", stored) == 1  # words need no reading
        # Its first reading is negative: the "neutral" rule never fires on it.
        await analysis.store_analyses(conn, [stored], [Analysis(lang="fr", sentiment="negative", priority=70)],
                                      datetime.now(UTC))
        assert await conn.fetchval("select status from items where id = $1", stored) == "new"
        other = NewItem(platform="wordpress", external_id="wp-y", kind="comment", created_at=datetime.now(UTC),
                        body="Ok", author=Author(external_id="q", name="Q"))
        calm = (await ingest_batch(conn, brand_id=a, account_id=ids["account_a"], items=[other])).new_ids[0]
        await analysis.store_analyses(conn, [calm], [Analysis(lang="fr", sentiment="neutral", priority=5)], datetime.now(UTC))
        assert await conn.fetchval("select status from items where id = $1", calm) == "done"


async def test_a_failing_rule_never_loses_the_comment(pool, monkeypatch) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _rule(conn, ids["brand_a"], "Cassée", {}, {"tag": "x", "alert": True})
        real = rules._do

        async def broken(conn, brand_id, rule, action, item, now):
            if action == "alert":
                raise RuntimeError("the alert store is broken")
            return await real(conn, brand_id, rule, action, item, now)

        monkeypatch.setattr(rules, "_do", broken)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Bonjour")
        assert await conn.fetchval("select body from items where id = $1", item) == "Bonjour"
        # The rule's actions roll back together: no tag without its history line.
        assert await conn.fetchval("select count(*) from item_tags where item_id = $1", item) == 0
        assert await conn.fetchval("select count(*) from audit_log where target_id = $1", item) == 0
