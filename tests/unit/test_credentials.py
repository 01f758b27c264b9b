"""Platform tokens are encrypted at rest and never shown in clear."""

from __future__ import annotations

import logging

import pytest

from inbox.credentials import CredentialsUnreadable, SecretKeyMissing, Vault

TOKEN = "EAAG-very-secret-page-token-123"


def test_round_trip():
    vault = Vault("correct horse battery staple")
    sealed = vault.seal({"access_token": TOKEN, "app_secret": "s3"})
    assert vault.open(sealed) == {"access_token": TOKEN, "app_secret": "s3"}


def test_sealed_bytes_and_repr_never_hold_the_token(caplog):
    vault = Vault("k")
    with caplog.at_level(logging.DEBUG):
        sealed = vault.seal({"access_token": TOKEN})
        logging.getLogger("test").info("vault %r", vault)
    assert TOKEN.encode() not in sealed and b"access_token" not in sealed
    assert TOKEN not in caplog.text and "k" not in repr(vault).replace("Vault", "")


def test_other_key_cannot_read():
    sealed = Vault("one").seal({"access_token": TOKEN})
    with pytest.raises(CredentialsUnreadable):
        Vault("two").open(sealed)


def test_missing_key_is_a_clear_error():
    with pytest.raises(SecretKeyMissing, match="JASETTE_SECRET_KEY"):
        Vault(None)


def test_credentials_sealed_before_hkdf_stay_readable_and_new_ones_use_the_derived_key():
    import base64
    import hashlib

    from cryptography.fernet import Fernet, InvalidToken

    secret = "the-install-secret"
    legacy = Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest()))
    old = legacy.encrypt(b'{"access_token": "EAAG-old"}')
    vault = Vault(secret)
    assert vault.open(old) == {"access_token": "EAAG-old"}
    with pytest.raises(InvalidToken):  # new data is not sealed with the bare SHA-256 of the secret
        legacy.decrypt(vault.seal({"access_token": TOKEN}))


def test_sessions_and_credentials_have_separate_keys():
    from inbox.credentials import CREDENTIALS, SESSIONS, derive_key, session_key

    secret = "the-install-secret"
    keys = {derive_key(secret, CREDENTIALS), derive_key(secret, SESSIONS), hashlib_sha256(secret)}
    assert len(keys) == 3 and all(len(k) == 32 for k in keys)
    assert session_key(secret) == derive_key(secret, SESSIONS).hex() != secret
    assert session_key(secret) != session_key("another-secret")


def hashlib_sha256(text: str) -> bytes:
    import hashlib

    return hashlib.sha256(text.encode()).digest()
