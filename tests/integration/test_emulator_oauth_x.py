"""X's OAuth 2.0 with PKCE in the X emulator, over loopback: required PKCE, Basic client
authentication, rotating refresh tokens, revocation and the scopes of each endpoint."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import on_loopback
from oauth_flow import REDIRECT, consent, pkce
from yarl import URL

from emulators.x import USER_ID, XEmulator


def basic(user: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{secret}".encode()).decode()}


BASIC = basic("demo-x-client", "demo-x-secret")
SCOPES = "tweet.read tweet.write users.read offline.access"


@pytest.fixture
async def x() -> AsyncIterator[tuple[XEmulator, str]]:
    async with on_loopback(XEmulator()) as served:
        yield served


def query(challenge: str | None, scope: str = SCOPES) -> dict[str, str]:
    q = {"response_type": "code", "client_id": "demo-x-client", "redirect_uri": REDIRECT, "scope": scope, "state": "s1"}
    if challenge:
        q.update(code_challenge=challenge, code_challenge_method="S256")
    return q


async def token(session: aiohttp.ClientSession, base: str, auth: dict[str, str] | None = BASIC,
                **form: str) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{base}/2/oauth2/token", data=form, headers=auth or {}) as resp:
        return resp.status, await resp.json()


async def connect(session: aiohttp.ClientSession, base: str, scope: str = SCOPES, **kw: Any) -> dict[str, Any]:
    verifier, challenge = pkce()
    code = (await consent(session, base, "/i/oauth2/authorize", query(challenge, scope), **kw))["code"]
    status, body = await token(session, base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                               code_verifier=verifier)
    assert status == 200, body
    return body


async def api(session: aiohttp.ClientSession, base: str, path: str, access: str, method: str = "GET",
              **kw: Any) -> tuple[int, Any]:
    async with session.request(method, base + path, headers={"Authorization": f"Bearer {access}"}, **kw) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_the_code_flow_gives_a_two_hour_token_that_finds_the_demo_user(x, session) -> None:
    emulator, base = x
    body = await connect(session, base)
    assert body["token_type"] == "bearer" and body["expires_in"] == 7200 and body["scope"] == SCOPES
    assert body["refresh_token"]
    status, me = await api(session, base, "/2/users/me", body["access_token"])
    assert status == 200 and me["data"]["id"] == USER_ID and me["data"]["username"] == "cafe_demo"
    mention = emulator.inject({"kind": "mention", "text": "bon café", "author_handle": "zoe"})["external_id"]
    status, mentions = await api(session, base, f"/2/users/{USER_ID}/mentions", body["access_token"])
    assert status == 200 and [t["id"] for t in mentions["data"]] == [mention]
    status, _ = await api(session, base, "/2/tweets", body["access_token"], "POST",
                          json={"text": "Merci!", "reply": {"in_reply_to_tweet_id": mention}})
    assert status == 201


async def test_pkce_is_required_and_verified(x, session) -> None:
    _, base = x
    async with session.get(f"{base}/i/oauth2/authorize", params=query(None), allow_redirects=False) as resp:
        assert resp.status == 302
        assert URL(resp.headers["Location"]).query["error"] == "invalid_request"
    _, challenge = pkce()
    code = (await consent(session, base, "/i/oauth2/authorize", query(challenge)))["code"]
    status, body = await token(session, base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT,
                               code_verifier=pkce()[0])
    assert status == 400 and body == {"error": "invalid_request", "error_description": "Value passed for the token was invalid."}


async def test_deny_wrong_secret_and_code_reuse(x, session) -> None:
    _, base = x
    verifier, challenge = pkce()
    denied = await consent(session, base, "/i/oauth2/authorize", query(challenge), button="deny")
    assert denied["error"] == "access_denied" and denied["state"] == "s1"
    code = (await consent(session, base, "/i/oauth2/authorize", query(challenge)))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    status, body = await token(session, base, basic("demo-x-client", "nope"), **form)
    assert status == 401 and body["error"] == "unauthorized_client"
    status, body = await token(session, base, None, **form, client_id="demo-x-client")
    assert status == 401
    assert (await token(session, base, **form))[0] == 200
    status, body = await token(session, base, **form)
    assert status == 400 and body["error"] == "invalid_request"


async def test_refresh_rotates_and_the_old_refresh_token_is_refused(x, session) -> None:
    _, base = x
    first = await connect(session, base)
    await emulator_clock(session, base, 7201)
    status, _ = await api(session, base, "/2/users/me", first["access_token"])
    assert status == 401
    status, second = await token(session, base, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert status == 200 and second["refresh_token"] != first["refresh_token"] and second["expires_in"] == 7200
    assert (await api(session, base, "/2/users/me", second["access_token"]))[0] == 200
    status, body = await token(session, base, grant_type="refresh_token", refresh_token=first["refresh_token"])
    assert status == 400 and body["error"] == "invalid_request"
    status, _ = await token(session, base, grant_type="refresh_token", refresh_token=second["refresh_token"])
    assert status == 200
    state = await (await session.get(f"{base}/_control/state")).json()
    assert state["oauth"]["refreshes"] == 2 and state["oauth"]["clock_offset_seconds"] == 7201


async def test_without_offline_access_there_is_no_refresh_token(x, session) -> None:
    _, base = x
    body = await connect(session, base, "tweet.read users.read")
    assert "refresh_token" not in body


async def test_revocation_ends_the_access_and_refresh_tokens(x, session) -> None:
    _, base = x
    first = await connect(session, base)
    second = await connect(session, base)
    async with session.post(f"{base}/2/oauth2/revoke", data={"token": first["access_token"]}, headers=BASIC) as resp:
        assert resp.status == 200 and await resp.json() == {"revoked": True}
    assert (await api(session, base, "/2/users/me", first["access_token"]))[0] == 401
    assert (await token(session, base, grant_type="refresh_token", refresh_token=first["refresh_token"]))[0] == 400
    assert (await api(session, base, "/2/users/me", second["access_token"]))[0] == 200
    async with session.post(f"{base}/_control/revoke") as resp:
        assert await resp.json() == {"revoked": 1}
    status, problem = await api(session, base, "/2/users/me", second["access_token"])
    assert status == 401 and problem["title"] == "Unauthorized"
    assert (await api(session, base, "/2/users/me", "demo-token"))[0] == 200


async def test_a_token_without_tweet_write_reads_but_cannot_post(x, session) -> None:
    emulator, base = x
    body = await connect(session, base, untick=("tweet.write",))
    assert body["scope"] == "tweet.read users.read offline.access"
    mention = emulator.inject({"kind": "mention", "text": "allô", "author_handle": "zoe"})["external_id"]
    assert (await api(session, base, f"/2/tweets/{mention}", body["access_token"]))[0] == 200
    status, problem = await api(session, base, "/2/tweets", body["access_token"], "POST",
                                json={"text": "Merci!", "reply": {"in_reply_to_tweet_id": mention}})
    assert status == 403 and problem["title"] == "Forbidden" and problem["status"] == 403
    assert "tweet.write" in problem["detail"] and emulator.replies == []
    status, _ = await api(session, base, f"/2/tweets/{mention}/hidden", body["access_token"], "PUT", json={"hidden": True})
    assert status == 403 and not emulator.hidden


async def emulator_clock(session: aiohttp.ClientSession, base: str, seconds: int) -> None:
    async with session.post(f"{base}/_control/clock", json={"advance_seconds": seconds}) as resp:
        assert resp.status == 200
