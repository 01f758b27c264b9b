"""A local mailbox for a business's newsletter replies: a real IMAP server to read them, a real
SMTP server to answer them, and the usual HTTP control API beside them.

A mail account has no HTTP API, so the collector never talks to the HTTP side: it reads over
IMAP and sends over SMTP, as with any mail provider. The app starts both servers on loopback
from its on_startup (ports chosen by the system unless `imap_port`/`smtp_port` are given) and
publishes them in GET /_control/state; `demo_account(app)` gives the account settings that
point a collector at them, since the demo can only know the ports once the app has started.

OAuth (emulators/mail_oauth.py): the servers also take SASL XOAUTH2 with the tokens of the OAuth
server the emulator carries, in the flavour of option `oauth_flavour`: "google" (Gmail, the
default: Google's consent and token endpoints, `GET /gmail/v1/users/me/profile`) or "microsoft"
(Microsoft 365: the identity platform's v2.0 endpoints, the address in the ID token). The client
defaults to demo-gmail-client / demo-outlook-client. `GET /v1.1/{domain}` is an autoconfig
document naming the IMAP and SMTP servers; /_control/clock and /_control/revoke work as elsewhere.

Control: inject {text, author_name, author_handle (an address; a bare handle gets
@example.com), subject, parent (a newsletter's Message-ID; the latest one when absent),
created_at} or {raw: an RFC 822 message as is}; faults are decided once per IMAP or SMTP
connection; stall_append {count} holds the next APPENDs unanswered (a Sent folder that
stalls); smtp_auth {enabled: false} turns authenticated SMTP off for the mailbox, as a Microsoft
365 tenant does by default (every AUTH answers 535 5.7.139); state lists the replies received
over SMTP and what each folder holds.
"""

from __future__ import annotations

import email
import email.header
import email.utils
import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

from aiohttp import web

from emulators import google_oauth, microsoft_oauth
from emulators.base import EMULATOR_KEY, Emulator, Fault
from emulators.bulk import inject_many
from emulators.imap_server import ImapServer, Mailbox
from emulators.mail_oauth import (
    FLAVOURS,
    GMAIL_SCOPE,
    GOOGLE,
    Xoauth2Check,
    autoconfig,
    gmail_profile,
    gmail_token_error,
)
from emulators.oauth import OAuthServer, Token
from emulators.smtp_server import SmtpReceiver

ADDRESS = "nouvelles@cafe-du-plateau.example"
BUSINESS_NAME = "Café du Plateau"
NEWSLETTERS = (
    ("<infolettre-2026-11@cafe-du-plateau.example>", "Infolettre de novembre : le temps des fêtes au Café"),
    ("<infolettre-2026-12@cafe-du-plateau.example>", "Notre menu des fêtes / Our holiday menu"),
)

DEMO_ACCOUNT: dict[str, Any] = {
    "name": "Infolettre du Café (courriel)",
    "external_id": ADDRESS,
    "settings": {"address": ADDRESS, "from_name": BUSINESS_NAME},
    "credentials": {"username": ADDRESS, "password": "demo-token"},
}


