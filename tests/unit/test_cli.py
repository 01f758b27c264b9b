"""The `jasette` command: every sub-command explains itself, mistakes end in one clear line."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from jasette.cli import build_parser

COMMANDS = ["migrate", "run", "web", "worker", "demo", "analyze", "parse", "summary", "alerts", "emulator", "brands", "users", "accounts"]


def jasette(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, **(env or {}))
    return subprocess.run([sys.executable, "-m", "jasette.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert "example:" in capsys.readouterr().out


def test_version():
    result = jasette("--version")
    assert result.returncode == 0 and result.stdout.startswith("jasette ")


def test_bad_database_url_is_one_clear_line():
    result = jasette("migrate", env={"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "cannot connect to the database" in lines[0]


def test_missing_secret_key_is_one_clear_line():
    env = {"JASETTE_SECRET_KEY": "", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    result = jasette("worker", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "JASETTE_SECRET_KEY" in result.stderr.strip().splitlines()[-1]


def test_port_in_use_is_one_clear_line():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        env = {"JASETTE_SECRET_KEY": "k", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
        result = jasette("web", "--port", str(port), env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"port {port}" in result.stderr and "already in use" in result.stderr


def test_bad_setting_is_one_clear_line():
    result = jasette("worker", env={"JASETTE_PORT": "huit-mille"})
    assert result.returncode == 2 and "JASETTE_PORT must be a whole number" in result.stderr
    assert "Traceback" not in result.stderr


def test_log_level_setting_applies():
    bad_db = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:1/nothing"}
    debug = jasette("migrate", env={**bad_db, "JASETTE_LOG_LEVEL": "debug"})
    quiet = jasette("migrate", env={**bad_db, "JASETTE_LOG_LEVEL": "ERROR"})
    # asyncio says which selector it uses at DEBUG only: the level reached the logging set-up.
    assert "DEBUG asyncio: Using selector" in debug.stderr
    assert "DEBUG" not in quiet.stderr and quiet.returncode == 2
