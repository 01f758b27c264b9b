"""Two-step login (TOTP) and the user's own sessions: enrol with a code, recovery codes once,
the code after the password, no replay, throttled wrong codes; see and end one's sessions."""

from __future__ import annotations

import html
import re
import time

import pyotp
from web_app import PASSWORD, client_for, csrf_of, login, make_app, seed

from web import routes_auth
from web.routes_auth import CODE_STEP_SECONDS


async def _enrol(client, token: str) -> tuple[str, list[str]]:
    """Turn two-step login on from My account; the secret and the recovery codes shown."""
    started = await client.post("/settings/account/two-step/start", data={"csrf": token})
    assert started.status_code == 200
    assert "<svg" in started.text and "<script" not in started.text.split("<main")[1]
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', started.text).group(1).replace(" ", "")
    wrong = await client.post("/settings/account/two-step/confirm", data={"csrf": token, "code": "000000"})
    assert wrong.status_code == 400
    confirmed = await client.post("/settings/account/two-step/confirm", data={"csrf": token, "code": pyotp.TOTP(key).now()})
    assert confirmed.status_code == 200
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", confirmed.text)
    assert len(codes) == 10 and len(set(codes)) == 10
    return key, codes


async def _password_step(client, email: str = "agent@a.test"):
    page = await client.get("/login")
    return await client.post("/login", data={"csrf": csrf_of(page.text), "email": email, "password": PASSWORD})


async def _code(client, code: str):
    page = await client.get("/login/code")
    return await client.post("/login/code", data={"csrf": csrf_of(page.text), "code": code})


