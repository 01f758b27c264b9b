"""Newsletter mailboxes connected with OAuth: Gmail and Microsoft 365, read over IMAP and answered
over SMTP with SASL XOAUTH2 instead of a password (collector/imap.py).

Two applications serve the one "imap" platform: each has its own connect code ("gmail",
"outlook"), settings (JASETTE_OAUTH_GMAIL_*, JASETTE_OAUTH_OUTLOOK_*) and token endpoint, and the
account it saves is an ordinary mail account whose credentials name the code they came from
(`oauth_provider`), so the token keeper renews them at the right place.

- Gmail (developers.google.com/gmail/imap/xoauth2-protocol): scope https://mail.google.com/ (the
  only one IMAP and SMTP take), Google's web-server flow (offline access, refresh tokens that do
  not rotate, one-hour access tokens); the address is the Gmail API's `users/me/profile`.
- Microsoft 365 (learn.microsoft.com/exchange/client-developer/legacy-protocols/
  how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth): identity platform v2 on the
  "common" tenant, delegated IMAP.AccessAsUser.All and SMTP.Send of outlook.office.com, PKCE,
  refresh tokens that rotate on every use (the new one is stored under the account's lock). An
  access token has one audience, so Graph /me cannot be read with it: the address comes from
  the ID token the same answer carries (`email`, else `preferred_username`). The ID token is
  read without checking its signature: it came straight from the token endpoint over TLS, which
  OpenID Connect Core 1.0 section 3.1.3.7 accepts in place of the signature.

Server addresses are the providers' documented ones. With an emulator root (tests, the demo),
they come from the emulator's Thunderbird-style autoconfig document (ISPDB, config-v1.1.xml),
since a mail emulator listens on ports chosen when it starts.
"""

from __future__ import annotations

import abc
import base64
import json
from typing import Any, ClassVar
from xml.etree.ElementTree import ParseError

import aiohttp
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from collector.base import AuthFailed, FetchFailed
from collector.oauth import Choice, OAuthApp, Provider, Tokens, rooted
from collector.oauth_google import GoogleOAuth
from collector.wire import as_dict, request

ISPDB = "https://autoconfig.thunderbird.net/v1.1/{domain}"


def id_token_claims(id_token: str | None) -> dict[str, Any]:
    """The claims of an ID token (a JWT) received from the token endpoint; {} when unreadable."""
    parts = (id_token or "").split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _address(value: Any) -> str:
    text = str(value or "").strip()
    return text if "@" in text and len(text) <= 254 and not any(c.isspace() for c in text) else ""


def _server_url(node: Any, kind: str) -> str:
    """imaps://host:port, imap://…, smtps://… or smtp://… of one autoconfig server element."""
    host = (node.findtext("hostname") or "").strip()
    port = (node.findtext("port") or "").strip()
    socket = (node.findtext("socketType") or "").strip().upper()
    if not host or not port.isdigit():
        raise FetchFailed(f"autoconfig: the {kind} server has no hostname or port")
    scheme = kind + ("s" if socket == "SSL" else "")
    return f"{scheme}://{host}:{port}"


