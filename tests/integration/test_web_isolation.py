"""A user never sees or changes another brand's data: every route is tried with brand A's ids
by brand B's owner. A new route without a case here fails the test (so none is forgotten)."""

from __future__ import annotations

import uuid

from web_app import client_for, ingest, login, make_app, seed

from inbox import invitations, outbox, rules, saved_replies, sessions
from web.app import route_paths


# Routes that take no brand-owned id, and what must hold for them.
# The alerts pages have their own isolation tests (tests/integration of the alerts work).
def _mine(route) -> bool:
    return getattr(getattr(route, "endpoint", None), "__module__", "") != "web.routes_alerts"


_NO_ID = {"/login", "/setup", "/logout", "/brand", "/lang", "/", "/settings", "/settings/accounts", "/settings/saved-replies",
          "/settings/account", "/settings/account/name", "/settings/account/password", "/settings/account/sound",
          "/api/items", "/api/items/changes", "/api/bulk", "/api/members", "/api/openapi.json", "/healthz", "/favicon.ico",
          "/sw.js", "/manifest.webmanifest",  # the installable app: the same files for everyone, no data
          # Web Push: the install's public key, and the session's own browser (tests/integration/test_web_push.py).
          "/api/push/key", "/api/push/subscriptions", "/api/push/unsubscribe",
          # Alerts and summaries (web/routes_alerts.py): the session's brand only; their id routes
          # are tried across brands in tests/integration/test_alerts_web.py.
          "/alerts", "/alerts.css", "/alerts/test", "/settings/alerts", "/settings/alerts/channels",
          "/summaries", "/summaries.csv", "/items.csv",
          # Reports (web/routes_reports.py): the session's brand, no id (test_reports.py checks brand B's figures).
          "/reports", "/reports.csv",
          # The team (web/routes_team.py) is the session's brand; links carry a token, not a brand id
          # (their own tests: test_web_team.py, test_web_password_reset.py, test_web_two_step.py).
          "/settings/team", "/settings/team/invitations", "/invite/{token}", "/login/code", "/login/forgot",
          "/reset/{token}", "/settings/account/sessions/end-others", "/settings/account/two-step/start",
          "/settings/account/two-step/confirm", "/settings/account/two-step/disable", "/settings/team/two-step", "/settings/account/two-step/codes",
          "/login/two-step-setup",
          # Automation rules (web/routes_rules.py): the list and a new rule are the session's brand.
          "/settings/rules",
          # Undo of a bulk action carries a token, not an id: refused across brands in test_bulk_undo.py.
          "/api/bulk/undo"}


