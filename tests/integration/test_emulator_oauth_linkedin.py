"""LinkedIn's 3-legged OAuth in the LinkedIn emulator, over loopback: consent, codes, refresh
with the same refresh token, LinkedIn's 401 codes, administered organisations and scopes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from collecting import on_loopback
from oauth_flow import REDIRECT, consent
from yarl import URL

from collector.linkedin import urn_in_path
from emulators.linkedin import ORG, ORG_NAME, LinkedInEmulator

CLIENT = {"client_id": "demo-linkedin-client", "client_secret": "demo-linkedin-secret"}
SCOPES = "r_organization_social w_organization_social rw_organization_admin"
HEADERS = {"LinkedIn-Version": "202609", "X-Restli-Protocol-Version": "2.0.0"}


@pytest.fixture
async def linkedin() -> AsyncIterator[tuple[LinkedInEmulator, str]]:
    async with on_loopback(LinkedInEmulator()) as served:
        yield served


def query(scope: str = SCOPES) -> dict[str, str]:
    return {"response_type": "code", "client_id": CLIENT["client_id"], "redirect_uri": REDIRECT, "state": "li", "scope": scope}


async def token(session: aiohttp.ClientSession, base: str, **form: str) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{base}/oauth/v2/accessToken", data=form) as resp:
        return resp.status, await resp.json()


async def connect(session: aiohttp.ClientSession, base: str, **kw: Any) -> dict[str, Any]:
    code = (await consent(session, base, "/oauth/v2/authorization", query(), **kw))["code"]
    status, body = await token(session, base, grant_type="authorization_code", code=code, redirect_uri=REDIRECT, **CLIENT)
    assert status == 200, body
    return body


async def api(session: aiohttp.ClientSession, url: str, access: str, method: str = "GET", **kw: Any) -> tuple[int, Any]:
    async with session.request(method, URL(url, encoded=True), headers={**HEADERS, "Authorization": f"Bearer {access}"},
                               **kw) as resp:
        return resp.status, await resp.json()


async def test_connect_lists_the_demo_organisation_and_reads_its_posts(linkedin, session) -> None:
    _, base = linkedin
    body = await connect(session, base)
    assert body["expires_in"] == 5_184_000 and body["refresh_token_expires_in"] == 31_536_000
    assert body["scope"].split(",") == SCOPES.split()
    access = body["access_token"]
    status, acls = await api(session, f"{base}/rest/organizationAcls?q=roleAssignee&role=ADMINISTRATOR&state=APPROVED", access)
    assert status == 200 and [(a["organization"], a["role"], a["state"]) for a in acls["elements"]] == [(ORG, "ADMINISTRATOR", "APPROVED")]
    org_id = ORG.rsplit(":", 1)[1]
    status, org = await api(session, f"{base}/rest/organizations/{org_id}", access)
    assert org["id"] == int(org_id) and org["localizedName"] == ORG_NAME
    status, posts = await api(session, f"{base}/rest/posts?q=author&author={urn_in_path(ORG)}", access)
    assert status == 200 and len(posts["elements"]) == 2


async def test_deny_wrong_secret_and_code_reuse(linkedin, session) -> None:
    _, base = linkedin
    denied = await consent(session, base, "/oauth/v2/authorization", query(), button="deny")
    assert denied["error"] == "user_cancelled_authorize" and denied["state"] == "li"
    code = (await consent(session, base, "/oauth/v2/authorization", query()))["code"]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    status, body = await token(session, base, **form, client_id=CLIENT["client_id"], client_secret="nope")
    assert status == 401 and body["error"] == "invalid_client"
    assert (await token(session, base, **form, **CLIENT))[0] == 200
    status, body = await token(session, base, **form, **CLIENT)
    assert status == 400 and body["error"] == "invalid_request"


async def test_refresh_keeps_the_refresh_token_and_counts_its_life_down(linkedin, session) -> None:
    _, base = linkedin
    first = await connect(session, base)
    async with session.post(f"{base}/_control/clock", json={"advance_seconds": 5_184_000}) as resp:
        assert resp.status == 200
    status, error = await api(session, f"{base}/rest/organizations/2414183", first["access_token"])
    assert status == 401 and error["code"] == "EXPIRED_ACCESS_TOKEN"
    status, renewed = await token(session, base, grant_type="refresh_token", refresh_token=first["refresh_token"], **CLIENT)
    assert status == 200 and renewed["refresh_token"] == first["refresh_token"]
    assert renewed["expires_in"] == 5_184_000 and renewed["refresh_token_expires_in"] <= 31_536_000 - 5_184_000
    assert (await api(session, f"{base}/rest/organizations/2414183", renewed["access_token"]))[0] == 200
    async with session.post(f"{base}/_control/revoke") as resp:
        assert (await resp.json())["revoked"] == 1
    status, error = await api(session, f"{base}/rest/organizations/2414183", renewed["access_token"])
    assert status == 401 and error["code"] == "REVOKED_ACCESS_TOKEN" and error["serviceErrorCode"] == 65601
    status, body = await token(session, base, grant_type="refresh_token", refresh_token=first["refresh_token"], **CLIENT)
    assert status == 400 and body["error"] == "invalid_grant"


async def test_without_w_organization_social_comments_are_refused_but_reads_work(linkedin, session) -> None:
    emulator, base = linkedin
    access = (await connect(session, base, untick=("w_organization_social",)))["access_token"]
    post = emulator.state()["posts"][0]
    status, _ = await api(session, f"{base}/rest/socialActions/{urn_in_path(post)}/comments", access)
    assert status == 200
    status, error = await api(session, f"{base}/rest/socialActions/{urn_in_path(post)}/comments", access, "POST",
                              json={"actor": ORG, "object": post, "message": {"text": "Merci!"}})
    assert status == 403 and error["code"] == "ACCESS_DENIED" and emulator.replies == []
