"""Snooze shown and cancelled, and undo of bulk actions through the API: the previous state comes
back from the server's copy (never the browser's), once, before expiry, for the brand and person
who acted only, and never over a change someone else made in between."""

from __future__ import annotations

from web_app import client_for, ingest, login, make_app, seed


async def _brand_a(pool, db_dsn, *bodies: str, author: str = "Marie Tremblay"):
    async with pool.acquire() as conn:
        ids = await seed(conn)
        items = [await ingest(conn, ids["brand_a"], ids["account_a"], body, author=author) for body in bodies]
    return ids, items, make_app(pool, db_dsn)


async def _state(pool, item: int) -> tuple:
    row = await pool.fetchrow(
        """select status, assignee_id, spam, spam_override, snoozed_until,
                  array(select t.name from item_tags it join tags t on t.id = it.tag_id where it.item_id = $1 order by 1) as tags
           from items where id = $1""", item)
    return tuple(row.values())


async def test_snoozed_item_says_until_when_and_cancelling_brings_it_back_open(pool, db_dsn) -> None:
    ids, (item,), app = await _brand_a(pool, db_dsn, "Rappelez-moi mardi pour la commande")
    async with pool.acquire() as conn:
        english = await ingest(conn, ids["brand_b"], ids["account_b"], "Call me back Tuesday")
    async with client_for(app) as agent, client_for(app) as owner_b:
        h = {"X-CSRF-Token": await login(agent, "agent@a.test")}
        hb = {"X-CSRF-Token": await login(owner_b, "owner@b.test")}
        await agent.post(f"/api/items/{item}/status", json={"status": "pending"}, headers=h)
        assert (await agent.post(f"/api/items/{item}/snooze", json={"until": "2099-12-08T09:00"}, headers=h)).status_code == 200
        # In the reader's language and time zone (Montréal): the day, the date, the hour.
        snoozed = (await agent.get("/api/items?status=snoozed")).json()["items"]
        assert [(i["id"], i["snoozed_local"]) for i in snoozed] == [(item, "mardi 8 décembre 2099, 9 h 00")]
        page = (await agent.get("/?status=snoozed")).text
        assert "Reporté jusqu’au mardi 8 décembre 2099, 9 h 00" in page
        await owner_b.post(f"/api/items/{english}/snooze", json={"until": "2099-12-08T09:00"}, headers=hb)
        assert (await owner_b.get(f"/api/items/{english}")).json()["snoozed_local"] == "Tuesday, December 8, 2099, 9:00 a.m."

        # Someone else's brand cannot cancel it; cancelling brings it back to the list, open.
        assert (await owner_b.post(f"/api/items/{item}/unsnooze", json={}, headers=hb)).status_code == 404
        assert (await agent.post(f"/api/items/{item}/unsnooze", json={}, headers=h)).json()["changed"] == [item]
        back = (await agent.get(f"/api/items/{item}")).json()
        assert (back["status"], back["snoozed_until"], back["snoozed_local"]) == ("open", None, None)
        assert item in [i["id"] for i in (await agent.get("/api/items")).json()["items"]]
        assert back["activity"][0]["what"] == "report annulé" and back["activity"][0]["who"] == "Alain Agent"
        again = await agent.post(f"/api/items/{item}/unsnooze", json={}, headers=h)
        assert again.status_code == 409 and again.json()["error"] == "Ce commentaire n’est pas reporté."


async def test_undo_puts_back_status_assignee_tags_and_spam_as_they_were(pool, db_dsn) -> None:
    ids, (a, b, c), app = await _brand_a(pool, db_dsn, "Le latté était froid", "Service lent ce matin", "Visitez mon site")
    async with client_for(app) as client:
        h = {"X-CSRF-Token": await login(client, "agent@a.test")}
        await client.post(f"/api/items/{b}/status", json={"status": "pending"}, headers=h)
        await client.post(f"/api/items/{b}/tag", json={"name": "cuisine"}, headers=h)
        await client.post(f"/api/items/{b}/assign", json={"user_id": ids["owner_a"]}, headers=h)
        was = {i: await _state(pool, i) for i in (a, b, c)}

        for request in ({"action": "status", "status": "done"}, {"action": "tag", "name": "cuisine"},
                        {"action": "assign", "user_id": ids["agent_a"]}, {"action": "spam", "spam": True}):
            done = (await client.post("/api/bulk", json={"ids": [a, b, c], **request}, headers=h)).json()
            assert done["undo"] and done["undo_seconds"] == 30
            assert {i: await _state(pool, i) for i in (a, b, c)} != was
            undone = await client.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)
            assert undone.status_code == 200, undone.text
            assert (sorted(undone.json()["restored"]), undone.json()["skipped"], undone.json()["message"]) == (
                sorted(done["changed"]), [], "Annulé.")
            assert {i: await _state(pool, i) for i in (a, b, c)} == was, request
            # Once only.
            twice = await client.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)
            assert twice.status_code == 409 and twice.json()["error"] == "Cette action a déjà été annulée."
        # Marking spam taught the brand a spammer; the undo forgot them again.
        assert await pool.fetchval("select count(*) from brand_spammers") == 0
        history = (await client.get(f"/api/items/{a}")).json()["activity"]
        assert history[0]["what"] == "action groupée annulée" and history[0]["who"] == "Alain Agent"
        # "Not spam" undone puts back the spammer mark it removed, with who made it.
        await client.post(f"/api/items/{c}/spam", json={"spam": True}, headers=h)
        forgiven = (await client.post("/api/bulk", json={"ids": [c], "action": "spam", "spam": False}, headers=h)).json()
        assert await pool.fetchval("select count(*) from brand_spammers") == 0
        await client.post("/api/bulk/undo", json={"token": forgiven["undo"]}, headers=h)
        assert await pool.fetchval("select marked_by from brand_spammers") == ids["agent_a"]
        assert (await client.get(f"/api/items/{c}")).json()["spam"] is True


