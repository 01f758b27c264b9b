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