async def test_every_route_refuses_another_brands_ids(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Secret de la marque A", author="Cliente A")
        reply = await outbox.enqueue(conn, brand_id=ids["brand_a"], item_id=item, user_id=ids["owner_a"], body="r",
                                     idempotency_key=uuid.uuid4().hex)
        await conn.execute("update replies set state = 'failed', error = 'boom' where id = $1", reply["id"])
        saved = await saved_replies.create(conn, ids["brand_a"], "fr", "Merci", "Merci {first_name}")
        rule = await rules.create(conn, ids["brand_a"], "Règle de A", {"keywords": ["zzz"]}, {"tag": "a"}, ids["owner_a"])
        invitation, _token = await invitations.invite(conn, brand_id=ids["brand_a"], email="new@a.test", role="agent",
                                                      lang="fr", invited_by=ids["owner_a"])
        await sessions.open_session(conn, ids["owner_a"])
        session_num = await conn.fetchval("select num from sessions where user_id = $1", ids["owner_a"])
        before = await conn.fetchrow("select status, assignee_id, lang_override, snoozed_until, updated_at from items where id = $1", item)
    app = make_app(pool, db_dsn)
    values = {"item": item, "reply": reply["id"], "account": ids["account_a"], "saved": saved, "action": "status",
              "invitation": invitation, "user": ids["agent_a"], "session": session_num, "rule": rule}
    body = {"status": "done", "user_id": ids["owner_b"], "name": "x", "body": "note", "lang": "en", "sentiment": "positive",
            "until": "2030-01-01T00:00", "idempotency_key": uuid.uuid4().hex, "opened_at": None}
    covered = set()
    async with client_for(app) as client:
        token = await login(client, "owner@b.test")
        for route in app.routes:
            path = getattr(route, "path", None)
            if path is None or path not in route_paths(app) or path in _NO_ID or not _mine(route):
                continue
            url = path
            for key, value in values.items():
                url = url.replace("{%s}" % key, str(value)).replace("{%s:str}" % key, str(value))
            for method in sorted(route.methods - {"HEAD"}):
                if method == "GET":
                    response = await client.get(url)
                    if path == "/items/{item}":  # only a redirect to the inbox, which then 404s the item
                        assert response.status_code == 303
                        assert (await client.get(f"/api/items/{item}")).status_code == 404
                    else:
                        assert response.status_code == 404, (path, response.status_code)
                    assert "Secret de la marque A" not in response.text
                elif path.startswith("/api/"):
                    response = await client.post(url, json=body, headers={"X-CSRF-Token": token})
                    assert response.status_code == 404, (path, response.status_code, response.text)
                else:
                    form = {"csrf": token, "name": "x", "base_url": "https://example.com", "enabled": "on", "token": "t", "role": "agent"}
                    response = await client.post(url, data=form)
                    assert response.status_code == 404, (path, response.status_code)
                covered.add(path)
        # Routes without ids: brand A's item is neither listed nor changed through them.
        listed = (await client.get("/api/items?status=all")).json()["items"]
        assert all(i["id"] != item for i in listed)
        assert "Secret de la marque A" not in (await client.get("/?status=all")).text
        changes = (await client.get("/api/items/changes?since=2000-01-01T00:00:00%2B00:00")).json()["items"]
        assert all(i["id"] != item for i in changes)
        bulk = await client.post("/api/bulk", json={"ids": [item], "action": "status", "status": "done"}, headers={"X-CSRF-Token": token})
        assert bulk.json()["changed"] == []
        members = (await client.get("/api/members")).json()["members"]
        assert {m["id"] for m in members} == {ids["owner_b"], ids["agency"]}
        assign = await client.post("/api/bulk", json={"ids": [item], "action": "assign", "user_id": ids["owner_a"]}, headers={"X-CSRF-Token": token})
        assert assign.status_code == 400  # owner_a is not a member of brand B
        settings = (await client.get("/settings")).text
        assert "site-%d" % ids["brand_a"] not in settings
    assert covered == {r.path for r in app.routes if r.path in route_paths(app) and _mine(r)} - _NO_ID
    async with pool.acquire() as conn:
        after = await conn.fetchrow("select status, assignee_id, lang_override, snoozed_until, updated_at from items where id = $1", item)
        assert after == before
        assert await conn.fetchval("select count(*) from notes") == 0
        assert await conn.fetchval("select count(*) from replies") == 1
        assert await conn.fetchval("select state from replies where id = $1", reply["id"]) == "failed"
        assert await conn.fetchval("select count(*) from saved_replies") == 1
        assert await conn.fetchrow("select name, enabled, position from automation_rules where id = $1", rule) == (
            "Règle de A", True, 1)
        assert await conn.fetchval("select count(*) from automation_rules") == 1
        account = await conn.fetchrow("select name, credentials from accounts where id = $1", ids["account_a"])
        assert account["name"] == "" and account["credentials"] is None
        assert await conn.fetchval("select count(*) from invitations where accepted_at is null") == 1
        assert await conn.fetchval("select role from memberships where user_id = $1 and brand_id = $2",
                                   ids["agent_a"], ids["brand_a"]) == "agent"
        assert await conn.fetchval("select count(*) from sessions where num = $1", session_num) == 1
