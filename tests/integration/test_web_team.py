"""Settings → Team: invitations by e-mail (aiosmtpd), accepting a link once, roles, removal
that ends the member's sessions, and the brand that always keeps an owner."""

from __future__ import annotations

import asyncio
import html
import json
import re

import httpx
import websockets
from receivers import SmtpServer
from web_app import PASSWORD, LiveServer, client_for, csrf_of, login, make_app, seed

from inbox.smtp import SmtpConfig

NEW_PASSWORD = "les bagels de la rue Fairmount"


def _smtp(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, starttls=False, sender="jasette@cafe.test")


def _link(text: str) -> str:
    found = re.search(r"http://[^\s\"<]+/invite/[A-Za-z0-9_-]+", text)
    assert found, text
    return found.group(0)


def _path(link: str) -> str:
    return "/invite/" + link.rsplit("/invite/", 1)[1]


async def _invite(client: httpx.AsyncClient, token: str, email: str, role: str = "agent", lang: str = "fr") -> httpx.Response:
    return await client.post("/settings/team/invitations", data={"csrf": token, "email": email, "role": role, "lang": lang})


async def _accept(client: httpx.AsyncClient, path: str, name: str = "Julie Roy", password: str = NEW_PASSWORD) -> httpx.Response:
    page = await client.get(path)
    return await client.post(path, data={"csrf": csrf_of(page.text), "name": name, "password": password, "confirm": password})


