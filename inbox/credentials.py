"""Platform credentials encrypted at rest with a key derived from JASETTE_SECRET_KEY."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken


class SecretKeyMissing(RuntimeError):
    """No JASETTE_SECRET_KEY: credentials can be neither stored nor read."""


class CredentialsUnreadable(RuntimeError):
    """Stored credentials do not decrypt with this key (the key changed?)."""


class Vault:
    """Encrypts and decrypts credential dicts; never logs or shows them."""

    def __init__(self, secret_key: str | None) -> None:
        if not secret_key:
            raise SecretKeyMissing("JASETTE_SECRET_KEY is not set: it protects platform tokens at rest")
        # Any passphrase becomes a Fernet key; SHA-256 gives the 32 bytes Fernet wants.
        digest = hashlib.sha256(secret_key.encode("utf-8")).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(digest))

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