async def test_undo_after_expiry_is_refused_in_words(pool, db_dsn) -> None:
    _, (a,), app = await _brand_a(pool, db_dsn, "Le latté était froid")
    async with client_for(app) as client:
        h = {"X-CSRF-Token": await login(client, "agent@a.test")}
        done = (await client.post("/api/bulk", json={"ids": [a], "action": "status", "status": "done"}, headers=h)).json()
        await pool.execute("update bulk_undos set expires_at = now() - interval '1 second'")
        late = await client.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)
        assert late.status_code == 410
        assert late.json()["error"] == "Trop tard pour annuler : remettez les commentaires comme avant, un par un."
        assert await pool.fetchval("select status from items where id = $1", a) == "done"
        assert (await client.post("/api/bulk/undo", json={"token": "x" * 43}, headers=h)).status_code == 404
        assert (await client.post("/api/bulk/undo", json={"token": 12}, headers=h)).status_code == 400


async def test_undo_is_refused_from_another_brand_and_to_another_person(pool, db_dsn) -> None:
    ids, (a,), app = await _brand_a(pool, db_dsn, "Le latté était froid")
    async with pool.acquire() as conn:
        theirs = await ingest(conn, ids["brand_b"], ids["account_b"], "Cold coffee")
    async with client_for(app) as agency, client_for(app) as owner_b, client_for(app) as colleague:
        token = await login(agency, "agency@x.test")
        h = {"X-CSRF-Token": token}
        assert (await agency.post("/brand", data={"brand_id": str(ids["brand_a"]), "csrf": token})).status_code == 303
        # Another brand's id in the selection is neither changed nor kept for undo.
        done = (await agency.post("/api/bulk", json={"ids": [a, theirs], "action": "status", "status": "done"}, headers=h)).json()
        assert done["changed"] == [a]
        assert await pool.fetchval("select status from items where id = $1", theirs) == "new"
        # The agency switches to brand B: the token of brand A's action undoes nothing there.
        assert (await agency.post("/brand", data={"brand_id": str(ids["brand_b"]), "csrf": token})).status_code == 303
        refused = await agency.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)
        assert refused.status_code == 404
        assert refused.json()["error"] == "Rien à annuler ici : cette action n’est pas la vôtre, ou pas celle de cette marque."
        hb = {"X-CSRF-Token": await login(owner_b, "owner@b.test")}
        assert (await owner_b.post("/api/bulk/undo", json={"token": done["undo"]}, headers=hb)).status_code == 404
        hc = {"X-CSRF-Token": await login(colleague, "agent@a.test")}
        assert (await colleague.post("/api/bulk/undo", json={"token": done["undo"]}, headers=hc)).status_code == 404
        assert await pool.fetchval("select status from items where id = $1", a) == "done"
        # Back on brand A, the agency's own undo still works.
        await agency.post("/brand", data={"brand_id": str(ids["brand_a"]), "csrf": token})
        assert (await agency.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)).json()["restored"] == [a]


async def test_undo_skips_items_someone_else_changed_in_between(pool, db_dsn) -> None:
    ids, (a, b, c), app = await _brand_a(pool, db_dsn, "Le latté était froid", "Service lent", "Toilettes sales")
    async with client_for(app) as agent, client_for(app) as owner:
        h = {"X-CSRF-Token": await login(agent, "agent@a.test")}
        ho = {"X-CSRF-Token": await login(owner, "owner@a.test")}
        done = (await agent.post("/api/bulk", json={"ids": [a, b, c], "action": "status", "status": "done"}, headers=h)).json()
        # Meanwhile the owner reopens one as pending, and gives another to herself (not what the bulk changed).
        await owner.post(f"/api/items/{b}/status", json={"status": "pending"}, headers=ho)
        await owner.post(f"/api/items/{c}/assign", json={"user_id": ids["owner_a"]}, headers=ho)
        undone = (await agent.post("/api/bulk/undo", json={"token": done["undo"]}, headers=h)).json()
        assert (sorted(undone["restored"]), undone["skipped"]) == (sorted([a, c]), [b])
        assert undone["message"] == ("Annulé pour 2; 1 commentaire modifié entre-temps par quelqu’un d’autre "
                                     "est resté tel quel.")
        states = {i: await pool.fetchval("select status from items where id = $1", i) for i in (a, b, c)}
        assert states == {a: "new", b: "pending", c: "new"}  # the owner's change stands
        assert await pool.fetchval("select assignee_id from items where id = $1", c) == ids["owner_a"]
