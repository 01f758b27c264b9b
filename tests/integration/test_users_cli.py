"""`jasette users add` for someone who already has an account, and `jasette users invite`."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from web_app import client_for, make_app

PW = "les bagels de la rue Fairmount\n"


def _jasette(db_dsn: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_SECRET_KEY="k", JASETTE_BASE_URL="https://inbox.cafe.test")
    return subprocess.run([sys.executable, "-m", "jasette.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


def _one_line_error(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


async def test_an_existing_user_joins_another_brand_and_invitations_print_a_link(pool, db_dsn) -> None:
    run = lambda *args, stdin="": asyncio.to_thread(_jasette, db_dsn, *args, stdin=stdin)
    assert (await run("brands", "add", "cafe", "--name", "Café")).returncode == 0
    assert (await run("brands", "add", "bistro", "--name", "Bistro")).returncode == 0
    first = await run("users", "add", "marie@cafe.test", "--name", "Marie", "--brand", "cafe", "--role", "owner", stdin=PW)
    assert first.returncode == 0, first.stderr
    # Same person, another brand: no password asked, no second account.
    second = await run("users", "add", "MARIE@cafe.test", "--name", "Marie", "--brand", "bistro", "--role", "agent")
    assert second.returncode == 0 and "existing user" in second.stdout, second.stderr
    _one_line_error(await run("users", "add", "marie@cafe.test", "--name", "M", "--brand", "bistro", "--role", "agent"),
                    "already exists on bistro")
    listed = await run("users", "list")
    assert listed.stdout == "marie@cafe.test\tMarie\tbistro:agent,cafe:owner\n"

    invited = await run("users", "invite", "julie@cafe.test", "--brand", "cafe", "--role", "agent", "--lang", "en")
    assert invited.returncode == 0, invited.stderr
    link = invited.stdout.strip()
    assert link.startswith("https://inbox.cafe.test/invite/") and "\n" not in link
    _one_line_error(await run("users", "invite", "julie@cafe.test", "--brand", "nope", "--role", "agent"), "no brand 'nope'")
    _one_line_error(await run("users", "invite", "not-an-address", "--brand", "cafe", "--role", "agent"), "not a valid e-mail")
    _one_line_error(await run("users", "invite", "marie@cafe.test", "--brand", "cafe", "--role", "agent"), "already on cafe")
    async with client_for(make_app(pool, db_dsn)) as client:
        page = await client.get(link.replace("https://inbox.cafe.test", ""))
        assert page.status_code == 200 and "as agent" in page.text and "Café" in page.text
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from users") == 1
