"""My account: the display name colleagues see, and changing the password (current one asked,
policy applied, other sessions ended)."""

from __future__ import annotations

from web_app import PASSWORD, client_for, csrf_of, ingest, login, make_app, seed

NEW = "la poutine du vendredi soir"


async def test_changing_the_password_asks_the_current_one_and_ends_other_sessions(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as desk, client_for(app) as phone:
        token = await login(desk, "agent@a.test")
        await login(phone, "agent@a.test")
        page = await desk.get("/settings/account")
        assert page.status_code == 200 and "Changer le mot de passe" in page.text
        wrong = await desk.post("/settings/account/password", data={"current": "pas le bon", "new": NEW, "confirm": NEW, "csrf": token})
        assert wrong.status_code == 400 and "Le mot de passe actuel est erroné." in wrong.text
        weak = await desk.post("/settings/account/password",
                               data={"current": PASSWORD, "new": "Soleil2024!", "confirm": "Soleil2024!", "csrf": token})
        assert weak.status_code == 400 and "parmi les plus courants" in weak.text
        differ = await desk.post("/settings/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW + "!", "csrf": token})
        assert differ.status_code == 400
        done = await desk.post("/settings/account/password", data={"current": PASSWORD, "new": NEW, "confirm": NEW, "csrf": token})
        assert done.status_code == 303 and done.headers["location"] == "/settings/account?done=password"
        assert (await desk.get("/api/items")).status_code == 200  # this session goes on
        assert (await phone.get("/api/items")).status_code == 401  # the other one is over
    async with client_for(app) as client:
        page = await client.get("/login")
        old = await client.post("/login", data={"email": "agent@a.test", "password": PASSWORD, "csrf": csrf_of(page.text)})
        assert old.status_code == 401
        await login(client, "agent@a.test", NEW)


async def test_guessing_the_current_password_is_throttled(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    async with client_for(make_app(pool, db_dsn)) as client:
        token = await login(client, "agent@a.test")
        codes = [(await client.post("/settings/account/password",
                                    data={"current": f"guess {n}", "new": NEW, "confirm": NEW, "csrf": token})).status_code
                 for n in range(6)]
        assert codes == [400] * 5 + [429]


async def test_the_display_name_is_editable_and_shown_to_colleagues(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        item = await ingest(conn, ids["brand_a"], ids["account_a"], "Allô")
    app = make_app(pool, db_dsn)
    async with client_for(app) as agent, client_for(app) as owner:
        token = await login(agent, "agent@a.test")
        owner_token = await login(owner, "owner@a.test")
        assert (await agent.post(f"/api/items/{item}/notes", json={"body": "Je m'en occupe"},
                                 headers={"X-CSRF-Token": token})).status_code in (200, 201)
        empty = await agent.post("/settings/account/name", data={"name": "   ", "csrf": token})
        assert empty.status_code == 400
        saved = await agent.post("/settings/account/name", data={"name": "  Alain   <b>Gagnon</b> ", "csrf": token})
        assert saved.status_code == 303
        page = (await agent.get("/settings/account?done=name")).text
        assert "Votre nom est enregistré." in page and "Alain &lt;b&gt;Gagnon&lt;/b&gt;" in page
        members = (await owner.get("/api/members")).json()["members"]
        assert {"id": ids["agent_a"], "name": "Alain <b>Gagnon</b>", "role": "agent"} in members
        detail = (await owner.get(f"/api/items/{item}", headers={"X-CSRF-Token": owner_token})).json()
        assert [n["user"] for n in detail["notes"]] == ["Alain <b>Gagnon</b>"]