class MailboxProvider(Provider):
    """One mail provider's OAuth: the signed-in mailbox, with its IMAP and SMTP servers."""

    platform = "imap"
    imap_url: ClassVar[str] = ""
    smtp_url: ClassVar[str] = ""
    ispdb_domain: ClassVar[str] = ""

    @abc.abstractmethod
    async def address(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> tuple[str, str]:
        """The signed-in mailbox's address and its login name for XOAUTH2 ('' when the provider did not say)."""

    async def servers(self, session: aiohttp.ClientSession, app: OAuthApp) -> tuple[str, str]:
        """The IMAP and SMTP addresses: the documented ones, or the emulator's autoconfig."""
        if not app.root:
            return self.imap_url, self.smtp_url
        resp = await request(session, "GET", rooted(ISPDB.format(domain=self.ispdb_domain), app), raw=True, max_bytes=65536)
        if resp.status >= 400 or not isinstance(resp.body, bytes):
            raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
        try:
            config = fromstring(resp.body)
        except (ParseError, DefusedXmlException) as exc:
            raise FetchFailed(f"autoconfig unreadable: {exc}") from exc
        imap = config.find("./emailProvider/incomingServer[@type='imap']")
        smtp = config.find("./emailProvider/outgoingServer[@type='smtp']")
        if imap is None or smtp is None:
            raise FetchFailed("autoconfig names no IMAP or SMTP server")
        return _server_url(imap, "imap"), _server_url(smtp, "smtp")

    async def discover(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> list[Choice]:
        """The one mailbox of the grant, ready to read over IMAP and answer over SMTP."""
        address, login = await self.address(session, app, tokens)
        if not address:
            return []
        imap_url, smtp_url = await self.servers(session, app)
        return [Choice(
            external_id=address.lower(), name=address, credentials={"username": login or address},
            settings={"address": address},
            bound_settings={"smtp_url": smtp_url, "oauth_provider": self.connect_code},
            base_url=imap_url,
        )]


class GmailProvider(MailboxProvider, GoogleOAuth):
    """A Gmail or Google Workspace mailbox."""

    code = "gmail"
    display_name = "Gmail"
    # The one scope Gmail's IMAP and SMTP accept (a restricted scope: Google verifies the app).
    scopes = ("https://mail.google.com/",)
    required_scopes = scopes
    setup_hint = ("In Google Cloud Console: a project with the Gmail API enabled, an OAuth client of type “Web "
                  "application” with the redirect URI below, and the consent screen listing the https://mail.google.com/ "
                  "scope (a restricted scope: an app used outside your own Workspace needs Google's verification).")
    imap_url = "imaps://imap.gmail.com:993"
    smtp_url = "smtp://smtp.gmail.com:587"
    ispdb_domain = "gmail.com"
    profile_url = "https://gmail.googleapis.com/gmail/v1/users/me/profile"

    async def address(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> tuple[str, str]:
        """`emailAddress` of the Gmail API's profile of the signed-in user (also its login)."""
        resp = await request(session, "GET", rooted(self.profile_url, app), headers={"Authorization": f"Bearer {tokens.access_token}"})
        if resp.status in (401, 403):
            error = as_dict(as_dict(resp.body).get("error"))
            raise AuthFailed(f"Gmail refused the profile: {str(error.get('message', resp.status))[:200]}")
        if resp.status >= 400 or resp.unreadable is not None:
            raise FetchFailed(f"{resp.request}: HTTP {resp.status}")
        address = _address(as_dict(resp.body).get("emailAddress"))
        return address, address


class MicrosoftProvider(MailboxProvider):
    """A Microsoft 365 (Exchange Online) or Outlook.com mailbox."""

    code = "outlook"
    display_name = "Microsoft 365"
    authorize_url = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize"
    token_url = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
    scopes = ("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send",
              "offline_access", "openid", "email")
    required_scopes = ("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send")
    setup_hint = ("In the Microsoft Entra admin center: an app registration for accounts in any organizational directory "
                  "(and personal accounts if wanted), the redirect URI below as a “Web” platform, a client secret, and the "
                  "delegated permissions IMAP.AccessAsUser.All, SMTP.Send, offline_access, openid and email; authenticated "
                  "SMTP must be allowed on the mailbox.")
    imap_url = "imaps://outlook.office365.com:993"
    smtp_url = "smtp://smtp.office365.com:587"
    ispdb_domain = "office365.com"

    def missing(self, granted: tuple[str, ...]) -> list[str]:
        """Required scopes the grant lacks, matched on the permission's name: the token endpoint may
        answer them with or without the resource prefix."""
        names = {scope.rsplit("/", 1)[-1].lower() for scope in granted}
        if not granted:
            return []
        return [s for s in self.required_scopes if s.rsplit("/", 1)[-1].lower() not in names]

    async def address(self, session: aiohttp.ClientSession, app: OAuthApp, tokens: Tokens) -> tuple[str, str]:
        """The ID token's `email` (the From of answers), else its `preferred_username`; the login is the
        `preferred_username` (the user principal name the XOAUTH2 string names), else the email."""
        claims = id_token_claims(tokens.id_token)
        email, upn = _address(claims.get("email")), _address(claims.get("preferred_username"))
        return email or upn, upn or email


GMAIL = GmailProvider()
MICROSOFT = MicrosoftProvider()