class ImapEmulator(Emulator):
    """The business's newsletter reply address, readable over IMAP, sending over SMTP."""

    platform = "imap"
    oauth_capable = True

    def __init__(self, token: str = "demo-token", host: str = "127.0.0.1", imap_port: int = 0, smtp_port: int = 0,
                 oauth_flavour: str = "google", **options: Any) -> None:
        super().__init__(token=token, **options)
        if oauth_flavour not in FLAVOURS:
            raise ValueError(f"oauth_flavour: one of {', '.join(FLAVOURS)}")
        self.flavour = FLAVOURS[oauth_flavour]
        # The application is named for the connect code that reaches this flavour (gmail, outlook).
        self.oauth = OAuthServer(self.flavour.client, options.get("client_id"), options.get("client_secret"))
        self.xoauth2 = Xoauth2Check(self.flavour, self.oauth, ADDRESS, token)
        self.host, self.imap_port, self.smtp_port = host, imap_port, smtp_port
        self._validity = 1_700_000_000
        self.inbox = Mailbox("INBOX", self._validity)
        self.sent = Mailbox("Sent", self._validity)
        self.imap = ImapServer({"INBOX": self.inbox, "Sent": self.sent}, ADDRESS, token, lambda: self.take_connection_fault("imap"),
                               self.xoauth2)
        self.smtp = SmtpReceiver(self, ADDRESS, self.xoauth2)
        self.sent_raw: list[bytes] = []  # every message received over SMTP, as sent
        self.fault_target: str | None = None  # "imap" or "smtp": the only side faults hit; None: both

    # -- servers -------------------------------------------------------------------------------
    def create_app(self) -> web.Application:
        """The control API app; its startup starts the IMAP and SMTP servers, its cleanup stops them."""
        app = super().create_app()
        app.router.add_post(f"{self.control_prefix}/fault_target", self._control_fault_target)
        app.router.add_post(f"{self.control_prefix}/stall_append", self._control_stall_append)
        app.router.add_post(f"{self.control_prefix}/smtp_auth", self._control_smtp_auth)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    def add_oauth_routes(self, app: web.Application) -> None:
        """The flavour's OAuth server and discovery, and the autoconfig document."""
        account = (ADDRESS, f"{BUSINESS_NAME} — {ADDRESS}")
        if self.flavour is GOOGLE:
            google_oauth.install(self, app, account=account)
            app.router.add_get("/gmail/v1/users/me/profile", self._profile)
        else:
            microsoft_oauth.install(self, app, account)
        self.add_open_route(app, "GET", "/v1.1/{domain}", self._autoconfig, faults=False)

    async def _profile(self, request: web.Request) -> web.Response:
        if self.lacks(request, GMAIL_SCOPE, "https://www.googleapis.com/auth/gmail.readonly"):
            return google_oauth.insufficient_scope("gmail.googleapis.com")
        return gmail_profile(ADDRESS, len(self.inbox.messages))

    async def _autoconfig(self, request: web.Request) -> web.Response:
        return autoconfig(request.match_info["domain"], self.host, self.imap_port, self.smtp_port)

    def token_error(self, reason: str, token: Token | None) -> web.StreamResponse:
        """Gmail API's 401 for a dead token (the Microsoft flavour has no HTTP API)."""
        return gmail_token_error(reason)

    async def _start(self, app: web.Application) -> None:
        self.imap_port = await self.imap.start(self.host, self.imap_port)
        self.smtp_port = await self.smtp.start(self.host, self.smtp_port)

    async def _stop(self, app: web.Application) -> None:
        await self.imap.stop()
        await self.smtp.stop()

    def take_connection_fault(self, protocol: str) -> Fault | None:
        """Count one IMAP or SMTP connection as a request and give it the fault switched on, if any."""
        self.requests += 1
        if self.fault_target not in (None, protocol):
            return None
        # For a fault's target, reading the mailbox is a read and sending mail a write.
        return self._take_fault("GET" if protocol == "imap" else "POST")

    async def _control_fault_target(self, request: web.Request) -> web.Response:
        # A reply opens IMAP, then SMTP, then IMAP again: tests aim a fault at one side.
        target = (await request.json()).get("protocol")
        if target not in (None, "imap", "smtp"):
            return web.json_response({"error": "protocol: imap, smtp or null"}, status=400)
        self.fault_target = target
        return web.json_response({"fault_target": target})

    async def _control_stall_append(self, request: web.Request) -> web.Response:
        # Filing a sent reply is its own IMAP connection: hold the next `count` APPENDs unanswered.
        count = (await request.json()).get("count", 1)
        if not isinstance(count, int) or isinstance(count, bool) or not 0 <= count <= 1000:
            return web.json_response({"error": "count: an integer from 0 to 1000"}, status=400)
        self.imap.stalled_appends = count
        return web.json_response({"stalled_appends": count})

    async def _control_smtp_auth(self, request: web.Request) -> web.Response:
        enabled = (await request.json()).get("enabled", True)
        if not isinstance(enabled, bool):
            return web.json_response({"error": "enabled: true or false"}, status=400)
        self.smtp.auth_disabled = not enabled
        return web.json_response({"smtp_auth": enabled})

    # -- control -------------------------------------------------------------------------------
    def inject(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Deliver one reply e-mail to the inbox, or `count` of them (see emulators.bulk)."""
        if int(payload.get("count") or 1) > 1:
            return inject_many(self._inject_one, payload, datetime.now(UTC))
        return self._inject_one(payload)

    def _inject_one(self, payload: dict[str, Any]) -> dict[str, Any]:
        created = payload.get("created_at")
        when = datetime.fromisoformat(created) if created else datetime.now(UTC)
        when = (when if when.tzinfo else when.replace(tzinfo=UTC)).replace(microsecond=0)
        if "raw" in payload:
            raw = str(payload["raw"]).encode("utf-8", "surrogateescape")
            self.inbox.append(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"), when)
            ids = re.findall(rb"(?im)^Message-ID:\s*(<[^>\s]+>)", raw)
            return {"external_id": ids[0].decode() if ids else f"{self.inbox.uidvalidity}:{self.inbox.uidnext - 1}"}
        message = self._compose(payload, when)
        self.inbox.append(message.as_bytes(policy=message.policy.clone(linesep="\r\n")), when)
        return {"external_id": message["Message-ID"]}

    def _compose(self, payload: dict[str, Any], when: datetime) -> EmailMessage:
        parent = str(payload.get("parent") or NEWSLETTERS[-1][0])
        subject, references = self._thread_of(parent)
        handle = str(payload.get("author_handle") or "client")
        address = handle if "@" in handle else f"{handle}@example.com"
        name = str(payload.get("author_name") or "")
        text = str(payload.get("text") or "")
        message = EmailMessage()
        message["From"] = email.utils.formataddr((name, address))
        message["To"] = email.utils.formataddr((BUSINESS_NAME, ADDRESS))
        message["Subject"] = str(payload.get("subject") or ("Re: " + subject))
        message["Date"] = email.utils.format_datetime(when)
        seed = f"{self.next_id()}{address}{text}".encode()
        message["Message-ID"] = f"<{hashlib.sha1(seed).hexdigest()[:20]}@{address.partition('@')[2]}>"
        message["In-Reply-To"] = parent
        message["References"] = " ".join(references + [parent])
        # Mail clients quote what they answer: the collector must find the reply's own words.
        attribution = f"Le {when:%d/%m/%Y à %H:%M}, {BUSINESS_NAME} <{ADDRESS}> a écrit :"
        message.set_content(f"{text}\n\n{attribution}\n> {subject}\n> Bonjour à tous!\n")
        return message

    def _thread_of(self, parent: str) -> tuple[str, list[str]]:
        for message_id, subject in NEWSLETTERS:
            if message_id == parent:
                return subject, []
        for stored in self.inbox.messages:
            head = email.message_from_bytes(stored.raw)
            if head.get("Message-ID", "").strip() == parent:
                subject = re.sub(r"^(?:re|tr|fwd?)\s*:\s*", "", str(head.get("Subject", "")), flags=re.IGNORECASE)
                return subject, str(head.get("References", "")).split()
        return NEWSLETTERS[-1][1], []

    def received(self, sender: str, rcpts: list[str], raw: bytes) -> None:
        """Keep a message submitted over SMTP, and what it answers."""
        self.sent_raw.append(raw)
        message = email.message_from_bytes(raw)
        body = message.get_payload(decode=True) if not message.is_multipart() else b""
        body = body if isinstance(body, bytes) else b""
        self.replies.append({
            "id": str(message.get("Message-ID", "")).strip(),
            "parent": str(message.get("In-Reply-To", "")).strip(),
            "references": str(message.get("References", "")).split(),
            "to": rcpts, "from": sender, "subject": str(email.header.make_header(email.header.decode_header(str(message.get("Subject", ""))))),
            "text": body.decode(message.get_content_charset() or "utf-8", "replace").strip(),
        })

    def reset(self) -> None:
        """Forget all mail; the folders come back under a new UIDVALIDITY, as recreated ones do."""
        super().reset()
        self.sent_raw.clear()
        for box in (self.inbox, self.sent):
            box.messages.clear()
            box.rebuild()

    def state(self) -> dict[str, Any]:
        """Where the IMAP and SMTP servers listen, and what the folders hold."""
        return {
            "kinds": ["message"],
            "oauth_flavour": self.flavour.name,
            "xoauth2_refusals": self.xoauth2.refusals,
            "fault_target": self.fault_target,
            "imap_url": f"imap://{self.host}:{self.imap_port}",
            "smtp_url": f"smtp://{self.host}:{self.smtp_port}",
            "folders": {box.name: {"messages": len(box.messages), "uidvalidity": box.uidvalidity} for box in (self.inbox, self.sent)},
            "newsletters": [message_id for message_id, _ in NEWSLETTERS],
        }


def demo_account(app: web.Application) -> dict[str, Any]:
    """DEMO_ACCOUNT pointed at the IMAP and SMTP servers of this started app."""
    emulator = app[EMULATOR_KEY]
    assert isinstance(emulator, ImapEmulator), "demo_account takes an app made by this module's create_app"
    return {
        **DEMO_ACCOUNT,
        "base_url": f"imap://{emulator.host}:{emulator.imap_port}",
        "settings": {**DEMO_ACCOUNT["settings"], "smtp_url": f"smtp://{emulator.host}:{emulator.smtp_port}"},
    }


def create_app(**options: Any) -> web.Application:
    """The emulator's aiohttp application (its IMAP and SMTP servers start with it)."""
    return ImapEmulator(**options).create_app()
