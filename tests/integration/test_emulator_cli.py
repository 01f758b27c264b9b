"""One emulator on its own, as an operator or a developer drives it from outside: started by
`python -m emulators` and `jasette emulator`, faults aimed at reads or writes with their counts
readable, and clean stops."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import httpx
from receivers import free_port

from emulators import catalog


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=dict(os.environ))


def wait_ready(process: subprocess.Popen[str]) -> tuple[str, dict]:
    """The base URL and account the emulator printed once listening."""
    assert process.stdout is not None
    first = process.stdout.readline()
    assert " emulator at " in first, first + (process.stderr.read() if process.stderr else "")
    account = json.loads(process.stdout.readline().removeprefix("account: "))
    return first.split(" emulator at ")[1].split()[0], account


def stop(process: subprocess.Popen[str], sig: int = signal.SIGTERM) -> int:
    """Stop the emulator and reap it (closing its pipes); its exit code."""
    process.send_signal(sig)
    try:
        process.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
    return process.returncode


def test_python_m_emulators_serves_one_platform_with_its_account_and_stops_cleanly():
    port = free_port()
    process = start("-m", "emulators", "wordpress", "--port", str(port))
    try:
        url, account = wait_ready(process)
        assert url == f"http://127.0.0.1:{port}"
        assert account["base_url"] == url and account["credentials"] == catalog.demo_account("wordpress")["credentials"]
        with httpx.Client(base_url=url, timeout=5) as client:
            injected = client.post("/_control/inject", json={"text": "Merci pour le pain!", "author_name": "Léa"})
            assert injected.status_code == 200 and injected.json()["external_id"]
            assert client.get("/_control/state").json()["platform"] == "wordpress"
    finally:
        code = stop(process)
    assert code == 0


def test_jasette_emulator_for_mail_prints_where_its_imap_and_smtp_servers_listen():
    process = start("-m", "jasette.cli", "emulator", "imap")
    try:
        _, account = wait_ready(process)
        assert account["base_url"].startswith("imap://127.0.0.1:")
        assert account["settings"]["smtp_url"].startswith("smtp://127.0.0.1:")
    finally:
        assert stop(process, signal.SIGINT) == 0


def test_unknown_platform_or_busy_port_is_one_clear_line():
    unknown = subprocess.run([sys.executable, "-m", "emulators", "myspace"], capture_output=True, text=True, timeout=60)
    assert unknown.returncode == 2 and unknown.stderr.strip().count("\n") == 0 and "myspace" in unknown.stderr
    port = free_port()
    holder = start("-m", "emulators", "rss", "--port", str(port))
    try:
        wait_ready(holder)
        busy = subprocess.run([sys.executable, "-m", "emulators", "rss", "--port", str(port)], capture_output=True,
                              text=True, timeout=60)
        assert busy.returncode == 2 and "Traceback" not in busy.stderr and f":{port}" in busy.stderr
    finally:
        stop(holder)


def test_a_fault_aimed_at_writes_spares_reads_and_reports_its_counts():
    port = free_port()
    process = start("-m", "emulators", "wordpress", "--port", str(port))
    try:
        url, account = wait_ready(process)
        auth = (account["credentials"]["username"], account["credentials"]["application_password"])
        with httpx.Client(base_url=url, timeout=5, auth=auth) as client:
            armed = client.post("/_control/fault", json={"mode": "server_error", "count": 2, "target": "writes"})
            assert armed.json() == {"fault": "server_error", "target": "writes"}
            assert client.get("/wp-json/wp/v2/comments").status_code == 200  # a read passes
            write = client.post("/wp-json/wp/v2/comments", json={"post": 1, "parent": 1, "content": "Merci!"})
            assert write.status_code == 500
            detail = client.get("/_control/state").json()["fault_detail"]
            assert detail == {"mode": "server_error", "target": "writes", "remaining": 1, "hits": 1}
            client.post("/wp-json/wp/v2/comments", json={"post": 1, "parent": 1, "content": "Merci!"})
            state = client.get("/_control/state").json()
            assert state["fault"] is None and state["fault_detail"]["hits"] == 2  # spent, still readable
            bad = client.post("/_control/fault", json={"mode": "server_error", "target": "sometimes"})
            assert bad.status_code == 400 and "sometimes" in bad.json()["error"]
            assert client.post("/_control/fault", json={"mode": "slow", "count": "many"}).status_code == 400
    finally:
        stop(process)
