"""Where the shared development data lives: $JASETTE_SHARED, else the `shared/` folder beside
the checkout (the team's layout), else /work/shared (where CI's clean checkouts find it)."""

from __future__ import annotations

import os
from pathlib import Path

_CANDIDATES = [
    os.environ.get("JASETTE_SHARED", ""),
    str(Path(__file__).resolve().parents[3] / "shared"),
    "/work/shared",
]


def shared_root() -> Path:
    """The first candidate folder that exists (the relative default when none does)."""
    for candidate in _CANDIDATES:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return Path(_CANDIDATES[1])
