"""Mailboxes connected with OAuth, without network: two connect codes for the one "imap"
platform, what each asks at the consent page, the XOAUTH2 string, the ID token's claims."""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, urlsplit

import aiohttp

from collector import registry
from collector.imap_wire import xoauth2
from collector.oauth import OAuthApp, connect_code
from collector.oauth_mail import GMAIL, MICROSOFT, id_token_claims
from web import i18n

APP = OAuthApp("client", "secret")


def test_gmail_and_microsoft_365_are_connect_codes_that_save_mail_accounts() -> None:
    codes = registry.oauth_platforms()
    assert codes[-2:] == ["gmail", "outlook"] and "imap" not in codes
    assert registry.oauth_provider("gmail") is GMAIL and registry.oauth_provider("outlook") is MICROSOFT
    assert GMAIL.platform == MICROSOFT.platform == "imap" and registry.oauth_provider("imap") is None
    assert GMAIL.connect_code == "gmail" and registry.oauth_provider("x").connect_code == "x"  # type: ignore[union-attr]
    assert i18n.platform_name("outlook", "fr") == "Microsoft 365" and i18n.platform_name("imap", "fr") == "Courriel"
    # The keeper renews a mailbox's tokens at the application that granted them.
    assert connect_code("imap", {"oauth_provider": "outlook"}) == "outlook" and connect_code("x", {}) == "x"
    for provider in (GMAIL, MICROSOFT):
        assert provider.setup_hint in i18n.CATALOGUES["fr"]


def test_each_consent_page_is_asked_what_its_mail_servers_take() -> None:
    gmail = parse_qs(urlsplit(GMAIL.start(APP, "https://j.example/settings/connect/gmail/callback").url).query)
    assert gmail["scope"] == ["https://mail.google.com/"] and gmail["access_type"] == ["offline"]
    assert gmail["code_challenge_method"] == ["S256"]
    started = MICROSOFT.start(APP, "https://j.example/settings/connect/outlook/callback").url
    assert started.startswith("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?")
    scopes = parse_qs(urlsplit(started).query)["scope"][0].split()
    assert {"https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send", "offline_access"} <= set(scopes)


def test_microsoft_s_granted_permissions_are_read_with_or_without_the_resource() -> None:
    assert MICROSOFT.missing(("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send")) == []
    assert MICROSOFT.missing(("IMAP.AccessAsUser.All", "SMTP.Send", "openid")) == []
    assert MICROSOFT.missing(("IMAP.AccessAsUser.All",)) == ["https://outlook.office.com/SMTP.Send"]


def test_the_xoauth2_string_is_the_documented_one() -> None:
    assert xoauth2("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg") == (
        b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01"
    )


def _jwt(claims: object) -> str:
    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    return f"{part({'alg': 'RS256'})}.{part(claims)}.sig"


def test_the_id_token_s_claims_are_read_and_nonsense_is_not() -> None:
    assert id_token_claims(_jwt({"email": "a@b.example", "preferred_username": "a@b.example"}))["email"] == "a@b.example"
    assert id_token_claims(None) == {} and id_token_claims("a.b") == {} and id_token_claims("x.!!!.y") == {}
    assert id_token_claims(_jwt(["not", "claims"])) == {}


async def test_without_an_emulator_the_documented_servers_are_saved() -> None:
    async with aiohttp.ClientSession() as session:  # never used: no request leaves for the real providers
        assert await GMAIL.servers(session, APP) == ("imaps://imap.gmail.com:993", "smtp://smtp.gmail.com:587")
        assert await MICROSOFT.servers(session, APP) == ("imaps://outlook.office365.com:993", "smtp://smtp.office365.com:587")
