"""The password policy and argon2 hashing kept off the event loop.

The policy follows NIST SP 800-63B §5.1.1.2: a minimum length and a check against known common
passwords, no composition rules (no "one capital, one symbol"), which only push people to
`Password1!`. The list is Django's (20,000 common passwords compiled by Royce Williams from
breach corpora, lowercased; BSD licence), bundled as `common_passwords.txt.gz`.
"""

from __future__ import annotations

import asyncio
import gzip
import re
from functools import cache
from pathlib import Path

from web.auth import hash_password, verify_password

MIN_LENGTH = 10
MAX_LENGTH = 1024  # argon2 hashes anything, but a megabyte "password" is an attack, not a secret
# Common in Quebec and missing from the English-heavy list.
_LOCAL = frozenset({
    "motdepasse", "azertyuiop", "bienvenue", "bonjour", "canadiens", "habs", "montreal", "quebec",
    "nordiques", "poutine", "tabarnak", "jetaime", "soleil", "chocolat", "jasette", "laval", "gatineau",
})


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lowercased, plus a few Quebec favourites."""
    with gzip.open(Path(__file__).with_name("common_passwords.txt.gz"), "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip()) | _LOCAL


def problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why the password is refused (an English message to translate), or None when it is fine."""
    if len(password) < MIN_LENGTH:
        return "Choose a password of at least 10 characters (a short sentence is easy to remember)."
    if len(password) > MAX_LENGTH:
        return "This password is too long (1,024 characters at most)."
    lowered = password.lower()
    common = common_passwords()
    # "Password2024!" and "2024soleil" are the list's words dressed up: strip what is around them.
    core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", lowered)
    if lowered in common or (len(core) >= 4 and core in common) or lowered.replace(" ", "") in common:
        return "This password is among the most common ones and would be guessed quickly: choose another."
    if len(set(lowered)) < 4:
        return "This password repeats too few characters: choose another."
    own = [email.split("@")[0].lower()] + [part.lower() for part in name.split()]
    if any(len(word) >= 4 and word in lowered and len(lowered) - len(word) < 6 for word in own):
        return "Do not build the password on your name or e-mail: choose another."
    return None


async def hash_async(password: str) -> str:
    """An argon2id hash, computed in a thread (argon2 takes tens of milliseconds on purpose)."""
    return await asyncio.to_thread(hash_password, password)


async def verify_async(hash: str | None, password: str) -> bool:
    """Check a password in a thread, so a burst of log-ins never stalls the live inbox."""
    return await asyncio.to_thread(verify_password, hash, password)
