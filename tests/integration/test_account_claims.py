"""A Facebook Page or Instagram account another brand holds with proved access cannot be saved by a
second brand (issue 13): the settings form and `jasette accounts add` say why, keep what was typed,
and store nothing, instead of silently sharing the pushed comments."""

from __future__ import annotations

import json

from test_accounts_cli import _one_line_error, _run
from web_app import client_for, csrf_of, login, make_app, seed

PAGE = "111222333"


async def _held_by_a(conn, ids, platform: str, *, verified: bool = True) -> int:
    return await conn.fetchval(
        "insert into accounts (brand_id, platform, external_id, base_url, verified_at)"
        " values ($1, $2, $3, 'https://graph.facebook.com/v25.0', case when $4 then now() end) returning id",
        ids["brand_a"], platform, PAGE, verified)


async def _add(client, token: str, platform: str, external_id: str = PAGE, name: str = "Pas à moi"):
    return await client.post("/settings/accounts", data={
        "csrf": token, "platform": platform, "name": name, "external_id": external_id,
        "base_url": "https://graph.facebook.com/v25.0", "token": "b-token"})


async def test_the_form_refuses_a_page_another_brand_proved_and_keeps_what_was_typed(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _held_by_a(conn, ids, "facebook")
        await _held_by_a(conn, ids, "instagram")
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "owner@b.test")  # Bob reads English
        for platform in ("facebook", "instagram"):
            response = await _add(client, token, platform)
            assert response.status_code == 409, response.text
            assert "Another brand already receives this" in response.text
            assert f"({PAGE})" in response.text
            assert "Café A" not in response.text and "cafe-a" not in response.text  # which brand is not said
            assert f'value="{PAGE}"' in response.text and 'value="Pas à moi"' in response.text
            assert f'<option value="{platform}" selected>' in response.text
            assert "b-token" not in response.text  # a token is never echoed
        assert await pool.fetchval("select count(*) from accounts where brand_id = $1 and external_id = $2",
                                   ids["brand_b"], PAGE) == 0
    async with client_for(app) as client:
        token = await login(client, "owner@a.test")
        response = await _add(client, csrf_of((await client.get("/settings")).text), "facebook", name="Café A")
        assert response.status_code == 303  # the brand holding it edits its own connection freely
        assert "reçoit déjà ce compte" not in (await client.get("/settings")).text


async def test_an_unproved_claim_or_a_polled_platform_is_not_refused(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _held_by_a(conn, ids, "facebook", verified=False)
        await conn.execute("update accounts set verified_at = now() where id = $1", ids["account_a"])
    app = make_app(pool, db_dsn)
    async with client_for(app) as client:
        token = await login(client, "owner@b.test")
        # Nobody proved access yet: the proof at the first poll decides who receives the Page's webhooks.
        assert (await _add(client, token, "facebook")).status_code == 303
        # Two brands may follow the same WordPress site: nothing is pushed by its id alone.
        site = await pool.fetchval("select external_id from accounts where id = $1", ids["account_a"])
        response = await client.post("/settings/accounts", data={
            "csrf": token, "platform": "wordpress", "name": "Site", "external_id": site, "base_url": "https://a.example"})
        assert response.status_code == 303
    assert await pool.fetchval("select count(*) from accounts where brand_id = $1", ids["brand_b"]) == 3


async def test_the_command_refuses_a_page_another_brand_proved(pool, db_dsn) -> None:
    async with pool.acquire() as conn:
        ids = await seed(conn)
        await _held_by_a(conn, ids, "facebook")
    result = await _run(db_dsn, "accounts", "add", "--brand", "boutique-b", "--platform", "facebook", "--name", "B",
                        "--external-id", PAGE, "--base-url", "http://127.0.0.1:9", stdin=json.dumps({"access_token": "t"}),
                        allowed="127.0.0.1")
    _one_line_error(result, "Another brand already receives this Facebook account (111222333)")
    assert await pool.fetchval("select count(*) from accounts where brand_id = $1", ids["brand_b"]) == 1
