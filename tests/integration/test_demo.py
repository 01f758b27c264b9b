"""`jasette demo` as a newcomer runs it: one command, and the inbox fills live from every
platform emulator; Ctrl+C stops it cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx

from collector import registry
from webkit import free_port, login


async def test_demo_fills_the_inbox_from_every_platform_and_stops_cleanly(db_dsn, tmp_path):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=db_dsn, JASETTE_HOME=str(tmp_path), JASETTE_NLP_WORKERS="0")
    env.pop("JASETTE_SECRET_KEY", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "demo", "--port", str(port), "--admin-email", "patronne@cafe.test",
         "--admin-password", "motdepasse-demo", "--rate", "600"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        platforms: set[str] = set()
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            for _ in range(120):
                try:
                    await login(client, "patronne@cafe.test", "motdepasse-demo")
                    break
                except (httpx.HTTPError, AssertionError):
                    assert demo.poll() is None, demo.stdout.read() if demo.stdout else ""
                    await asyncio.sleep(0.5)
            for _ in range(120):
                response = await client.get("/api/items", params={"limit": 200, "status": "all"})
                assert response.status_code == 200
                platforms = {item["platform"] for item in response.json()["items"]}
                if platforms >= set(registry.platforms()):
                    break
                await asyncio.sleep(0.5)
        assert platforms >= set(registry.platforms()), f"only {sorted(platforms)} reached the inbox"
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            output, _ = demo.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            demo.kill()
            output, _ = demo.communicate()
    assert demo.returncode == 0, output
    assert "Traceback" not in output, output
    assert "patronne@cafe.test / motdepasse-demo" in output
