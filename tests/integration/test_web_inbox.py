"""The inbox through the JSON API and the page: order, reasons, filters, search, pages, item
view, workflow, replies with collision control, saved replies, OpenAPI, catalogues."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from web_app import client_for, ingest, login, make_app, seed

from inbox import saved_replies
from web import i18n
from web.app import route_paths
from web.openapi import PATHS


async def _setup(pool, db_dsn):
    async with pool.acquire() as conn:
        ids = await seed(conn)
    return ids, make_app(pool, db_dsn)


async def test_stream_order_reasons_filters_search_and_pages(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        low = await ingest(conn, ids["brand_a"], ids["account_a"], "Belle journée au café", priority=10, sentiment="positive", reasons=[], created_at=now)
        high = await ingest(conn, ids["brand_a"], ids["account_a"], "On m'a jamais remboursé, c'est honteux", priority=90,
                            sentiment="negative", reasons=["negative", "question"], created_at=now - timedelta(hours=1))
        en = await ingest(conn, ids["brand_a"], ids["account_a"], "The waiters were running around", lang="en", priority=50, created_at=now)
        old = await ingest(conn, ids["brand_a"], ids["account_a"], "Ancien commentaire", priority=50, created_at=now - timedelta(days=10))
    async with client_for(app) as client:
        await login(client, "owner@a.test")
        items = (await client.get("/api/items")).json()["items"]
        assert [i["id"] for i in items] == [high, en, old, low]
        assert [r["code"] for r in items[0]["reasons"]] == ["negative", "question"]
        assert all(r["text"] for r in items[0]["reasons"])
        assert [i["id"] for i in (await client.get("/api/items?lang=en")).json()["items"]] == [en]
        assert [i["id"] for i in (await client.get("/api/items?sentiment=negative")).json()["items"]] == [high]
        day = (now - timedelta(days=10)).astimezone(timezone(timedelta(hours=-5))).date().isoformat()
        assert old in [i["id"] for i in (await client.get(f"/api/items?from={day}&to={day}")).json()["items"]]
        # French stemming: "remboursement" finds "remboursé"; English: "run" finds "running".
        assert [i["id"] for i in (await client.get("/api/items?q=remboursement")).json()["items"]] == [high]
        assert [i["id"] for i in (await client.get("/api/items?q=run")).json()["items"]] == [en]
        page1 = (await client.get("/api/items?limit=2")).json()
        page2 = (await client.get(f"/api/items?limit=2&after={page1['next']}")).json()
        assert [i["id"] for i in page1["items"] + page2["items"]] == [high, en, old, low] and page2["next"] is None
        html = (await client.get("/?q=remboursement")).text
        assert "remboursé" in html and "Belle journée" not in html
        assert (await client.get("/api/items?after=garbage")).status_code == 400


async def test_item_view_corrections_and_workflow(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    async with pool.acquire() as conn:
        first = await ingest(conn, ids["brand_a"], ids["account_a"], "Premier passage", author="Luc Roy", platform="wordpress")
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Encore froid!", author="Luc Roy", url="javascript:alert(1)")
        elsewhere = await ingest(conn, ids["brand_a"], ids["account_a"], "Vu sur l'autre réseau", author="Luc Roy", platform="rss")
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        h = {"X-CSRF-Token": token}
        detail = (await client.get(f"/api/items/{item}")).json()
        assert detail["url"] is None  # a javascript: link never leaves the server
        assert {i["id"] for i in detail["history"]} == {first, elsewhere}
        # Platforms by the names people read, never their codes ("Rss", "wordpress").
        assert {(i["platform"], i["platform_name"]) for i in detail["history"]} == {("wordpress", "WordPress"), ("rss", "RSS")}
        html = (await client.get("/")).text
        assert '<span class="platform">WordPress</span>' in html and '<span class="platform">RSS</span>' in html
        assert '<option value="rss" >RSS</option>' in html and '<option value="wordpress" >WordPress</option>' in html
        assert detail["author"]["followers"] == 120
        assert (await client.post(f"/api/items/{item}/correction", json={"sentiment": "negative", "lang": "en"}, headers=h)).status_code == 200
        detail = (await client.get(f"/api/items/{item}")).json()
        assert (detail["sentiment"], detail["sentiment_auto"], detail["lang"], detail["corrected"]) == ("negative", "neutral", "en", True)
        assert (await client.post(f"/api/items/{item}/correction", json={"sentiment": "furious"}, headers=h)).status_code == 400
        assert (await client.post(f"/api/items/{item}/status", json={"status": "pending"}, headers=h)).json()["changed"] == [item]
        await client.post(f"/api/items/{item}/assign", json={"user_id": ids["owner_a"]}, headers=h)
        await client.post(f"/api/items/{item}/tag", json={"name": "livraison"}, headers=h)
        assert (await client.post(f"/api/items/{item}/notes", json={"body": "Client fidèle"}, headers=h)).status_code == 201
        detail = (await client.get(f"/api/items/{item}")).json()
        assert detail["status"] == "pending" and detail["assignee"]["id"] == ids["owner_a"] and detail["tags"] == ["livraison"]
        assert detail["notes"][0]["body"] == "Client fidèle"
        assert [i["id"] for i in (await client.get("/api/items?tag=livraison")).json()["items"]] == [item]
        assert [i["id"] for i in (await client.get(f"/api/items?assignee={ids['owner_a']}")).json()["items"]] == [item]
        await client.post(f"/api/items/{item}/snooze", json={"until": "2099-01-01T09:00"}, headers=h)
        assert item not in [i["id"] for i in (await client.get("/api/items")).json()["items"]]
        assert [i["id"] for i in (await client.get("/api/items?status=snoozed")).json()["items"]] == [item]
        bulk = await client.post("/api/bulk", json={"ids": [first, elsewhere], "action": "status", "status": "done"}, headers=h)
        assert sorted(bulk.json()["changed"]) == sorted([first, elsewhere])
        assert (await client.get("/api/items")).json()["items"] == []
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from audit_log where action = 'status'") == 3


async def test_reply_goes_to_outbox_with_collision_control_and_retry(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    async with pool.acquire() as conn:
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Vous êtes ouverts dimanche?")
    async with client_for(app) as agent, client_for(app) as owner:
        ta, to = await login(agent, "agent@a.test"), await login(owner, "owner@a.test")
        opened_agent = (await agent.get(f"/api/items/{item}")).json()["loaded_at"]
        opened_owner = (await owner.get(f"/api/items/{item}")).json()["loaded_at"]
        key = uuid.uuid4().hex
        sent = await owner.post(f"/api/items/{item}/replies", json={"body": "Oui, de 9 h à 17 h!", "idempotency_key": key, "opened_at": opened_owner},
                                headers={"X-CSRF-Token": to})
        assert sent.status_code == 201 and sent.json()["reply"]["state"] == "queued"
        again = await owner.post(f"/api/items/{item}/replies", json={"body": "Oui, de 9 h à 17 h!", "idempotency_key": key}, headers={"X-CSRF-Token": to})
        assert again.json()["reply"]["id"] == sent.json()["reply"]["id"]  # idempotent
        refused = await agent.post(f"/api/items/{item}/replies", json={"body": "Oui", "idempotency_key": uuid.uuid4().hex, "opened_at": opened_agent},
                                   headers={"X-CSRF-Token": ta})
        assert refused.status_code == 409 and "Odile Owner" in refused.json()["error"]
        reply_id = sent.json()["reply"]["id"]
        assert (await owner.post(f"/api/replies/{reply_id}/retry", json={}, headers={"X-CSRF-Token": to})).status_code == 409
        async with pool.acquire() as conn:
            await conn.execute("update replies set state = 'failed', error = 'Token expired' where id = $1", reply_id)
            row = await conn.fetchrow("select status, first_response_at, first_response_seconds from items where id = $1", item)
            # Queued, then failed: the item is being handled, but nobody has answered the customer yet.
            assert row["status"] == "open" and row["first_response_at"] is None and row["first_response_seconds"] is None
        detail = (await owner.get(f"/api/items/{item}")).json()
        assert detail["replies"][0]["state"] == "failed" and detail["replies"][0]["error"] == "Token expired"
        retried = await owner.post(f"/api/replies/{reply_id}/retry", json={}, headers={"X-CSRF-Token": to})
        assert retried.json()["reply"]["state"] == "queued"
        hide = await owner.post(f"/api/items/{item}/hide", json={"idempotency_key": uuid.uuid4().hex}, headers={"X-CSRF-Token": to})
        assert hide.status_code == 201 and hide.json()["reply"]["action"] == "hide"


async def test_saved_replies_item_language_first_with_variables(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    async with pool.acquire() as conn:
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Thanks for the coffee", lang="en", author="John Smith")
        await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci {first_name}, à bientôt chez {business}!")
        await saved_replies.create(conn, ids["brand_a"], "en", "Thanks", "Thanks {first_name}, see you soon at {business}!")
    async with client_for(app) as client:
        await login(client, "agent@a.test")
        found = (await client.get(f"/api/items/{item}/saved-replies")).json()["saved_replies"]
        assert [s["lang"] for s in found] == ["en", "fr"]
        assert found[0]["text"] == "Thanks John, see you soon at Café A!"


async def test_openapi_documents_every_api_route(pool, db_dsn) -> None:
    _, app = await _setup(pool, db_dsn)
    api_paths = {p.replace(":str", "") for p in route_paths(app) if p.startswith("/api/")}
    assert api_paths == set(PATHS)
    async with client_for(app) as client:
        doc = (await client.get("/api/openapi.json")).json()
        assert doc["openapi"].startswith("3.")


def test_every_message_has_a_french_translation() -> None:
    web = Path(__file__).resolve().parents[2] / "web"
    found = set()
    for path in (web / "templates").rglob("*.html"):
        if "alerts" in path.parts:
            continue
        found |= set(re.findall(r"""_\(\s*["']([^"']+)["']\s*[,)]""", path.read_text()))
    for path in (web / "static").glob("*.js"):
        found |= set(re.findall(r'\bt\(\s*"([^"]+)"', path.read_text()))
    missing = sorted(m for m in found if m not in i18n.CATALOGUES["fr"])
    assert not missing, f"add these to web/locale/fr/LC_MESSAGES/messages.po: {missing}"


async def test_page_is_french_by_default_and_english_one_click_away(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        assert "Boîte de réception" in (await client.get("/")).text
        assert (await client.post("/lang", data={"lang": "en", "csrf": token, "next": "/"})).status_code == 303
        assert ">Inbox<" in (await client.get("/")).text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select ui_lang from users where id = $1", ids["agent_a"]) == "en"


async def test_platform_text_is_escaped_in_the_page(pool, db_dsn) -> None:
    ids, app = await _setup(pool, db_dsn)
    async with pool.acquire() as conn:
        await ingest(conn, ids["brand_a"], ids["account_a"], '<script>alert(1)</script><img src=x onerror=alert(2)>',
                     author='"><svg onload=alert(3)>')
    async with client_for(app) as client:
        await login(client, "agent@a.test")
        html = (await client.get("/")).text
        assert "<script>alert(1)" not in html and "<svg onload" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
