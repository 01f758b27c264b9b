"""`jasette demo` as a newcomer runs it: one command, and the inbox fills live from every
platform emulator; Ctrl+C stops it cleanly; a second run goes on from the first."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys

import asyncpg
import httpx
from connecting import consent, local
from receivers import free_port
from web_app import csrf_of, login

from collector import registry

PASSWORD = "motdepasse-demo"


def start_demo(db_dsn: str, home: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_HOME=home, JASETTE_NLP_WORKERS="0")
    env.pop("JASETTE_SECRET_KEY", None)
    return subprocess.Popen(
        [sys.executable, "-m", "jasette.cli", "demo", "--port", str(port), "--admin-email", "patronne@cafe.test",
         "--admin-password", PASSWORD, "--rate", "600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def stop_demo(demo: subprocess.Popen, sig: signal.Signals = signal.SIGINT) -> str:
    demo.send_signal(sig)
    try:
        output, _ = demo.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        demo.kill()
        output, _ = demo.communicate()
    return output


async def platforms_in_inbox(demo: subprocess.Popen, port: int, wanted: set[str]) -> set[str]:
    platforms: set[str] = set()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        for _ in range(120):
            try:
                await login(client, "patronne@cafe.test", PASSWORD)
                break
            except (httpx.HTTPError, AssertionError):
                assert demo.poll() is None, "the demo stopped before serving its inbox"
                await asyncio.sleep(0.5)
        for _ in range(120):
            response = await client.get("/api/items", params={"limit": 200})
            assert response.status_code == 200
            platforms = {item["platform"] for item in response.json()["items"]}
            if platforms >= wanted:
                break
            await asyncio.sleep(0.5)
    return platforms


async def connect_google_in_the_demo(port: int) -> None:
    """Settings → "Connecter Google" → consent → pick a location, with nothing configured."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        await login(client, "patronne@cafe.test", PASSWORD)
        assert 'id="connect-google"' in (await client.get("/settings")).text
        started = await client.get("/settings/connect/google")
        assert started.status_code == 303, started.text
        back = await consent(started.headers["location"])
        picker = await client.get(local(back))
        assert picker.status_code == 303 and "/pick?" in picker.headers["location"], picker.text
        page = await client.get(picker.headers["location"])
        choices = re.findall(r'name="choice" value="([^"]+)"', page.text)
        assert len(choices) == 2
        done = await client.post("/settings/connect/google/pick", data={
            "csrf": csrf_of(page.text), "key": picker.headers["location"].split("key=", 1)[1], "choice": choices[1]})
        assert done.status_code == 303, done.text
        assert "settings-notice" in (await client.get(done.headers["location"])).text


async def connect_gmail_in_the_demo(port: int) -> None:
    """Settings → "Connecter Gmail" → consent: the demo's mailbox now logs in with XOAUTH2."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        await login(client, "patronne@cafe.test", PASSWORD)
        assert 'id="connect-gmail"' in (await client.get("/settings")).text
        started = await client.get("/settings/connect/gmail")
        assert started.status_code == 303, started.text
        done = await client.get(local(await consent(started.headers["location"])))
        assert done.status_code == 303 and "connected=" in done.headers["location"], done.text


async def test_demo_fills_the_inbox_from_every_platform_and_a_rerun_goes_on(db_dsn, tmp_path):
    wanted = set(registry.platforms())
    port = free_port()
    demo = start_demo(db_dsn, str(tmp_path), port)
    try:
        platforms = await platforms_in_inbox(demo, port, wanted)
        await connect_google_in_the_demo(port)
        await connect_gmail_in_the_demo(port)
    finally:
        output = stop_demo(demo)
    assert platforms >= wanted, f"only {sorted(platforms)} reached the inbox"
    assert demo.returncode == 0 and "Traceback" not in output, output
    assert f"patronne@cafe.test / {PASSWORD}" in output

    conn = await asyncpg.connect(db_dsn)
    try:
        first_run = await conn.fetchval("select count(*) from items")
        # The first run seeded two weeks of history for the weekly summary.
        assert await conn.fetchval("select count(*) from items where created_at < now() - interval '7 days'") >= 20
        # Second run on the same data: the emulators start afresh, the store remembers.
        demo = start_demo(db_dsn, str(tmp_path), port)
        try:
            for _ in range(120):
                if await conn.fetchval("select count(*) from items") >= first_run + 30:
                    break
                await asyncio.sleep(0.5)
        finally:
            output = stop_demo(demo, signal.SIGTERM)  # as `docker stop` and systemd stop it
        assert demo.returncode == 0 and "Traceback" not in output, output
        assert await conn.fetchval("select count(*) from items") >= first_run + 30
        assert await conn.fetchval("select count(*) from item_revisions") == 0, "a rerun overwrote earlier comments"
        assert await conn.fetchval("select count(*) from accounts where health <> 'ok'") == 0
    finally:
        await conn.close()
