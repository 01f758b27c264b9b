"""The mail emulator's OAuth, spoken on the wire: XOAUTH2 on its IMAP and SMTP servers accepted
with a live token of the right scope and refused in each provider's documented shape (Gmail's
JSON challenge then NO / 535 5.7.8; Microsoft's plain NO / 535 5.7.3), Microsoft's token endpoint
(rotating refresh tokens, the ID token, AADSTS errors), the Gmail profile and the autoconfig."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
from defusedxml.ElementTree import fromstring
from oauth_flow import REDIRECT

from collector.oauth_mail import id_token_claims
from emulators.base import serve
from emulators.imap import ADDRESS, ImapEmulator
from emulators.mail_oauth import sasl

VERIFIER = "v" * 50
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).decode().rstrip("=")


@asynccontextmanager
async def mail(flavour: str) -> AsyncIterator[tuple[ImapEmulator, str, aiohttp.ClientSession]]:
    emulator = ImapEmulator(oauth_flavour=flavour)
    runner, url = await serve(emulator.create_app())
    try:
        async with aiohttp.ClientSession() as session:
            yield emulator, url, session
    finally:
        await runner.cleanup()


async def dialogue(port: int, lines: list[str], *, smtp: bool = False) -> list[str]:
    """Send `lines` one by one to the IMAP (or SMTP) server, reading one answer line after each
    (after the greeting, and for SMTP the EHLO's last line); every line received."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    got = [(await reader.readline()).decode().rstrip()]
    try:
        for line in lines:
            writer.write(line.encode() + b"\r\n")
            await writer.drain()
            while True:
                answer = (await asyncio.wait_for(reader.readline(), 5)).decode().rstrip()
                got.append(answer)
                if not ((smtp and answer[3:4] == "-") or (not smtp and answer.startswith("* "))):
                    break
    finally:
        writer.close()
    return got


async def microsoft_tokens(url: str, session: aiohttp.ClientSession, scopes: str) -> dict[str, Any]:
    """Consent on the Microsoft flavour's authorize page, then the code exchanged with PKCE."""
    query = {"client_id": "demo-outlook-client", "redirect_uri": REDIRECT, "response_type": "code", "scope": scopes,
             "state": "s", "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
    async with session.post(f"{url}/common/oauth2/v2.0/authorize", params=query, data={"decision": "allow"},
                            allow_redirects=False) as resp:
        assert resp.status == 302, await resp.text()
        code = parse_qs(urlsplit(resp.headers["Location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, "code_verifier": VERIFIER,
            "client_id": "demo-outlook-client", "client_secret": "demo-outlook-secret"}
    async with session.post(f"{url}/common/oauth2/v2.0/token", data=form) as resp:
        assert resp.status == 200, await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


async def test_gmail_refuses_a_dead_token_with_its_json_challenge_on_imap_and_smtp() -> None:
    async with mail("google") as (emulator, url, session):
        dead = sasl(ADDRESS, "ya29.made-up")
        imap = await dialogue(emulator.imap_port, ["a1 CAPABILITY", f"a2 AUTHENTICATE XOAUTH2 {dead}", ""])
        assert "AUTH=XOAUTH2" in imap[1]
        challenge = imap[3]
        assert challenge.startswith("+ ")
        assert json.loads(base64.b64decode(challenge[2:])) == {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"}
        assert imap[4] == "a2 NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)"

        smtp = await dialogue(emulator.smtp_port, ["EHLO jasette", f"AUTH XOAUTH2 {dead}", ""], smtp=True)
        assert any("XOAUTH2" in line for line in smtp[1:5])
        assert smtp[-3].startswith("334 ") and smtp[-2].startswith("535-5.7.8") and smtp[-1].startswith("535 5.7.8")

        # The static token logs in; the Gmail profile names the mailbox; the autoconfig its servers.
        ok = await dialogue(emulator.imap_port, [f"a1 AUTHENTICATE XOAUTH2 {sasl(ADDRESS, 'demo-token')}"])
        assert ok[1].startswith("a1 OK")
        async with session.get(f"{url}/gmail/v1/users/me/profile", headers={"Authorization": "Bearer demo-token"}) as resp:
            assert (await resp.json())["emailAddress"] == ADDRESS
        async with session.get(f"{url}/v1.1/gmail.com") as resp:
            config = fromstring(await resp.read())
        assert config.findtext("./emailProvider/incomingServer/port") == str(emulator.imap_port)
        assert config.findtext("./emailProvider/outgoingServer/port") == str(emulator.smtp_port)
        assert (await (await session.get(f"{url}/_control/state")).json())["xoauth2_refusals"] == 2


async def test_microsoft_issues_rotating_tokens_and_checks_each_protocol_s_permission() -> None:
    async with mail("microsoft") as (emulator, url, session):
        imap_only = await microsoft_tokens(url, session, "https://outlook.office.com/IMAP.AccessAsUser.All offline_access openid email")
        claims = id_token_claims(imap_only["id_token"])
        assert claims["email"] == ADDRESS and claims["aud"] == "demo-outlook-client"
        assert imap_only["scope"] == "https://outlook.office.com/IMAP.AccessAsUser.All" and imap_only["refresh_token"]
        blob = sasl(ADDRESS, imap_only["access_token"])
        assert (await dialogue(emulator.imap_port, [f"a1 AUTHENTICATE XOAUTH2 {blob}"]))[1].startswith("a1 OK")
        # No SMTP.Send in the grant: Microsoft's SMTP refuses without a challenge.
        smtp = await dialogue(emulator.smtp_port, ["EHLO jasette", f"AUTH XOAUTH2 {blob}"], smtp=True)
        assert smtp[-1] == "535 5.7.3 Authentication unsuccessful"
        # Another mailbox's name with this token: refused too, in Microsoft's plain words.
        other = await dialogue(emulator.imap_port, [f"a1 AUTHENTICATE XOAUTH2 {sasl('x@example.com', imap_only['access_token'])}"])
        assert other[1] == "a1 NO AUTHENTICATE failed."

        form = {"grant_type": "refresh_token", "refresh_token": imap_only["refresh_token"],
                "client_id": "demo-outlook-client", "client_secret": "demo-outlook-secret"}
        async with session.post(f"{url}/common/oauth2/v2.0/token", data=form) as resp:
            renewed = await resp.json()
        assert renewed["refresh_token"] != imap_only["refresh_token"] and renewed["id_token"]
        async with session.post(f"{url}/_control/revoke") as resp:
            assert (await resp.json())["revoked"] == 1
        async with session.post(f"{url}/common/oauth2/v2.0/token", data={**form, "refresh_token": renewed["refresh_token"]}) as resp:
            refused = await resp.json()
        assert resp.status == 400 and refused["error"] == "invalid_grant" and refused["error_codes"] == [50173]
        revoked = await dialogue(emulator.imap_port, [f"a1 AUTHENTICATE XOAUTH2 {sasl(ADDRESS, renewed['access_token'])}"])
        assert revoked[1] == "a1 NO AUTHENTICATE failed."


async def test_microsoft_tokens_die_on_the_emulator_clock() -> None:
    async with mail("microsoft") as (emulator, url, session):
        tokens = await microsoft_tokens(url, session, "https://outlook.office.com/IMAP.AccessAsUser.All "
                                                      "https://outlook.office.com/SMTP.Send offline_access openid email")
        assert tokens["expires_in"] == 3599
        blob = sasl(ADDRESS, tokens["access_token"])
        smtp = await dialogue(emulator.smtp_port, ["EHLO jasette", f"AUTH XOAUTH2 {blob}"], smtp=True)
        assert smtp[-1].startswith("235")
        async with session.post(f"{url}/_control/clock", json={"advance_seconds": 3600}) as resp:
            assert resp.status == 200
        assert (await dialogue(emulator.imap_port, [f"a1 AUTHENTICATE XOAUTH2 {blob}"]))[1] == "a1 NO AUTHENTICATE failed."
