"""In the database, an account's credentials are ciphertext only."""

from __future__ import annotations

from inbox.credentials import Vault

TOKEN = "EAAG-page-token-that-must-not-leak"


async def test_token_not_in_clear_anywhere_in_the_database(pool, brand):
    vault = Vault("test-key")
    await pool.execute(
        "update accounts set credentials = $2 where id = $1", brand["account_id"], vault.seal({"access_token": TOKEN})
    )
    # Search the whole accounts table as text, the way a leaked dump would be read.
    dump = await pool.fetchval("select string_agg(a::text, ' ') from accounts a")
    assert TOKEN not in dump
    stored = await pool.fetchval("select credentials from accounts where id = $1", brand["account_id"])
    assert vault.open(stored)["access_token"] == TOKEN
