"""Google's OAuth server in the Google Business Profile and YouTube emulators, over loopback: the
consent page, codes, PKCE, refresh, the emulator clock, revocation, scopes and discovery."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import on_loopback
from oauth_flow import REDIRECT, consent, open_consent, pkce

from emulators.google import ACCOUNT_ID, LOCATION_ID, SECOND_LOCATION_ID, GoogleEmulator
from emulators.google_oauth import BUSINESS_SCOPE, YOUTUBE_FORCE_SSL, YOUTUBE_READONLY
from emulators.youtube import CHANNEL_ID, YouTubeEmulator

CLIENT = {"client_id": "demo-google-client", "client_secret": "demo-google-secret"}
YT_CLIENT = {"client_id": "demo-youtube-client", "client_secret": "demo-youtube-secret"}


@pytest.fixture
async def google() -> AsyncIterator[tuple[GoogleEmulator, str]]:
    async with on_loopback(GoogleEmulator()) as served:
        yield served


@pytest.fixture
async def youtube() -> AsyncIterator[tuple[YouTubeEmulator, str]]:
    async with on_loopback(YouTubeEmulator()) as served:
        yield served


def auth_query(client: dict[str, str], scope: str, **extra: str) -> dict[str, str]:
    return {"client_id": client["client_id"], "redirect_uri": REDIRECT, "response_type": "code", "scope": scope,
            "state": "st-é&<1>", "access_type": "offline", "prompt": "consent", **extra}


async def token(session: aiohttp.ClientSession, base: str, **form: str) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{base}/token", data=form) as resp:
        return resp.status, await resp.json()


async def api(session: aiohttp.ClientSession, url: str, access: str, method: str = "GET", **kw: Any) -> tuple[int, Any]:
    async with session.request(method, url, headers={"Authorization": f"Bearer {access}"}, **kw) as resp:
        return resp.status, await resp.json() if resp.content_type == "application/json" else None


async def connect(session: aiohttp.ClientSession, base: str, client: dict[str, str], scope: str,
                  **kw: Any) -> dict[str, Any]:
    verifier, challenge = pkce()
    query = await consent(session, base, "/o/oauth2/v2/auth",
                          auth_query(client, scope, code_challenge=challenge, code_challenge_method="S256"), **kw)
    status, body = await token(session, base, grant_type="authorization_code", code=query["code"],
                               redirect_uri=REDIRECT, code_verifier=verifier, **client)
    assert status == 200, body
    return body


async def control(session: aiohttp.ClientSession, base: str, path: str, payload: Any = None) -> Any:
    async with session.post(f"{base}/_control/{path}", json=payload) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.json()


async def test_business_profile_connects_and_discovers_the_demo_location(google, session) -> None:
    emulator, base = google
    page = await open_consent(session, f"{base}/o/oauth2/v2/auth?" + "&".join(
        f"{k}={v}" for k, v in auth_query(CLIENT, BUSINESS_SCOPE).items() if k != "state"))
    assert page.scopes() == [BUSINESS_SCOPE]
    verifier, challenge = pkce()
    query = await consent(session, base, "/o/oauth2/v2/auth",
                          auth_query(CLIENT, BUSINESS_SCOPE, code_challenge=challenge, code_challenge_method="S256"))
    assert query["state"] == "st-é&<1>"
    status, body = await token(session, base, grant_type="authorization_code", code=query["code"],
                               redirect_uri=REDIRECT, code_verifier=verifier, **CLIENT)
    assert status == 200 and body["token_type"] == "Bearer" and body["expires_in"] == 3599
    assert body["scope"] == BUSINESS_SCOPE and body["refresh_token"].startswith("1//")
    access = body["access_token"]
    status, accounts = await api(session, f"{base}/v1/accounts", access)
    assert accounts["accounts"][0]["name"] == f"accounts/{ACCOUNT_ID}"
    status, locations = await api(session, f"{base}/v1/accounts/{ACCOUNT_ID}/locations?readMask=name,title", access)
    assert [loc["name"] for loc in locations["locations"]] == [f"locations/{LOCATION_ID}", f"locations/{SECOND_LOCATION_ID}"]
    assert set(locations["locations"][0]) == {"name", "title"}
    review = emulator.inject({"text": "Très bon service", "author_name": "Luc", "rating": 5})["external_id"]
    status, reviews = await api(session, f"{base}/v4/accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}/reviews", access)
    assert status == 200 and [r["reviewId"] for r in reviews["reviews"]] == [review]
    status, other = await api(session, f"{base}/v4/accounts/{ACCOUNT_ID}/locations/{SECOND_LOCATION_ID}/reviews", access)
    assert status == 200 and "reviews" not in other
    state = await (await session.get(f"{base}/_control/state")).json()
    assert state["oauth"]["clients"] == ["demo-google-client"] and state["oauth"]["grants"] == 1
    assert state["oauth"]["codes_issued"] == 1 and state["oauth"]["tokens_issued"] == 2


async def test_deny_redirects_with_access_denied_and_bad_clients_get_no_redirect(google, session) -> None:
    _, base = google
    query = await consent(session, base, "/o/oauth2/v2/auth", auth_query(CLIENT, BUSINESS_SCOPE), button="deny")
    assert query["error"] == "access_denied" and query["state"] == "st-é&<1>" and "code" not in query
    for bad in ({"client_id": "someone-else"}, {"redirect_uri": "/relative"}, {"redirect_uri": "javascript:alert(1)"}):
        async with session.get(f"{base}/o/oauth2/v2/auth", params={**auth_query(CLIENT, BUSINESS_SCOPE), **bad},
                               allow_redirects=False) as resp:
            assert resp.status == 400 and "Location" not in resp.headers
            assert "<script" not in await resp.text()


async def test_consent_page_escapes_what_the_client_sent(google, session) -> None:
    _, base = google
    evil = '"><script>alert(1)</script>'
    async with session.get(f"{base}/o/oauth2/v2/auth", params=auth_query(CLIENT, BUSINESS_SCOPE, state=evil)) as resp:
        text = await resp.text()
    assert evil not in text and "&lt;script&gt;" in text


async def test_wrong_secret_code_reuse_and_pkce_mismatch_are_refused(google, session) -> None:
    _, base = google
    verifier, challenge = pkce()
    params = auth_query(CLIENT, BUSINESS_SCOPE, code_challenge=challenge, code_challenge_method="S256")
    code = (await consent(session, base, "/o/oauth2/v2/auth", params))["code"]
    base_form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": verifier}
    status, body = await token(session, base, **{**base_form, **CLIENT, "client_secret": "wrong"})
    assert status == 401 and body["error"] == "invalid_client"
    status, body = await token(session, base, **{**base_form, **CLIENT, "code_verifier": pkce()[0]})
    assert status == 400 and body == {"error": "invalid_grant", "error_description": "Invalid code verifier."}
    status, body = await token(session, base, **{**base_form, **CLIENT, "redirect_uri": REDIRECT + "x"})
    assert status == 400 and body["error"] == "redirect_uri_mismatch"
    status, first = await token(session, base, **base_form, **CLIENT)
    assert status == 200
    status, body = await token(session, base, **base_form, **CLIENT)
    assert status == 400 and body["error"] == "invalid_grant"
    # A replayed code also revokes what it gave the first time.
    assert (await api(session, f"{base}/v1/accounts", first["access_token"]))[0] == 401


async def test_refresh_outlives_the_access_token_and_revocation_ends_both(google, session) -> None:
    _, base = google
    body = await connect(session, base, CLIENT, BUSINESS_SCOPE)
    access, refresh = body["access_token"], body["refresh_token"]
    assert (await control(session, base, "clock", {"advance_seconds": 3600}))["now"]
    status, error = await api(session, f"{base}/v1/accounts", access)
    assert status == 401 and error["error"]["status"] == "UNAUTHENTICATED"
    status, renewed = await token(session, base, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
    assert status == 200 and "refresh_token" not in renewed and renewed["expires_in"] == 3599
    assert (await api(session, f"{base}/v1/accounts", renewed["access_token"]))[0] == 200
    # The static demo token keeps working beside issued ones.
    assert (await api(session, f"{base}/v1/accounts", "demo-token"))[0] == 200
    assert await control(session, base, "revoke") == {"revoked": 1}
    status, error = await token(session, base, grant_type="refresh_token", refresh_token=refresh, **CLIENT)
    assert status == 400 and error == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    assert (await api(session, f"{base}/v1/accounts", renewed["access_token"]))[0] == 401


async def test_codes_expire_after_ten_minutes_on_the_emulator_clock(google, session) -> None:
    _, base = google
    code = (await consent(session, base, "/o/oauth2/v2/auth", auth_query(CLIENT, BUSINESS_SCOPE)))["code"]
    await control(session, base, "clock", {"advance_seconds": 601})
    status, body = await token(session, base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **CLIENT)
    assert status == 400 and body["error"] == "invalid_grant"
    async with session.post(f"{base}/_control/clock", json={"advance_seconds": "soon"}) as resp:
        assert resp.status == 400


async def test_refresh_token_only_at_first_consent_unless_prompt_consent(google, session) -> None:
    _, base = google
    assert "refresh_token" in await connect(session, base, CLIENT, BUSINESS_SCOPE)
    query = {k: v for k, v in auth_query(CLIENT, BUSINESS_SCOPE).items() if k != "prompt"}
    code = (await consent(session, base, "/o/oauth2/v2/auth", query))["code"]
    status, body = await token(session, base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **CLIENT)
    assert status == 200 and "refresh_token" not in body


async def test_revoke_endpoint_revokes_the_grant(google, session) -> None:
    _, base = google
    body = await connect(session, base, CLIENT, BUSINESS_SCOPE)
    async with session.post(f"{base}/revoke", params={"token": body["access_token"]}) as resp:
        assert resp.status == 200 and await resp.json() == {}
    status, _ = await token(session, base, grant_type="refresh_token", refresh_token=body["refresh_token"], **CLIENT)
    assert status == 400


async def test_youtube_discovers_the_channel_and_a_read_only_grant_cannot_reply(youtube, session) -> None:
    emulator, base = youtube
    body = await connect(session, base, YT_CLIENT, f"{YOUTUBE_READONLY} {YOUTUBE_FORCE_SSL}", untick=(YOUTUBE_FORCE_SSL,))
    assert body["scope"] == YOUTUBE_READONLY
    access = body["access_token"]
    status, channels = await api(session, f"{base}/youtube/v3/channels?part=snippet&mine=true", access)
    assert status == 200 and channels["items"][0]["id"] == CHANNEL_ID and channels["items"][0]["snippet"]["title"]
    top = emulator.inject({"text": "Allô!", "author_name": "Zoé"})["external_id"]
    status, threads = await api(session, f"{base}/youtube/v3/commentThreads?part=snippet&allThreadsRelatedToChannelId={CHANNEL_ID}", access)
    assert status == 200 and [t["id"] for t in threads["items"]] == [top]
    status, error = await api(session, f"{base}/youtube/v3/comments?part=snippet", access, "POST",
                              json={"snippet": {"parentId": top, "textOriginal": "Merci!"}})
    assert status == 403 and error["error"]["status"] == "PERMISSION_DENIED"
    assert error["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert emulator.replies == []
    full = (await connect(session, base, YT_CLIENT, YOUTUBE_FORCE_SSL))["access_token"]
    status, _ = await api(session, f"{base}/youtube/v3/comments?part=snippet", full, "POST",
                          json={"snippet": {"parentId": top, "textOriginal": "Merci!"}})
    assert status == 200 and emulator.replies[0]["text"] == "Merci!"


async def test_youtube_and_google_are_separate_servers(google, youtube, session) -> None:
    _, gbase = google
    _, ybase = youtube
    access = (await connect(session, gbase, CLIENT, BUSINESS_SCOPE))["access_token"]
    assert (await api(session, f"{ybase}/youtube/v3/channels?part=id&mine=true", access))[0] == 401
    async with session.get(f"{ybase}/o/oauth2/v2/auth", params=auth_query(CLIENT, YOUTUBE_FORCE_SSL)) as resp:
        assert resp.status == 400


async def test_business_profile_refuses_a_token_without_business_manage(google, session) -> None:
    emulator, base = google
    body = await connect(session, base, CLIENT, f"openid {BUSINESS_SCOPE}", untick=(BUSINESS_SCOPE,))
    assert body["scope"] == "openid"
    review = emulator.inject({"text": "Bien", "author_name": "Luc"})["external_id"]
    for url, method, payload in (
        (f"{base}/v1/accounts", "GET", None),
        (f"{base}/v4/accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}/reviews", "GET", None),
        (f"{base}/v4/accounts/{ACCOUNT_ID}/locations/{LOCATION_ID}/reviews/{review}/reply", "PUT", {"comment": "Merci"}),
    ):
        status, error = await api(session, url, body["access_token"], method, json=payload)
        assert status == 403 and error["error"]["details"][0]["reason"] == "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
    assert emulator.replies == []