async def test_login_asks_for_the_code_and_each_code_works_once(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as desk, client_for(app) as phone:
        token = await login(desk, "agent@a.test")
        key, codes = await _enrol(desk, token)
        async with pool.acquire() as conn:
            row = await conn.fetchrow("select totp_secret, totp_pending from users where id = $1", ids["agent_a"])
            assert row["totp_pending"] is None and key.encode() not in row["totp_secret"]  # sealed, not plain
            stored = [r["code_hash"] for r in await conn.fetch("select code_hash from recovery_codes")]
            assert len(stored) == 10 and not any(c.replace("-", "") in stored for c in codes)
        account = await desk.get("/settings/account")
        assert "Codes de récupération restants : 10." in html.unescape(account.text)

        # The password alone opens nothing.
        first = await _password_step(phone)
        assert first.headers["location"] == "/login/code"
        assert (await phone.get("/api/items")).status_code == 401
        assert (await _code(phone, "123456")).status_code == 401
        # The app's next code opens the session (the current one was spent confirming the enrolment).
        code = pyotp.TOTP(key).at(time.time() + 30)
        ok = await _code(phone, code)
        assert ok.status_code == 303
        assert (await phone.get("/api/items")).status_code == 200
        phone_token = csrf_of((await phone.get("/")).text)
        await phone.post("/logout", data={"csrf": phone_token})
        # The same code a second time (someone watching over a shoulder) is refused.
        await _password_step(phone)
        assert (await _code(phone, code)).status_code == 401
        # A recovery code works once.
        assert (await _code(phone, codes[3].upper())).status_code == 303
        await phone.post("/logout", data={"csrf": csrf_of((await phone.get("/")).text)})
        await _password_step(phone)
        assert (await _code(phone, codes[3])).status_code == 401
        account = await desk.get("/settings/account")
        assert "Codes de récupération restants : 9." in html.unescape(account.text)

        # New recovery codes (with the password): the old ones stop working.
        assert (await desk.post("/settings/account/two-step/codes", data={"csrf": token, "password": "nope"})).status_code == 400
        renewed = await desk.post("/settings/account/two-step/codes", data={"csrf": token, "password": PASSWORD})
        fresh = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", renewed.text)
        assert len(fresh) == 10 and not set(fresh) & set(codes)
        await _password_step(phone)
        assert (await _code(phone, codes[4])).status_code == 401
        assert (await _code(phone, fresh[0])).status_code == 303

        # Turning it off asks for the password.
        refused = await desk.post("/settings/account/two-step/disable", data={"csrf": token, "password": "wrong one"})
        assert refused.status_code == 400
        off = await desk.post("/settings/account/two-step/disable", data={"csrf": token, "password": PASSWORD})
        assert off.status_code == 303
        await phone.post("/logout", data={"csrf": csrf_of((await phone.get("/login")).text)})
        assert (await _password_step(phone)).headers["location"] == "/"
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from recovery_codes") == 0


async def test_wrong_codes_are_throttled_and_the_password_step_expires(pool, db_dsn, monkeypatch) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as desk, client_for(app) as thief:
        key, _codes = await _enrol(desk, await login(desk, "agent@a.test"))
        await _password_step(thief)
        statuses = [(await _code(thief, f"{n:06d}")).status_code for n in range(1, 6)]
        assert statuses == [401] * 5
        # Now even the right code waits: the guesser is out of tries for 15 minutes.
        blocked = await _code(thief, pyotp.TOTP(key).at(time.time() + 30))
        assert blocked.status_code == 429 and "Trop de codes erronés" in html.unescape(blocked.text)
        assert (await thief.get("/api/items")).status_code == 401
        # A password step left too long must be done again.
        csrf = csrf_of((await thief.get("/login/code")).text)
        monkeypatch.setattr(routes_auth, "clock", lambda: time.time() + CODE_STEP_SECONDS + 1)
        assert (await thief.get("/login/code")).headers["location"] == "/login"
        late = await thief.post("/login/code", data={"csrf": csrf, "code": "123456"})
        assert late.status_code == 401 and "Connectez-vous de nouveau" in late.text


async def test_a_user_sees_and_ends_their_own_sessions(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
    iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 Version/18.1 Mobile/15E148 Safari/604.1"
    async with client_for(app) as desk, client_for(app) as phone, client_for(app) as laptop, client_for(app) as owner:
        desk.headers["user-agent"] = firefox
        phone.headers["user-agent"] = iphone
        token = await login(desk, "agent@a.test")
        await login(phone, "agent@a.test")
        await login(laptop, "agent@a.test")
        await login(owner, "owner@a.test")
        page = (await desk.get("/settings/account")).text
        assert "Firefox · Windows" in page and "Safari · iPhone" in page
        current = re.search(r'<tr class="current-session">.*?</tr>', page, re.S).group(0)
        assert "Firefox · Windows" in current and "Cette session" in current
        async with pool.acquire() as conn:
            phone_num = await conn.fetchval("select num from sessions where user_agent like '%iPhone%'")
            owner_num = await conn.fetchval("select num from sessions where user_id = $1", ids["owner_a"])
        # Someone else's session is not theirs to end.
        assert (await desk.post(f"/settings/account/sessions/{owner_num}/end", data={"csrf": token})).status_code == 404
        assert (await owner.get("/api/items")).status_code == 200
        assert (await desk.post(f"/settings/account/sessions/{phone_num}/end", data={"csrf": token})).status_code == 303
        assert (await phone.get("/api/items")).status_code == 401
        assert (await laptop.get("/api/items")).status_code == 200
        assert (await desk.post("/settings/account/sessions/end-others", data={"csrf": token})).status_code == 303
        assert (await laptop.get("/api/items")).status_code == 401
        assert (await desk.get("/api/items")).status_code == 200
        assert (await owner.get("/api/items")).status_code == 200


async def _enrol_at_login(client, expected_brand: str) -> list[str]:
    """The set-up page a required second step leads to: scan, confirm, get the codes (the session opens)."""
    page = await client.get("/login/two-step-setup")
    assert page.status_code == 200 and f"{expected_brand} exige la connexion en deux étapes" in html.unescape(page.text)
    key = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page.text).group(1).replace(" ", "")
    assert (await client.get("/api/items")).status_code == 401  # no session before the code
    done = await client.post("/login/two-step-setup", data={"csrf": csrf_of(page.text), "code": pyotp.TOTP(key).now()})
    assert done.status_code == 200
    return re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>", done.text)


async def test_an_owner_requires_two_step_login_of_the_brand(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    app = make_app(pool, db_dsn)
    async with client_for(app) as owner, client_for(app) as agent, client_for(app) as other_brand, client_for(app) as newcomer:
        token = await login(owner, "owner@a.test")
        await login(agent, "agent@a.test")
        await login(other_brand, "owner@b.test")
        # An owner without it cannot require it.
        refused = await owner.post("/settings/team/two-step", data={"csrf": token, "require": "on"})
        assert refused.status_code == 409 and "Activez d'abord" in html.unescape(refused.text)
        await _enrol(owner, token)
        assert (await owner.post("/settings/team/two-step", data={"csrf": token, "require": "on"})).status_code == 303
        team = await owner.get("/settings/team")
        assert re.search(r"data-member=\"agent@a.test\".*?two-step-state\">Désactivée<", team.text, re.S)
        assert re.search(r"data-member=\"owner@a.test\".*?two-step-state\">Activée<", team.text, re.S)
        # The agent's session ended; the owner's and brand B's go on.
        assert (await agent.get("/api/items")).status_code == 401
        assert (await owner.get("/api/items")).status_code == 200
        assert (await other_brand.get("/api/items")).status_code == 200
        # The agent's next log-in sets it up before any session opens.
        page = await agent.get("/login")
        first = await agent.post("/login", data={"csrf": csrf_of(page.text), "email": "agent@a.test", "password": PASSWORD})
        assert first.headers["location"] == "/login/two-step-setup"
        codes = await _enrol_at_login(agent, "Café A")
        assert len(codes) == 10
        assert (await agent.get("/api/items")).status_code == 200
        # Now it cannot be turned off while the brand requires it.
        agent_token = csrf_of((await agent.get("/settings/account")).text)
        off = await agent.post("/settings/account/two-step/disable", data={"csrf": agent_token, "password": PASSWORD})
        assert off.status_code == 409 and "Café A exige" in html.unescape(off.text)
        # A newcomer invited to the brand sets it up right after choosing a password.
        sent = await owner.post("/settings/team/invitations", data={"csrf": token, "email": "julie@cafe.test", "role": "agent",
                                                                    "lang": "fr"})
        path = "/invite/" + re.search(r'id="invite-link"[^>]*value="[^"]+/invite/([^"]+)"', sent.text).group(1)
        form = await newcomer.get(path)
        accepted = await newcomer.post(path, data={"csrf": csrf_of(form.text), "name": "Julie", "password": "une cabane au bord du lac",
                                                   "confirm": "une cabane au bord du lac"})
        assert accepted.headers["location"] == "/login/two-step-setup"
        await _enrol_at_login(newcomer, "Café A")
        assert (await newcomer.get("/api/items")).status_code == 200
        # Stop requiring it.
        assert (await owner.post("/settings/team/two-step", data={"csrf": token})).status_code == 303
    async with pool.acquire() as conn:
        assert not await conn.fetchval("select require_two_step from brands where id = $1", ids["brand_a"])
