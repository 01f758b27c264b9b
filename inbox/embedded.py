"""An embedded PostgreSQL (the `pgserver` package) for when DATABASE_URL is unset.

A newcomer needs nothing installed: the server's files live in JASETTE_HOME/pgdata and are
kept across runs.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import platformdirs


def jasette_home() -> Path:
    """The data folder: JASETTE_HOME, or the per-user data directory."""
    configured = os.environ.get("JASETTE_HOME")
    home = Path(configured) if configured else Path(platformdirs.user_data_dir("jasette"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def start(data_dir: Path, *, database: str = "jasette") -> str:
    """Start (or reuse) the embedded server in `data_dir`; return a DSN for `database`."""
    with warnings.catch_warnings():
        # pgserver asks platformdirs for a runtime folder it does not need here; on servers
        # without XDG_RUNTIME_DIR that prints a warning a newcomer would take for a problem.
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        import pgserver.postgres_server  # imported here: it is only needed without DATABASE_URL

    data_dir.mkdir(parents=True, exist_ok=True)
    # pgserver counts the processes using the folder (`jasette web` beside `jasette worker`
    # share one server) and stops it when the last of them exits, so nothing lingers after
    # Ctrl+C; a process killed outright leaves it running, and the next start reuses it.
    server = pgserver.postgres_server.get_server(str(data_dir), cleanup_mode="stop")
    exists = server.psql(f"select 1 from pg_database where datname = '{database}';")
    if "1 row" not in exists:
        server.psql(f'create database "{database}";')
    uri = server.get_uri()
    return uri.replace("/postgres?", f"/{database}?", 1)
