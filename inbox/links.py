"""Secret links (invitations, forgotten passwords) and session tokens: random, stored as digests.

Only the SHA-256 of a token is stored. The tokens are 256 random bits, so a plain digest is
enough (no salt or slow hash needed: there is nothing to guess), and a copy of the database
opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> str:
    """A fresh URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """The hex SHA-256 stored in place of the token."""
    return hashlib.sha256(token.encode()).hexdigest()
