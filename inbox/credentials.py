"""Platform credentials encrypted at rest with a key derived from JASETTE_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# One secret, one key per use: a key that leaks from one use (a session cookie forged, a
# token key guessed) says nothing of the others.
CREDENTIALS = "jasette credentials v2"
SESSIONS = "jasette sessions v2"


def derive_key(secret_key: str, purpose: str) -> bytes:
    """32 bytes for one purpose, derived from JASETTE_SECRET_KEY with HKDF-SHA256 (RFC 5869)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"jasette", info=purpose.encode("utf-8"))
    return hkdf.derive(secret_key.encode("utf-8"))


def session_key(secret_key: str) -> str:
    """The key that signs session cookies (hex), distinct from the credentials key."""
    return derive_key(secret_key, SESSIONS).hex()


class SecretKeyMissing(RuntimeError):
    """No JASETTE_SECRET_KEY: credentials can be neither stored nor read."""


class CredentialsUnreadable(RuntimeError):
    """Stored credentials do not decrypt with this key (the key changed?)."""


class Vault:
    """Encrypts and decrypts credential dicts; never logs or shows them."""

    def __init__(self, secret_key: str | None) -> None:
        if not secret_key:
            raise SecretKeyMissing("JASETTE_SECRET_KEY is not set: it protects platform tokens at rest")
        current = Fernet(base64.urlsafe_b64encode(derive_key(secret_key, CREDENTIALS)))
        # Before HKDF, the key was the secret's bare SHA-256: what it sealed stays readable, and
        # is sealed with the derived key the next time the account's credentials are saved.
        legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode("utf-8")).digest()))
        self._fernet = MultiFernet([current, legacy])

    def __repr__(self) -> str:
        return "Vault(<secret>)"

    def seal(self, credentials: dict[str, Any]) -> bytes:
        """Encrypt a credentials dict for the accounts.credentials column."""
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode("utf-8"))

    def open(self, sealed: bytes | None) -> dict[str, Any]:
        """Decrypt what `seal` produced; an empty dict for no credentials."""
        if not sealed:
            return {}
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(sealed)))
            return opened
        except InvalidToken as exc:
            raise CredentialsUnreadable("stored credentials do not match JASETTE_SECRET_KEY") from exc
