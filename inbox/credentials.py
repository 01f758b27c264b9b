"""Secrets at rest (platform credentials, alert webhook address and secret) encrypted with a key
derived from JASETTE_SECRET_KEY; keys listed in JASETTE_SECRET_KEY_PREVIOUS still open what they
sealed, so the key can be rotated, then everything resealed (`jasette secrets reseal`)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable
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
    """Encrypts and decrypts secret dicts; never logs or shows them.

    Seals with the current key only; opens with the current key or any previous one (rotation),
    and with each key's pre-HKDF form (the bare SHA-256 of the secret, before 2026-11)."""

    def __init__(self, secret_key: str | None, previous: Iterable[str] = ()) -> None:
        if not secret_key:
            raise SecretKeyMissing("JASETTE_SECRET_KEY is not set: it protects platform tokens at rest")
        self._current = _fernet(derive_key(secret_key, CREDENTIALS))
        keys = [secret_key, *(k for k in previous if k and k != secret_key)]
        fernets = [self._current]
        for key in keys:
            if key != secret_key:
                fernets.append(_fernet(derive_key(key, CREDENTIALS)))
            # Before HKDF, the key was the secret's bare SHA-256: what it sealed stays readable.
            fernets.append(_fernet(hashlib.sha256(key.encode("utf-8")).digest()))
        self._fernet = MultiFernet(fernets)

    def __repr__(self) -> str:
        return "Vault(<secret>)"

    def seal(self, credentials: dict[str, Any]) -> bytes:
        """Encrypt a dict of secrets (accounts.credentials, brands.secrets) with the current key."""
        return self._current.encrypt(json.dumps(credentials, sort_keys=True).encode("utf-8"))

    def open(self, sealed: bytes | None) -> dict[str, Any]:
        """Decrypt what `seal` produced (with this key or a previous one); {} for nothing."""
        if not sealed:
            return {}
        try:
            opened: dict[str, Any] = json.loads(self._fernet.decrypt(bytes(sealed)))
            return opened
        except InvalidToken as exc:
            raise CredentialsUnreadable("stored secrets match neither JASETTE_SECRET_KEY nor a previous key") from exc

    def is_current(self, sealed: bytes) -> bool:
        """True when `sealed` was sealed with the current key (nothing to reseal)."""
        try:
            self._current.decrypt(bytes(sealed))
        except InvalidToken:
            return False
        return True

    def reseal(self, sealed: bytes) -> bytes:
        """The same secrets sealed with the current key; CredentialsUnreadable when no key opens them."""
        try:
            return self._fernet.rotate(bytes(sealed))
        except InvalidToken as exc:
            raise CredentialsUnreadable("stored secrets match neither JASETTE_SECRET_KEY nor a previous key") from exc


def _fernet(key: bytes) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(key))
