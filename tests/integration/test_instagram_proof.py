"""An Instagram account proves access the way a Facebook Page does (issue 13): the token's own /me
must lead to the account (its Page's linked account, the account itself, or a Page its user
manages). A token that can merely read the account's id, as one with broad public-content access
can, proves nothing and receives none of the account's webhooks."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from polling import new_brand
from test_webhook_brand_isolation import poll_all

from emulators.base import serve
from emulators.instagram import DEMO_ACCOUNT, USER_ID, InstagramEmulator
from inbox import accounts, netguard
from inbox.credentials import Vault

OUTSIDER = "public-content-token"


@pytest.fixture
async def emulator() -> AsyncIterator[InstagramEmulator]:
    return InstagramEmulator(outsider_token=OUTSIDER)


async def _graph(emulator: InstagramEmulator) -> tuple[object, str]:
    return await serve(emulator.create_app())


async def _connect(pool, brand: int, base: str, token: str, external_id: str = USER_ID) -> int:
    async with pool.acquire() as conn:
        return await accounts.add_account(conn, Vault("k"), brand_id=brand, platform="instagram", name="IG",
                                          external_id=external_id, base_url=base, credentials={"access_token": token})


@pytest.mark.parametrize("login", ["page", "user", "instagram"])
async def test_each_kind_of_token_proves_its_own_account(pool, login: str) -> None:
    runner, base = await serve(InstagramEmulator(login=login).create_app())
    try:
        async with pool.acquire() as conn:
            brand = await new_brand(conn)
        account = await _connect(pool, brand, base, DEMO_ACCOUNT["credentials"]["access_token"])
        errors = await poll_all(pool, netguard.Policy.from_env())
    finally:
        await runner.cleanup()
    assert errors[account] is None
    async with pool.acquire() as conn:
        assert [a["id"] for a in await accounts.connected(conn, "instagram", USER_ID)] == [account]


async def test_a_token_that_only_reads_the_account_proves_nothing(pool, emulator) -> None:
    runner, base = await _graph(emulator)
    try:
        # The weakness the old proof had: the outsider's token does read the account's id.
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/{USER_ID}", params={"fields": "id", "access_token": OUTSIDER}) as resp:
                assert (await resp.json()) == {"id": USER_ID}
        async with pool.acquire() as conn:
            brand_a, brand_b = await new_brand(conn, "cafe-a"), await new_brand(conn, "boutique-b")
        a = await _connect(pool, brand_a, base, DEMO_ACCOUNT["credentials"]["access_token"])
        b = await _connect(pool, brand_b, base, OUTSIDER)
        errors = await poll_all(pool, netguard.Policy.from_env())
    finally:
        await runner.cleanup()
    assert errors[a] is None
    assert "reconnect" in (errors[b] or "")
    async with pool.acquire() as conn:
        assert await conn.fetchval("select health from accounts where id = $1", b) == "reauth"
        assert [r["id"] for r in await accounts.connected(conn, "instagram", USER_ID)] == [a]


async def test_a_page_linked_to_another_instagram_account_proves_nothing(pool) -> None:
    runner, base = await serve(InstagramEmulator(user_id="17841499999999999").create_app())
    try:
        async with pool.acquire() as conn:
            brand = await new_brand(conn)
        account = await _connect(pool, brand, base, DEMO_ACCOUNT["credentials"]["access_token"], external_id=USER_ID)
        errors = await poll_all(pool, netguard.Policy.from_env())
    finally:
        await runner.cleanup()
    assert "reconnect" in (errors[account] or "")
    async with pool.acquire() as conn:
        assert await accounts.connected(conn, "instagram", USER_ID) == []
