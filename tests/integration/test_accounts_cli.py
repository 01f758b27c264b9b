"""`jasette accounts`: connections added, listed, changed and polled at once from the command line,
with the settings form's rules; every mistake is one line and exit 2. And "Poll now" in Settings."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from web_app import SECRET, client_for, login, make_app, seed

from inbox.credentials import Vault

TOKEN = json.dumps({"access_token": "tok-CLI-SECRET"})


def _jasette(db_dsn: str, *args: str, stdin: str = "", allowed: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_SECRET_KEY=SECRET, JASETTE_ALLOWED_HOSTS=allowed)
    return subprocess.run([sys.executable, "-m", "jasette.cli", *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60)


async def _run(db_dsn: str, *args: str, **kw: str) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(_jasette, db_dsn, *args, **kw)


def _one_line_error(result: subprocess.CompletedProcess, words: str) -> None:
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.stderr


ADD = ("accounts", "add", "--brand", "cafe-a", "--platform", "rss", "--name", "Blogue", "--external-id", "blogue")


async def test_cli_adds_lists_changes_and_polls_accounts(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    added = await _run(db_dsn, *ADD, "--base-url", "https://blogue.example/feed", "--poll-interval", "300",
                       "--setting", "lookback_days=3", stdin=TOKEN)
    assert added.returncode == 0, added.stderr
    assert "tok-CLI-SECRET" not in added.stdout + added.stderr
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select * from accounts where external_id = 'blogue'")
    assert (row["platform"], row["name"], row["poll_interval_seconds"], row["settings"]) == ("rss", "Blogue", 300, {"lookback_days": 3})
    assert b"tok-CLI-SECRET" not in bytes(row["credentials"])
    assert Vault(SECRET).open(row["credentials"]) == {"access_token": "tok-CLI-SECRET"}

    listed = await _run(db_dsn, "accounts", "list", "--brand", "cafe-a")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].split("\t") == ["id", "brand", "platform", "name", "health", "last_success", "next_poll", "last_error"]
    assert {line.split("\t")[0] for line in lines[1:]} == {str(ids["account_a"]), str(row["id"])}
    assert "tok-CLI-SECRET" not in listed.stdout
    everyone = (await _run(db_dsn, "accounts", "list")).stdout
    assert f"{ids['account_b']}\tboutique-b\t" in everyone

    account = str(row["id"])
    changed = await _run(db_dsn, "accounts", "set", account, "--name", "Le blogue", "--poll-interval", "120", "--disable")
    assert changed.returncode == 0, changed.stderr
    # Another server without new credentials: refused, nothing changed; with them, done.
    _one_line_error(await _run(db_dsn, "accounts", "set", account, "--base-url", "https://ailleurs.example/feed"),
                    "give the credentials again")
    moved = await _run(db_dsn, "accounts", "set", account, "--base-url", "https://ailleurs.example/feed", "--credentials",
                       "--enable", stdin=json.dumps({"access_token": "tok-2"}))
    assert moved.returncode == 0, moved.stderr
    async with pool.acquire() as conn:
        await conn.execute("update accounts set next_poll_at = now() + interval '1 hour' where id = $1", row["id"])
        after = await conn.fetchrow("select * from accounts where id = $1", row["id"])
    assert (after["name"], after["poll_interval_seconds"], after["enabled"], after["base_url"]) == (
        "Le blogue", 120, True, "https://ailleurs.example/feed")
    assert Vault(SECRET).open(after["credentials"]) == {"access_token": "tok-2"}

    polled = await _run(db_dsn, "accounts", "poll-now", account)
    assert polled.returncode == 0 and "due now" in polled.stdout, polled.stderr
    async with pool.acquire() as conn:
        assert await conn.fetchval("select next_poll_at <= now() from accounts where id = $1", row["id"])


async def test_cli_mistakes_are_one_line(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
    url = ("--base-url", "https://blogue.example/feed")
    _one_line_error(await _run(db_dsn, *ADD[:3], "nope", *ADD[4:], *url, stdin=TOKEN), "no brand 'nope'")
    _one_line_error(await _run(db_dsn, *ADD[:5], "myspace", *ADD[6:], *url, stdin=TOKEN), "unknown platform 'myspace'")
    _one_line_error(await _run(db_dsn, *ADD, "--base-url", "javascript:alert(1)", stdin=TOKEN), "must start with")
    _one_line_error(await _run(db_dsn, *ADD, "--base-url", "ftp://blogue.example/feed", stdin=TOKEN), "must start with")
    _one_line_error(await _run(db_dsn, *ADD, "--base-url", "http://127.0.0.1:9/feed", stdin=TOKEN), "address not allowed")
    _one_line_error(await _run(db_dsn, *ADD, "--base-url", "http://169.254.169.254/latest", stdin=TOKEN), "address not allowed")
    _one_line_error(await _run(db_dsn, *ADD, *url, stdin="access_token=abc"), "JSON object")
    _one_line_error(await _run(db_dsn, *ADD, *url, stdin="[1, 2]"), "JSON object")
    _one_line_error(await _run(db_dsn, *ADD, *url, "--poll-interval", "0", stdin=TOKEN), "--poll-interval")
    _one_line_error(await _run(db_dsn, *ADD, *url, "--setting", "novalue", stdin=TOKEN), "key=value")
    # A setting the platform declares is checked as the settings form checks it.
    _one_line_error(await _run(db_dsn, "accounts", "add", "--brand", "cafe-a", "--platform", "youtube", "--name", "Chaîne",
                               "--external-id", "UC1", "--setting", "quota_limit=5", stdin=TOKEN), "must be a whole number from 100")
    # Without --base-url: the platform's own address (YouTube's), the setting checked and kept as a number.
    added = await _run(db_dsn, "accounts", "add", "--brand", "cafe-a", "--platform", "youtube", "--name", "Chaîne",
                       "--external-id", "UC2", "--setting", "quota_limit=20000", stdin=TOKEN)
    assert added.returncode == 0, added.stderr
    async with pool.acquire() as conn:
        row = await conn.fetchrow("select base_url, settings from accounts where external_id = 'UC2'")
    assert (row["base_url"], row["settings"]) == ("", {"quota_limit": 20000})
    _one_line_error(await _run(db_dsn, "accounts", "set", "999999", "--name", "x"), "no account 999999")
    _one_line_error(await _run(db_dsn, "accounts", "poll-now", "999999"), "no account 999999")
    _one_line_error(await _run(db_dsn, "accounts", "list", "--brand", "nope"), "no brand 'nope'")
    async with pool.acquire() as conn:
        assert await conn.fetchval("select count(*) from accounts where external_id = 'blogue'") == 0
    # The administrator's exception lets a local address through, as it does for the workers.
    allowed = await _run(db_dsn, *ADD, "--base-url", "http://127.0.0.1:9/feed", stdin=TOKEN, allowed="127.0.0.1")
    assert allowed.returncode == 0, allowed.stderr
    assert ids["account_a"]


async def test_poll_now_button_owner_only_and_brand_checked(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await conn.execute("update accounts set next_poll_at = now() + interval '1 hour'")
    app = make_app(pool, db_dsn)
    url = f"/settings/accounts/{ids['account_a']}/poll-now"
    async with client_for(app) as client:
        token = await login(client, "agent@a.test")
        assert "/poll-now" not in (await client.get("/settings")).text
        assert (await client.post(url, data={"csrf": token})).status_code == 403
    async with client_for(app) as client:
        token = await login(client, "owner@b.test")
        assert (await client.post(url, data={"csrf": token})).status_code == 404
    async with pool.acquire() as conn:
        assert not await conn.fetchval("select next_poll_at <= now() from accounts where id = $1", ids["account_a"])
    async with client_for(app) as client:
        token = await login(client, "owner@a.test")
        page = (await client.get("/settings")).text
        assert "Relever maintenant" in page and url in page
        assert (await client.post(url, data={})).status_code == 403  # no CSRF token
        done = await client.post(url, data={"csrf": token})
        assert done.status_code == 303 and done.headers["location"] == "/settings"
    async with pool.acquire() as conn:
        assert await conn.fetchval("select next_poll_at <= now() from accounts where id = $1", ids["account_a"])
        assert not await conn.fetchval("select next_poll_at <= now() from accounts where id = $1", ids["account_b"])
