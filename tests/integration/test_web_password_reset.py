"""Forgotten password: the same answer whether or not the address has an account, a link by
e-mail (aiosmtpd) that works once and expires, throttled requests, and every session ended."""

from __future__ import annotations

import asyncio
import html
import re

from receivers import SmtpServer
from web_app import PASSWORD, client_for, csrf_of, login, make_app, seed

from inbox.smtp import SmtpConfig

NEW = "un mot de passe tout neuf"


def _smtp(server: SmtpServer) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=server.port, starttls=False)


async def _ask(client, email: str):
    page = await client.get("/login/forgot")
    return await client.post("/login/forgot", data={"csrf": csrf_of(page.text), "email": email})


async def _wait_for(smtp: SmtpServer, count: int) -> None:
    async with asyncio.timeout(5):
        while len(smtp.messages) < count:
            await asyncio.sleep(0.05)


async def test_the_answer_does_not_tell_whether_an_account_exists(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with SmtpServer() as smtp:
        app = make_app(pool, db_dsn, smtp=_smtp(smtp))
        async with client_for(app) as client:
            login_page = await client.get("/login")
            assert 'href="/login/forgot"' in login_page.text and "Mot de passe oublié ?" in login_page.text
            known = await _ask(client, "owner@b.test")
            unknown = await _ask(client, "nobody@b.test")
            assert known.status_code == unknown.status_code == 200
            # The pages differ only by the address typed.
            assert html.unescape(known.text).replace("owner@b.test", "X").split("<main")[1] == \
                html.unescape(unknown.text).replace("nobody@b.test", "X").split("<main")[1]
            assert "Si un compte existe pour owner@b.test" in html.unescape(known.text)
            await _wait_for(smtp, 1)
            await asyncio.sleep(0.2)
            assert [m["To"] for m in smtp.messages] == ["owner@b.test"]
            # Bob reads Jasette in English: so is his e-mail.
            assert smtp.messages[0]["Subject"] == "Choose a new Jasette password"


async def test_the_link_sets_a_new_password_once_and_ends_every_session(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    with SmtpServer() as smtp:
        app = make_app(pool, db_dsn, smtp=_smtp(smtp))
        async with client_for(app) as phone, client_for(app) as desk, client_for(app) as other:
            await login(phone, "agent@a.test")
            await _ask(desk, "AGENT@a.test")
            await _wait_for(smtp, 1)
            mail = smtp.messages[0]
            assert mail["Content-Language"] == "fr" and "Choisissez un nouveau mot de passe" in mail["Subject"]
            link = re.search(r"http://\S+/reset/\S+", mail.get_body(("plain",)).get_content()).group(0)
            path = "/reset/" + link.rsplit("/reset/", 1)[1]
            async with pool.acquire() as conn:
                assert path.rsplit("/", 1)[1] not in await conn.fetchval("select token_hash from password_resets")
            form = await desk.get(path)
            assert form.status_code == 200
            weak = await desk.post(path, data={"csrf": csrf_of(form.text), "new": "motdepasse", "confirm": "motdepasse"})
            assert weak.status_code == 400
            done = await desk.post(path, data={"csrf": csrf_of(form.text), "new": NEW, "confirm": NEW})
            assert done.status_code == 303 and done.headers["location"] == "/login?done=reset"
            # The phone's session (and any stolen cookie) is over; the old password is refused.
            assert (await phone.get("/api/items")).status_code == 401
            async with pool.acquire() as conn:
                assert await conn.fetchval("select count(*) from sessions where user_id = $1", ids["agent_a"]) == 0
            page = await other.get("/login")
            old = await other.post("/login", data={"csrf": csrf_of(page.text), "email": "agent@a.test", "password": PASSWORD})
            assert old.status_code == 401
            await login(other, "agent@a.test", NEW)
            # Once only.
            again = await desk.get(path)
            assert again.status_code == 410 and "déjà servi" in html.unescape(again.text)
            replay = await desk.post(path, data={"csrf": csrf_of(again.text), "new": "encore une autre phrase", "confirm": "encore une autre phrase"})
            assert replay.status_code == 410


async def test_an_expired_link_is_refused_and_requests_are_throttled(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        await seed(conn)
    with SmtpServer() as smtp:
        app = make_app(pool, db_dsn, smtp=_smtp(smtp))
        async with client_for(app) as client:
            await _ask(client, "owner@a.test")
            await _wait_for(smtp, 1)
            link = re.search(r"/reset/\S+", smtp.messages[0].get_body(("plain",)).get_content()).group(0)
            async with pool.acquire() as conn:
                await conn.execute("update password_resets set expires_at = now() - interval '1 second'")
            expired = await client.get(link)
            assert expired.status_code == 410 and "expiré" in html.unescape(expired.text)
            assert (await client.get("/reset/made-up")).status_code == 404
            # Five requests per address in 15 minutes reach the mailbox; more are answered the same, unsent.
            for _ in range(8):
                assert (await _ask(client, "owner@a.test")).status_code == 200
            await asyncio.sleep(0.3)
            assert len(smtp.messages) == 5