async def test_an_invitation_is_emailed_accepted_once_and_opens_only_that_brand(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with SmtpServer() as smtp:
        app = make_app(pool, db_dsn, smtp=_smtp(smtp))
        async with client_for(app) as owner, client_for(app) as julie, client_for(app) as late:
            token = await login(owner, "owner@a.test")
            sent = await _invite(owner, token, "julie@cafe.test", lang="en")
            assert sent.status_code == 200
            # The owner sees the link to copy, and the e-mail went out in the language chosen.
            shown = re.search(r'id="invite-link"[^>]*value="([^"]+)"', sent.text)
            assert shown and "Invitation e-mailed to julie@cafe.test" not in sent.text  # French page for Odile
            assert "Invitation envoyée par courriel à julie@cafe.test" in sent.text
            assert len(smtp.messages) == 1
            mail = smtp.messages[0]
            assert mail["To"] == "julie@cafe.test" and mail["Content-Language"] == "en"
            assert "Odile Owner invites you" in mail["Subject"] and "Café A" in mail["Subject"]
            body = mail.get_body(("plain",)).get_content()
            link = _link(body)
            assert link == shown.group(1)
            async with pool.acquire() as conn:
                # Only the digest is stored: the link's token is nowhere in the table.
                stored = await conn.fetchval("select token_hash from invitations")
                assert link.rsplit("/", 1)[1] not in stored

            page = await julie.get(_path(link))
            assert page.status_code == 200 and "Odile Owner invites you to answer for Café A as agent" in page.text
            weak = await _accept(julie, _path(link), password="password123")
            assert weak.status_code == 400 and "most common" in weak.text and 'value="Julie Roy"' in weak.text
            accepted = await _accept(julie, _path(link))
            assert accepted.status_code == 303
            home = await julie.get("/")
            assert home.status_code == 200 and "Café A" in home.text and "Boutique B" not in home.text
            async with pool.acquire() as conn:
                row = await conn.fetchrow(
                    "select u.name, u.ui_lang, m.role, m.brand_id from users u join memberships m on m.user_id = u.id "
                    "where u.email = 'julie@cafe.test'")
                assert dict(row) == {"name": "Julie Roy", "ui_lang": "en", "role": "agent", "brand_id": ids["brand_a"]}

            # Single use: a second opening is refused with a clear word, and nothing changes.
            again = await late.get(_path(link))
            assert again.status_code == 410 and "already used" in again.text
            replay = await late.post(_path(link), data={"csrf": csrf_of(again.text), "name": "Eve", "password": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD})
            assert replay.status_code == 410
            team = await owner.get("/settings/team")
            assert "julie@cafe.test" in team.text and "Aucune invitation en attente." in team.text


async def test_expired_unknown_and_cancelled_links_are_refused_clearly(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)  # no SMTP: the owner passes the link on
    async with client_for(app) as owner, client_for(app) as guest:
        token = await login(owner, "owner@a.test")
        sent = await _invite(owner, token, "late@cafe.test")
        assert "Le courriel n'est pas configuré" in html.unescape(sent.text)
        link = re.search(r'id="invite-link"[^>]*value="([^"]+)"', sent.text).group(1)
        async with pool.acquire() as conn:
            await conn.execute("update invitations set expires_at = now() - interval '1 minute'")
        expired = await guest.get(_path(link))
        assert expired.status_code == 410 and "expiré" in expired.text and "Odile Owner" in expired.text
        assert (await _accept(guest, _path(link))).status_code == 410
        assert "Expirée" in (await owner.get("/settings/team")).text
        # Resend: a new link; the old one stops working.
        async with pool.acquire() as conn:
            invitation = await conn.fetchval("select id from invitations")
        resent = await owner.post(f"/settings/team/invitations/{invitation}/resend", data={"csrf": token})
        new_link = re.search(r'id="invite-link"[^>]*value="([^"]+)"', resent.text).group(1)
        assert new_link != link
        assert (await guest.get(_path(link))).status_code == 404
        assert (await guest.get(_path(new_link))).status_code == 200
        # Cancel: the link is dead.
        assert (await owner.post(f"/settings/team/invitations/{invitation}/cancel", data={"csrf": token})).status_code == 303
        gone = await guest.get(_path(new_link))
        assert gone.status_code == 404 and "n'est pas valide" in html.unescape(gone.text)
        assert (await guest.get("/invite/not-a-real-token")).status_code == 404
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from users where email = 'late@cafe.test'") == 0


async def test_someone_with_an_account_logs_in_to_join(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as owner, client_for(app) as bob:
        token = await login(owner, "owner@a.test")
        sent = await _invite(owner, token, "OWNER@b.test", role="owner")
        path = _path(re.search(r'id="invite-link"[^>]*value="([^"]+)"', sent.text).group(1))
        page = await bob.get(path)
        # No second account, no password form: log in instead (the page says it in the e-mail's language).
        assert 'name="password"' not in page.text, page.text
        assert "/login?next=" + path in page.text, page.text
        refused = await bob.post(path, data={"csrf": csrf_of(page.text), "name": "X", "password": NEW_PASSWORD,
                                             "confirm": NEW_PASSWORD})
        assert refused.status_code == 403
        login_page = await bob.get(f"/login?next={path}")
        logged = await bob.post("/login", data={"email": "owner@b.test", "password": PASSWORD, "next": path,
                                                "csrf": csrf_of(login_page.text)})
        assert logged.headers["location"] == path
        page = await bob.get(path)
        joined = await bob.post(path, data={"csrf": csrf_of(page.text)})
        assert joined.status_code == 303
        assert "Café A" in (await bob.get("/")).text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from users where lower(email) = 'owner@b.test'") == 1
        roles = dict(await conn.fetch("select brand_id, role from memberships where user_id = $1", ids["owner_b"]))
        assert roles == {ids["brand_a"]: "owner", ids["brand_b"]: "owner"}


async def test_the_last_owner_cannot_remove_or_demote_themselves(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as owner, client_for(app) as agent:
        token = await login(owner, "owner@a.test")
        me = ids["owner_a"]
        demote = await owner.post(f"/settings/team/members/{me}/role", data={"csrf": token, "role": "agent"})
        assert demote.status_code == 409 and "seul propriétaire" in demote.text
        leave = await owner.post(f"/settings/team/members/{me}/remove", data={"csrf": token})
        assert leave.status_code == 409 and "seul propriétaire" in leave.text
        # An agent cannot manage the team at all.
        agent_token = await login(agent, "agent@a.test")
        assert (await agent.post(f"/settings/team/members/{me}/remove", data={"csrf": agent_token})).status_code == 403
        assert (await _invite(agent, agent_token, "x@cafe.test")).status_code == 403
        seen = await agent.get("/settings/team")
        assert seen.status_code == 200 and "Odile Owner" in seen.text and "invite-form" not in seen.text
        # With a second owner, the first may step down.
        promote = await owner.post(f"/settings/team/members/{ids['agent_a']}/role", data={"csrf": token, "role": "owner"})
        assert promote.status_code == 303
        assert (await owner.post(f"/settings/team/members/{me}/role", data={"csrf": token, "role": "agent"})).status_code == 303
        # Now the former agent is the last owner: demoting them is refused too.
        blocked = await agent.post(f"/settings/team/members/{ids['agent_a']}/role", data={"csrf": agent_token, "role": "agent"})
        assert blocked.status_code == 409
    async with pool.acquire() as conn:
        roles = dict(await conn.fetch("select user_id, role from memberships where brand_id = $1", ids["brand_a"]))
        assert roles[ids["owner_a"]] == "agent" and roles[ids["agent_a"]] == "owner"


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    from inbox import team, users

    async with pool.acquire() as conn:
        await users.add_membership(conn, ids["agent_a"], ids["brand_a"], "owner")

    async def demote(user_id: int) -> str:
        async with pool.acquire() as conn:
            try:
                await team.change_role(conn, ids["brand_a"], user_id, "agent")
                return "done"
            except team.LastOwner:
                return "refused"

    results = await asyncio.gather(demote(ids["owner_a"]), demote(ids["agent_a"]))
    assert sorted(results) == ["done", "refused"]
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from memberships where brand_id = $1 and role = 'owner'", ids["brand_a"]) == 1


def _cookie_header(client: httpx.AsyncClient) -> str:
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


async def test_removing_a_member_ends_their_sessions_and_live_stream(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with LiveServer(db_dsn) as server:
        async with httpx.AsyncClient(base_url=server.url) as owner, httpx.AsyncClient(base_url=server.url) as agent, \
                httpx.AsyncClient(base_url=server.url) as agency:
            token = await login(owner, "owner@a.test")
            await login(agent, "agent@a.test")
            await login(agency, "agency@x.test")
            url = server.url.replace("http", "ws") + "/ws"
            async with websockets.connect(url, additional_headers={"Cookie": _cookie_header(agent)}, origin=server.url) as ws:
                async with asyncio.timeout(5):
                    while not any(m["t"] == "hello" for m in json.loads(await ws.recv())):
                        pass
                removed = await owner.post(f"/settings/team/members/{ids['agent_a']}/remove", data={"csrf": token})
                assert removed.status_code == 303
                async with asyncio.timeout(5):
                    try:
                        while True:
                            await ws.recv()
                    except websockets.ConnectionClosed as closed:
                        assert closed.rcvd is not None and closed.rcvd.code == 4401
            assert (await agent.get("/api/items")).status_code == 401
            # The agency member keeps brand B after losing brand A: that session stays, on B.
            assert (await owner.post(f"/settings/team/members/{ids['agency']}/remove", data={"csrf": token})).status_code == 303
            still = await agency.get("/settings")
            assert still.status_code == 200 and "Boutique B" in still.text and "Café A" not in still.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from sessions where user_id = $1", ids["agent_a"]) == 0
        assert await conn.fetchval("select count(*) from sessions where user_id = $1", ids["agency"]) == 1
        assert await conn.fetchval("select count(*) from memberships where user_id = $1", ids["agent_a"]) == 0


async def test_one_link_clicked_twice_at_once_makes_one_account(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as owner, client_for(app) as tab1, client_for(app) as tab2:
        token = await login(owner, "owner@a.test")
        sent = await _invite(owner, token, "julie@cafe.test")
        path = _path(re.search(r'id="invite-link"[^>]*value="([^"]+)"', sent.text).group(1))
        pages = [await tab.get(path) for tab in (tab1, tab2)]
        results = await asyncio.gather(*(
            tab.post(path, data={"csrf": csrf_of(page.text), "name": "Julie", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
            for tab, page in zip((tab1, tab2), pages, strict=True)))
        assert sorted(r.status_code for r in results) == [303, 410]
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from users where email = 'julie@cafe.test'") == 1


async def test_inviting_again_renews_and_mistakes_keep_what_was_typed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as owner, client_for(app) as guest:
        token = await login(owner, "owner@a.test")
        first = await _invite(owner, token, "julie@cafe.test")
        second = await _invite(owner, token, "Julie@Cafe.test", role="owner")
        old = re.search(r'id="invite-link"[^>]*value="([^"]+)"', first.text).group(1)
        new = re.search(r'id="invite-link"[^>]*value="([^"]+)"', second.text).group(1)
        assert (await guest.get(_path(old))).status_code == 404
        assert "comme propriétaire" in (await guest.get(_path(new))).text
        bad = await _invite(owner, token, "julie-at-cafe", role="owner")
        assert bad.status_code == 400 and 'value="julie-at-cafe"' in bad.text
        member = await _invite(owner, token, "agent@a.test")
        assert member.status_code == 400 and "fait déjà partie" in html.unescape(member.text)
        nul = await _invite(owner, token, "a\x00@cafe.test")
        assert nul.status_code == 400
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from invitations") == 1


async def test_an_agency_owner_manages_each_brands_team_in_turn(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        from inbox import users

        await users.add_membership(conn, ids["owner_a"], ids["brand_b"], "owner")
    app = make_app(pool, db_dsn)
    async with client_for(app) as agency:
        token = await login(agency, "owner@a.test")
        page = await agency.get("/settings/team")
        first = re.search(r"<h1>(.*?)</h1>", page.text).group(1)
        other = ids["brand_b"] if "Café A" in first else ids["brand_a"]
        switched = await agency.post("/brand", data={"csrf": token, "brand_id": str(other), "next": "/settings/team"})
        assert switched.headers["location"] == "/settings/team"
        second = (await agency.get("/settings/team")).text
        assert re.search(r"<h1>(.*?)</h1>", second).group(1) != first
        # Each page lists that brand's people only, and an invitation goes to that brand.
        assert ("bob" in html.unescape(second).lower()) == (other == ids["brand_b"])
        await _invite(agency, token, "new@cafe.test")
        async with pool.acquire() as conn:
            assert await conn.fetchval("select brand_id from invitations") == other
        # `next` only ever leads on this site.
        away = await agency.post("/brand", data={"csrf": token, "brand_id": str(other), "next": "//evil.example/"})
        assert away.headers["location"] == "/"
