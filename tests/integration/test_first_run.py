"""First run: the setup page creates the first owner and brand once, even under a race; the
`jasette brands` and `jasette users` commands do the same for scripted installs."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from web_app import client_for, csrf_of, make_app

from inbox import users

GOOD = {"name": "Marie Tremblay", "email": "marie@cafe.test", "password": "le café ouvre à sept heures",
        "brand_name": "Café du Plateau", "brand_lang": "fr", "timezone": "America/Montreal"}


async def test_setup_page_creates_the_first_owner_and_brand_then_closes(pool, db_dsn) -> None:
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        assert (await client.get("/login")).headers["location"] == "/setup"
        page = await client.get("/setup")
        assert page.status_code == 200 and "Configurer Jasette" in page.text
        weak = await client.post("/setup", data={**GOOD, "password": "motdepasse1", "csrf": csrf_of(page.text)})
        assert weak.status_code == 400 and "parmi les plus courants" in weak.text
        done = await client.post("/setup", data={**GOOD, "csrf": csrf_of(page.text)})
        assert done.status_code == 303 and done.headers["location"] == "/"
        home = await client.get("/")
        assert home.status_code == 200 and "Café du Plateau" in home.text
        assert (await client.get("/setup")).status_code == 404
        again = await client.post("/setup", data={**GOOD, "email": "intrus@x.test", "csrf": csrf_of(home.text)})
        assert again.status_code == 404
    async with client_for(app) as stranger:
        assert (await stranger.get("/setup")).status_code == 404
        assert (await stranger.get("/login")).status_code == 200
    async with pool.acquire() as conn:
        brand = await conn.fetchrow("select slug, lang, timezone from brands")
        assert dict(brand) == {"slug": "cafe-du-plateau", "lang": "fr", "timezone": "America/Montreal"}
        assert [(r["email"], r["brands"]) for r in await users.all_users(conn)] == [("marie@cafe.test", ["cafe-du-plateau:owner"])]


async def test_two_setup_submits_at_once_make_one_owner(pool, db_dsn) -> None:
    app = make_app(pool, db_dsn)
    clients = [client_for(app) for _ in range(2)]
    tokens = [csrf_of((await c.get("/setup")).text) for c in clients]
    results = await asyncio.gather(*(
        c.post("/setup", data={**GOOD, "email": f"owner{i}@cafe.test", "brand_name": f"Café {i}", "csrf": t})
        for i, (c, t) in enumerate(zip(clients, tokens, strict=True))))
    for c in clients:
        await c.aclose()
    assert sorted(r.status_code for r in results) == [303, 404]
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from users") == 1
        assert await conn.fetchval("select count(*) from brands") == 1


def _jasette(db_dsn: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_SECRET_KEY="k")
    return subprocess.run([sys.executable, "-m", "jasette.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def _one_line_error(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


async def test_cli_adds_brands_and_users_with_one_line_errors(pool, db_dsn) -> None:
    ok = await asyncio.to_thread(_jasette, db_dsn, "brands", "add", "cafe-du-plateau", "--name", "Café du Plateau",
                                 "--timezone", "America/Toronto")
    assert ok.returncode == 0, ok.stderr
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, "brands", "add", "cafe-du-plateau", "--name", "X"), "already exists")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, "brands", "add", "Café!", "--name", "X"), "not a valid slug")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, "brands", "add", "b", "--name", "X", "--timezone", "Mars/Base"),
                    "unknown time zone")
    add = ("users", "add", "marie@cafe.test", "--name", "Marie Tremblay", "--brand", "cafe-du-plateau", "--role", "owner")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, *add), "no password")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, *add, stdin="password123\n"), "most common")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, *add, stdin="court\n"), "at least 10 characters")
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, "users", "add", "x@cafe.test", "--name", "X", "--brand", "nope",
                                            "--role", "agent", stdin="une phrase assez longue\n"), "no brand 'nope'")
    # argparse's own mistakes: its usage, then the one line that says what is wrong.
    boss = await asyncio.to_thread(_jasette, db_dsn, "users", "add", "x@cafe.test", "--name", "X", "--brand",
                                   "cafe-du-plateau", "--role", "boss")
    assert boss.returncode == 2 and "invalid choice: 'boss'" in boss.stderr.strip().splitlines()[-1]
    added = await asyncio.to_thread(_jasette, db_dsn, *add, stdin="les bagels de la rue Fairmount\n")
    assert added.returncode == 0, added.stderr
    _one_line_error(await asyncio.to_thread(_jasette, db_dsn, *add, stdin="les bagels de la rue Fairmount\n"), "already exists")
    listed = await asyncio.to_thread(_jasette, db_dsn, "users", "list")
    assert listed.stdout == "marie@cafe.test\tMarie Tremblay\tcafe-du-plateau:owner\n"
    # The owner made on the command line can log in; the setup page is closed.
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        assert (await client.get("/setup")).status_code == 404
        page = await client.get("/login")
        response = await client.post("/login", data={"email": "marie@cafe.test", "password": "les bagels de la rue Fairmount",
                                                     "csrf": csrf_of(page.text)})
        assert response.status_code == 303
