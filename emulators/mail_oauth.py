"""OAuth for the mail emulator: SASL XOAUTH2 on its IMAP and SMTP servers, checked against the
tokens of the OAuth server it carries, in one of two flavours, Gmail's or Microsoft 365's.

The XOAUTH2 string (base64 of "user=ADDRESS^Aauth=Bearer TOKEN^A^A") is accepted when the user
is the mailbox, and the token is the emulator's static token or an issued access token, live,
holding the protocol's scope. Otherwise each flavour fails as its provider documents:

- Gmail (developers.google.com/gmail/imap/xoauth2-protocol): a continuation carrying base64 JSON
  {"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}, which the client answers
  with an empty line, then IMAP `NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)` or SMTP
  `535-5.7.8 Username and Password not accepted`. Discovery: the Gmail API's
  `GET /gmail/v1/users/me/profile`. OAuth: Google's server (emulators/google_oauth.py).
- Microsoft 365 (learn.microsoft.com/exchange/client-developer/legacy-protocols/
  how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth): no challenge, IMAP
  `NO AUTHENTICATE failed.`, SMTP `535 5.7.3 Authentication unsuccessful`; IMAP needs
  IMAP.AccessAsUser.All and SMTP needs SMTP.Send. Discovery: the ID token
  (emulators/microsoft_oauth.py).

Both serve a Thunderbird-style autoconfig document (`GET /v1.1/{domain}`, ISPDB's
config-v1.1.xml) naming this emulator's IMAP and SMTP servers, since their ports are chosen at start.
"""

from __future__ import annotations

import base64
import binascii
import html
import json
from dataclasses import dataclass

from aiohttp import web

from emulators.oauth import OAuthServer

GMAIL_SCOPE = "https://mail.google.com/"
OUTLOOK_IMAP = "https://outlook.office.com/IMAP.AccessAsUser.All"
OUTLOOK_SMTP = "https://outlook.office.com/SMTP.Send"


@dataclass(frozen=True)
class Flavour:
    """How one provider's mail servers take and refuse XOAUTH2."""

    name: str  # "google" | "microsoft"
    client: str  # the connect code its demo client is named for (demo-<client>-client)
    scopes: dict[str, str]  # protocol -> the scope it needs
    challenge: bool  # a JSON error challenge before the final refusal (Gmail)
    imap_refusal: str
    smtp_refusal: str
    imap_capabilities: str
    smtp_auth: str


GOOGLE = Flavour(
    name="google", client="gmail", scopes={"imap": GMAIL_SCOPE, "smtp": GMAIL_SCOPE}, challenge=True,
    imap_refusal="NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)",
    smtp_refusal="535-5.7.8 Username and Password not accepted. Learn more at\r\n"
                 "535 5.7.8  https://support.google.com/mail/?p=BadCredentials",
    imap_capabilities="IMAP4rev1 UIDPLUS AUTH=XOAUTH2 AUTH=PLAIN AUTH=PLAIN-CLIENTTOKEN AUTH=OAUTHBEARER",
    smtp_auth="AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER",
)
MICROSOFT = Flavour(
    name="microsoft", client="outlook", scopes={"imap": OUTLOOK_IMAP, "smtp": OUTLOOK_SMTP}, challenge=False,
    imap_refusal="NO AUTHENTICATE failed.",
    smtp_refusal="535 5.7.3 Authentication unsuccessful",
    imap_capabilities="IMAP4rev1 UIDPLUS AUTH=PLAIN AUTH=XOAUTH2",
    smtp_auth="AUTH LOGIN XOAUTH2",
)
FLAVOURS = {f.name: f for f in (GOOGLE, MICROSOFT)}


def sasl(user: str, token: str) -> str:
    """The base64 XOAUTH2 string a client sends (what tests and the demo's tools build)."""
    return base64.b64encode(f"user={user}\x01auth=Bearer {token}\x01\x01".encode()).decode()


def read_sasl(blob: str) -> tuple[str, str] | None:
    """(user, token) of a base64 XOAUTH2 string; None when it is not one."""
    try:
        text = base64.b64decode(blob.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    fields = dict(part.partition("=")[::2] for part in text.split("\x01") if part)
    auth = fields.get("auth", "")
    if not fields.get("user") or not auth.startswith("Bearer "):
        return None
    return fields["user"], auth[len("Bearer "):]


def error_challenge(flavour: Flavour) -> str:
    """Gmail's continuation after a refused token: base64 of its JSON error."""
    body = {"status": "400", "schemes": "Bearer", "scope": flavour.scopes["imap"]}
    return base64.b64encode(json.dumps(body, separators=(",", ":")).encode()).decode()


class Xoauth2Check:
    """Decides one XOAUTH2 login: the mailbox's address, and a token the OAuth server issued."""

    def __init__(self, flavour: Flavour, server: OAuthServer, address: str, static_token: str) -> None:
        self.flavour, self.server, self.address, self.static_token = flavour, server, address, static_token
        self.refusals = 0  # shown in the control state: how many tokens the servers turned away

    def accepts(self, blob: str, protocol: str) -> bool:
        """Whether the base64 XOAUTH2 string logs in to `protocol` ("imap" or "smtp")."""
        read = read_sasl(blob)
        ok = read is not None and read[0].lower() == self.address.lower() and self._token_ok(read[1], protocol)
        if not ok:
            self.refusals += 1
        return ok

    def _token_ok(self, token: str, protocol: str) -> bool:
        if self.static_token and token == self.static_token:
            return True
        status, found = self.server.status(token)
        return status == "ok" and found is not None and self.flavour.scopes[protocol] in found.scopes


def autoconfig(domain: str, host: str, imap_port: int, smtp_port: int) -> web.Response:
    """ISPDB's config-v1.1.xml for this emulator: plain IMAP and SMTP on loopback, OAuth2 logins."""
    e = html.escape
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<clientConfig version="1.1">'
        f'<emailProvider id="{e(domain)}"><domain>{e(domain)}</domain>'
        f'<incomingServer type="imap"><hostname>{e(host)}</hostname><port>{imap_port}</port>'
        "<socketType>plain</socketType><username>%EMAILADDRESS%</username><authentication>OAuth2</authentication>"
        "</incomingServer>"
        f'<outgoingServer type="smtp"><hostname>{e(host)}</hostname><port>{smtp_port}</port>'
        "<socketType>plain</socketType><username>%EMAILADDRESS%</username><authentication>OAuth2</authentication>"
        "</outgoingServer></emailProvider></clientConfig>"
    )
    return web.Response(text=body, content_type="application/xml")


def gmail_profile(address: str, total: int) -> web.Response:
    """The Gmail API's users.getProfile answer (GET /gmail/v1/users/me/profile)."""
    return web.json_response({"emailAddress": address, "messagesTotal": total, "threadsTotal": total,
                              "historyId": str(1000 + total)})


def gmail_token_error(reason: str) -> web.Response:
    """The Gmail API's 401 for an expired or revoked access token."""
    return web.json_response({"error": {
        "code": 401, "status": "UNAUTHENTICATED",
        "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
                   "other valid authentication credential.",
        "errors": [{"message": "Invalid Credentials", "domain": "global", "reason": "authError",
                    "location": "Authorization", "locationType": "header"}],
    }}, status=401, headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'})
