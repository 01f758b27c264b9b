"""What every OAuth emulator shares: the demo's app credentials, the control API's clock and
revoke, faults on token endpoints but never on the consent page, the static token beside issued
ones, and the command line's client options."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from collecting import serving
from oauth_flow import REDIRECT
from test_emulator_cli import start, stop, wait_ready

from emulators import catalog

AUTHORIZE = {"facebook": "/dialog/oauth", "instagram": "/oauth/authorize", "x": "/i/oauth2/authorize",
             "youtube": "/o/oauth2/v2/auth", "linkedin": "/oauth/v2/authorization", "google": "/o/oauth2/v2/auth"}


def authorize_query(platform: str, client_id: str) -> dict[str, str]:
    return {"client_id": client_id, "redirect_uri": REDIRECT, "response_type": "code", "scope": "a", "state": "s",
            "code_challenge": "x" * 43, "code_challenge_method": "S256"}


@pytest.mark.parametrize("platform", catalog.OAUTH_PLATFORMS)
async def test_every_oauth_emulator_takes_the_demo_client_and_shows_its_state(platform: str) -> None:
    client_id, _ = catalog.oauth_clients()[platform]
    assert client_id == f"demo-{platform}-client"
    async with serving(catalog.create_app(platform)) as (url, control, session):
        async with session.get(url + AUTHORIZE[platform], params=authorize_query(platform, client_id)) as resp:
            assert resp.status == 200 and 'id="allow"' in await resp.text()
        async with session.get(url + AUTHORIZE[platform], params=authorize_query(platform, "other")) as resp:
            assert resp.status == 400
        state = await control.state()
        assert state["oauth"]["clients"] == [client_id] and state["oauth"]["grants"] == 0
        moved = datetime.fromisoformat(await control.advance_clock(90)) - datetime.now(UTC)
        assert timedelta(seconds=80) < moved < timedelta(seconds=100)
        assert (await control.state())["oauth"]["clock_offset_seconds"] == 90
        assert await control.revoke_grants() == 0
        await control.reset()  # a reset keeps the OAuth server
        assert (await control.state())["oauth"]["clock_offset_seconds"] == 90


@pytest.mark.parametrize("platform", [p for p in catalog.PLATFORMS if p not in catalog.OAUTH_PLATFORMS and p != "imap"])
async def test_emulators_without_oauth_have_no_clock_and_keep_their_state(platform: str) -> None:
    async with serving(catalog.create_app(platform)) as (url, control, session):
        async with session.post(f"{url}/_control/clock", json={"advance_seconds": 1}) as resp:
            assert resp.status in (404, 405)
        assert "oauth" not in await control.state()


async def test_faults_reach_the_token_endpoint_but_not_the_consent_page() -> None:
    async with serving(catalog.create_app("google")) as (url, control, session):
        await control.fault("server_error", count=1)
        async with session.get(url + AUTHORIZE["google"], params=authorize_query("google", "demo-google-client")) as resp:
            assert resp.status == 200
        async with session.post(f"{url}/token", data={"grant_type": "refresh_token", "refresh_token": "r",
                                                       "client_id": "demo-google-client",
                                                       "client_secret": "demo-google-secret"}) as resp:
            assert resp.status == 503 and (await resp.json())["error"]["status"] == "UNAVAILABLE"
        detail: dict[str, Any] = (await control.state())["fault_detail"]
        assert detail["hits"] == 1


async def test_an_unknown_token_is_refused_as_before() -> None:
    async with serving(catalog.create_app("x")) as (url, _, session):
        async with session.get(f"{url}/2/users/me", headers={"Authorization": "Bearer made-up"}) as resp:
            assert resp.status == 401 and (await resp.json())["title"] == "Unauthorized"
        async with session.get(f"{url}/2/users/me", headers={"Authorization": "Bearer demo-token"}) as resp:
            assert resp.status == 200


def test_the_command_line_takes_the_client_credentials() -> None:
    process = start("-m", "emulators", "linkedin", "--client-id", "my-app", "--client-secret", "s3cret")
    try:
        url, _ = wait_ready(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == 'oauth: {"client_id": "my-app", "client_secret": "s3cret"}'
        query = {**authorize_query("linkedin", "my-app"), "decision": "allow"}
        del query["code_challenge"], query["code_challenge_method"]
        answer = httpx.post(url + AUTHORIZE["linkedin"], data=query)
        assert answer.status_code == 302
        code = httpx.URL(answer.headers["location"]).params["code"]
        token = httpx.post(f"{url}/oauth/v2/accessToken", data={
            "grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT,
            "client_id": "my-app", "client_secret": "s3cret"})
        assert token.status_code == 200 and token.json()["scope"] == "a"
    finally:
        assert stop(process) == 0
