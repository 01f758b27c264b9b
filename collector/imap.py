"""Replies to the business's e-mail newsletter: read over IMAP, answered over SMTP.

A mail account has no HTTP API, so the account's `base_url` is the IMAP server itself:
"imaps://imap.example.com" (port 993) or "imap://host:port" (plain, for a local server).
Settings: "smtp_url" ("smtps://host:465" for implicit TLS; "smtp://host:587", which
upgrades with STARTTLS when the server offers it), "address" (the business's address, used
as From; defaults to the username), "from_name", "folder" (default INBOX), "sent_folder"
(default Sent), "lookback_days" (how far back a first poll reads, default 14),
"max_message_bytes" (default 1 MiB: larger messages are read up to that), "batch_size"
(default 50), "timeout_seconds" (default 30). Credentials: "username" and "password" (an
app password; "access_token" is read as the password, and the username defaults to the
account's external_id, its address), and "smtp_username"/"smtp_password" when SMTP needs others.
A mailbox connected with OAuth (collector/oauth_mail.py: Gmail, Microsoft 365; credentials with
"oauth" true) logs in to both with SASL XOAUTH2 and its "access_token" instead: a refused token
raises AuthFailed, so the poller or the outbox renews it once and tries again.

Polling (RFC 3501): EXAMINE the folder (read-only, so nothing is marked read for the people
who also use the mailbox), UID SEARCH UID last+1:* and fetch with BODY.PEEK. The cursor is
{uidvalidity, last_uid, last_date}; when UIDVALIDITY changes, UIDs mean nothing any more and
the folder is read again from the last date seen (ingest drops what it already holds, by
Message-ID). imaplib runs in a thread, bounded by socket timeouts, since a cancelled thread
would not stop.

Replies go in two steps: `reply` sends over SMTP with In-Reply-To/References and a Message-ID
derived from the idempotency key; the outbox records that the SMTP server accepted it (the
row's delivered_at), and only then `file_reply` APPENDs it to the Sent folder (unless it is
already there). Filing that stalls or fails never sends the mail again: the record says it
left. `find_reply` looks in Sent for the Message-ID when an attempt's outcome is unknown.
"""

from __future__ import annotations

import asyncio
import email
import hashlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from typing import Any, ClassVar
from urllib.parse import urlsplit

import aiohttp

from collector import imap_wire, smtp_send
from collector.base import AuthFailed, Batch, Collector, FetchFailed, RateLimited, Refused, SentReply, SettingField
from collector.mail import MONTHS, Reading, decode_header, header_text, read_message, split_mbox, strip_quoted
from inbox import netguard
from inbox.types import Author, NewItem

PLATFORM = "imap"
log = logging.getLogger(__name__)
MAX_BODY_CHARS = 20_000  # a reply longer than this is a forward or a pasted document
_RATE_CODES = (b"[LIMIT]", b"[THROTTLED]", b"[OVERQUOTA]")
_AUTH_CODES = (b"[AUTHENTICATIONFAILED]", b"[AUTHORIZATIONFAILED]", b"[EXPIRED]", b"[PRIVACYREQUIRED]")


def map_reading(reading: Reading, fallback_id: str, business: str = "") -> tuple[NewItem, list[str]]:
    """One read message as an inbox item, and what could not be read well."""
    problems = list(reading.problems)
    sender = reading.sender
    author = Author(external_id=sender.address, name=sender.name or sender.address, handle=sender.address) if sender else None
    body = strip_quoted(reading.text) or reading.subject
    # The thread starts at the first message referenced: the newsletter, for a reply to one.
    thread = reading.references or ([reading.in_reply_to] if reading.in_reply_to else [])
    if len(body) > MAX_BODY_CHARS:
        problems.append(f"text cut to {MAX_BODY_CHARS} characters from {len(body)}")
        body = body[:MAX_BODY_CHARS]
    item = NewItem(
        platform=PLATFORM,
        external_id=reading.message_id or fallback_id,
        kind="message",
        body=body,
        created_at=reading.date,
        author=author,
        parent_external_id=reading.in_reply_to,
        thread_external_id=thread[0] if thread else None,
        from_business=bool(sender and business and sender.address == business.lower()),
        raw={
            "message_id": reading.message_id, "subject": reading.subject,
            "from": sender.address if sender else None, "in_reply_to": reading.in_reply_to,
            "references": reading.references[-20:],
        },
    )
    return item, problems


def parse(body: bytes | str) -> list[NewItem]:
    """Map one raw RFC 822 message, or an mbox file of several, to items."""
    data = body.encode("utf-8", "surrogateescape") if isinstance(body, str) else body
    if not data.strip():
        raise ValueError("empty: not an e-mail message")
    items, skipped = [], []
    for index, raw in enumerate(split_mbox(data), start=1):
        reading = read_message(raw)
        if reading.sender is None and reading.message_id is None and reading.date is None:
            skipped.append(f"message {index} is not an e-mail message (no From, Message-ID or Date header)")
            continue
        if reading.automatic:
            skipped.append(f"message {index} is an automatic reply or a delivery report")
            continue
        digest = hashlib.sha256(raw).hexdigest()[:24]
        items.append(map_reading(reading, f"sha256:{digest}")[0])
    if not items:
        raise ValueError("no reply to map: " + "; ".join(skipped[:3]))
    return items


class ImapCollector(Collector):
    """One mailbox that receives newsletter replies; answers go out over SMTP."""

    platform = PLATFORM
    display_name = "E-mail"
    can_reply = True
    can_hide = False  # a mailbox has nothing public to hide
    # The mailbox is read over IMAP and answers leave over SMTP: neither is an http(s) address.
    url_fields: ClassVar[Mapping[str, tuple[str, ...]]] = {"base_url": ("imap", "imaps"), "smtp_url": ("smtp", "smtps")}
    url_labels: ClassVar[Mapping[str, str]] = {"smtp_url": "Sending server (e-mail accounts): smtps://host:465 or smtp://host:587"}
    base_url_hint = "E-mail accounts: the IMAP server, imaps://host:993 (or imap://host:port for a local server)."
    setting_fields: ClassVar[tuple[SettingField, ...]] = (
        SettingField("address", "Sender address of the replies", max_length=254, pattern=r"[^@\s]+@[^@\s]+",
                     hint="Replies leave from this address; empty: the login name when it is an address."),
        SettingField("from_name", "Sender name of the replies", max_length=100,
                     hint="Shown beside the address in the customer's mailbox, e.g. Café Chez Nous."),
        SettingField("folder", "Folder read", default="INBOX", max_length=200,
                     hint="The mailbox folder where the newsletter replies arrive."),
        SettingField("sent_folder", "Folder for sent replies", default="Sent", max_length=200,
                     hint="A copy of each reply is filed there, as a mail program does."),
        SettingField("lookback_days", "Days of history on the first check", kind="int", default=14, minimum=1,
                     maximum=365, advanced=True, hint="The first check reads the messages of this many past days."),
        SettingField("max_message_bytes", "Largest message read (bytes)", kind="int", default=2**20, minimum=10_000,
                     maximum=50 * 2**20, advanced=True, hint="Bigger messages (attachments) are skipped."),
        SettingField("batch_size", "Messages per check", kind="int", default=50, minimum=1, maximum=500, advanced=True,
                     hint="How many messages one check reads before saving its place."),
        SettingField("timeout_seconds", "Server timeout (seconds)", kind="int", default=30, minimum=5, maximum=300,
                     advanced=True, hint="How long Jasette waits for the mail server before trying later."),
    )

    def __init__(self, account: Any, session: aiohttp.ClientSession, **kwargs: Any) -> None:
        super().__init__(account, session, **kwargs)
        s, creds = account.settings, account.credentials
        # The settings page stores one secret as "access_token", and the address as external_id.
        self.username = str(creds.get("username") or account.external_id)
        self.password = str(creds.get("password") or creds.get("access_token") or "")
        # OAuth: the access token goes in an XOAUTH2 string, never as a password (Microsoft 365
        # has turned password logins off; Gmail takes them only with an app password).
        self.bearer = str(creds.get("access_token") or "") if creds.get("oauth") else None
        self.smtp_user = str(creds.get("smtp_username") or self.username)
        self.smtp_password = str(creds.get("smtp_password") or self.password)
        self.address = str(s.get("address") or (self.username if "@" in self.username else account.external_id))
        self.from_name = str(s.get("from_name", ""))
        self.folder, self.sent_folder = str(s.get("folder", "INBOX")), str(s.get("sent_folder", "Sent"))
        self.lookback = timedelta(days=float(s.get("lookback_days", 14)))
        self.max_bytes = int(s.get("max_message_bytes", 2**20))
        self.batch_size = int(s.get("batch_size", 50))
        self.timeout = float(s.get("timeout_seconds", 30))
        self.smtp_url = str(s.get("smtp_url", ""))
        self.policy = netguard.policy_of(session)
        self._outgoing: dict[str, EmailMessage] = {}

    # -- IMAP (in a worker thread) -------------------------------------------------------------
    def _connect(self) -> imaplib.IMAP4:
        url = urlsplit(self.account.base_url)
        if url.scheme not in ("imap", "imaps") or not url.hostname:
            raise Refused(f"{self.account.base_url!r} is not an imap:// or imaps:// address")
        try:
            if url.scheme == "imaps":
                context = ssl.create_default_context()
                imap: imaplib.IMAP4 = imap_wire.GuardedImapSsl(self.policy, url.hostname, url.port or 993, ssl_context=context, timeout=self.timeout)
            else:
                imap = imap_wire.GuardedImap(self.policy, url.hostname, url.port or 143, timeout=self.timeout)
        except netguard.AddressNotAllowed as exc:
            raise FetchFailed(f"cannot open {url.hostname}: {netguard.NOT_ALLOWED}") from exc
        except (OSError, imaplib.IMAP4.error) as exc:
            raise FetchFailed(f"cannot open {url.hostname}:{url.port}: {exc!r}") from exc
        try:
            if self.bearer is not None:
                imap_wire.authenticate_xoauth2(imap, self.username, self.bearer)
            else:
                imap.login(self.username, self.password)
        except imap_wire.NoXoauth2 as exc:
            imap.shutdown()
            raise Refused(str(exc)) from exc
        except imaplib.IMAP4.abort as exc:
            imap.shutdown()
            raise FetchFailed(f"connection lost at login: {exc!r}") from exc
        except imaplib.IMAP4.error as exc:
            imap.shutdown()
            text = str(exc).encode()
            if any(code in text for code in _RATE_CODES):
                raise RateLimited(f"login: {exc}") from exc
            if any(code in text for code in _AUTH_CODES) or b"[" not in text:
                raise AuthFailed(f"login refused: {exc}") from exc
            raise FetchFailed(f"login: {exc}") from exc
        except OSError as exc:
            imap.shutdown()
            raise FetchFailed(f"login: {exc!r}") from exc
        return imap

    def _session(self, work: Callable[[imaplib.IMAP4], Any]) -> Any:
        imap = self._connect()
        try:
            return work(imap)
        except (imaplib.IMAP4.abort, OSError) as exc:
            raise FetchFailed(f"IMAP connection lost: {exc!r}") from exc
        except imaplib.IMAP4.error as exc:
            raise FetchFailed(f"IMAP error: {exc}") from exc
        finally:
            try:
                imap.logout()
            except (imaplib.IMAP4.error, OSError):
                imap.shutdown()

    @staticmethod
    def _examine(imap: imaplib.IMAP4, folder: str) -> tuple[int, int] | None:
        typ, _ = imap.select(_quote(folder), readonly=True)
        if typ != "OK":
            return None
        _, validity = imap.response("UIDVALIDITY")
        _, uidnext = imap.response("UIDNEXT")
        return int(validity[0]) if validity and validity[0] else 0, int(uidnext[0]) if uidnext and uidnext[0] else 1

    def _read(self, imap: imaplib.IMAP4, cursor: dict[str, Any]) -> Batch:
        selected = self._examine(imap, self.folder)
        if selected is None:
            raise Refused(f"the mailbox has no folder {self.folder!r}")
        validity, uidnext = selected
        problems: list[str] = []
        last_uid = int(cursor.get("last_uid", 0))
        if cursor.get("uidvalidity") == validity:
            data = imap_wire.check(imap.uid("SEARCH", "UID", f"{last_uid + 1}:*"), "search")
        else:
            since = self.clock() - self.lookback
            if cursor.get("last_date"):
                since = datetime.fromisoformat(cursor["last_date"]) - timedelta(days=1)
                problems.append(f"UIDVALIDITY of {self.folder} changed: reading again from {since:%Y-%m-%d}")
            last_uid = 0
            data = imap_wire.check(imap.uid("SEARCH", "SINCE", f"{since.day}-{MONTHS[since.month - 1]}-{since.year}"), "search")
        # "n:*" always matches the last message, even below n (section 6.4.8): filter here.
        uids = sorted(int(u) for u in b" ".join(d for d in data if d).split() if int(u) > last_uid)
        take, more = uids[: self.batch_size], len(uids) > self.batch_size
        if not uids and not last_uid:
            # Nothing in the window: all there is now is older, and must not come on the next poll.
            last_uid = uidnext - 1
        items: list[NewItem] = []
        last_date = cursor.get("last_date")
        if take:
            spec = ",".join(str(u) for u in take)
            wanted = f"(UID RFC822.SIZE INTERNALDATE BODY.PEEK[]<0.{self.max_bytes}>)"
            fetched = imap_wire.fetched(imap_wire.check(imap.uid("FETCH", spec, wanted), "fetch"))
            automatic = 0
            missing = set(take) - {entry[0] for entry in fetched}
            if missing:
                problems.append(f"the server sent no content for messages {sorted(missing)}: skipped")
            for uid, size, internal, raw in sorted(fetched, key=lambda entry: entry[0]):
                item, found = self._map(raw, uid, validity, internal)
                if size > self.max_bytes:
                    found.append(f"{size} bytes: read only the first {self.max_bytes}")
                problems.extend(f"message {uid}: {p}" for p in found)
                if item is None:
                    automatic += 1
                else:
                    items.append(item)
                if internal is not None and (last_date is None or internal > datetime.fromisoformat(last_date)):
                    last_date = internal.astimezone(UTC).isoformat()
            if automatic:
                problems.append(f"skipped {automatic} automatic replies or delivery reports")
            last_uid = max(take)  # a message that could not be mapped is not read again forever
        next_cursor = {"uidvalidity": validity, "last_uid": last_uid, "last_date": last_date}
        return Batch(items=items, cursor=next_cursor, more=more, problems=problems)

    def _map(self, raw: bytes, uid: int, validity: int, internal: datetime | None) -> tuple[NewItem | None, list[str]]:
        reading = read_message(raw)
        if reading.automatic:
            return None, []
        item, problems = map_reading(reading, f"{validity}:{uid}", self.address)
        if item.created_at is None:
            item.created_at = internal  # the server's arrival time, when Date is missing or bad
        item.raw.update(uid=uid, uidvalidity=validity)
        return item, problems

    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """The next messages after the cursor's UID (a first poll reads `lookback_days` back)."""
        return await asyncio.to_thread(self._session, lambda imap: self._read(imap, cursor))

    # -- replies -------------------------------------------------------------------------------
    def reply_id(self, idempotency_key: str) -> str:
        """The Message-ID our reply for this idempotency key carries (and find_reply looks for)."""
        digest = hashlib.sha256(f"{self.address}\n{idempotency_key}".encode()).hexdigest()[:32]
        return f"<jasette.{digest}@{self.address.partition('@')[2] or 'jasette.invalid'}>"

    def _find(self, imap: imaplib.IMAP4, folder: str, message_id: str) -> list[bytes]:
        if self._examine(imap, folder) is None:
            return []
        data = imap_wire.check(imap.uid("SEARCH", "HEADER", "Message-ID", _quote(message_id)), "search")
        return b" ".join(d for d in data if d).split()

    def _parent_headers(self, imap: imaplib.IMAP4, parent: str) -> bytes:
        uids = self._find(imap, self.folder, parent)
        if not uids:
            raise Refused(f"the message {parent} is no longer in {self.folder}")
        data = imap_wire.check(imap.uid("FETCH", uids[0].decode(), "(BODY.PEEK[HEADER])"), "fetch")
        return next((part[1] for part in data if isinstance(part, tuple)), b"")

    def _compose(self, headers: bytes, parent: str, text: str, key: str) -> EmailMessage:
        original = read_message(headers)
        head = email.message_from_bytes(headers)
        to = getaddresses([header_text(head, "Reply-To") or header_text(head, "From") or ""])
        if not to or "@" not in to[0][1]:
            raise Refused(f"the message {parent} has no address to answer")
        subject = original.subject or ""
        message = EmailMessage()
        message["From"] = formataddr((self.from_name, self.address))
        message["To"] = formataddr((decode_header(to[0][0]), to[0][1]))
        message["Subject"] = subject if re.match(r"(?i)^re\s*:", subject) else f"Re: {subject}".strip()
        message["Date"] = format_datetime(self.clock())
        message["Message-ID"] = self.reply_id(key)
        message["In-Reply-To"] = parent
        # RFC 5322 section 3.6.4: the parent's References plus the parent; keep it short.
        message["References"] = " ".join((original.references + [parent])[-10:])
        message.set_content(text)
        return message

    async def reply(self, parent_external_id: str, text: str, idempotency_key: str) -> SentReply:
        """E-mail `text` to the sender of `parent_external_id` over SMTP (filing is `file_reply`)."""
        headers = await asyncio.to_thread(self._session, lambda imap: self._parent_headers(imap, parent_external_id))
        message = self._compose(headers, parent_external_id, text, idempotency_key)
        await smtp_send.send(
            message, self.smtp_url, user=self.smtp_user, password=self.smtp_password, bearer=self.bearer,
            policy=self.policy, timeout=self.timeout,
        )
        self._outgoing[idempotency_key] = message  # filed as sent, not composed again
        return SentReply(external_id=str(message["Message-ID"]))

    async def file_reply(self, parent_external_id: str, text: str, idempotency_key: str, sent: SentReply) -> None:
        """File a reply the SMTP server accepted in the Sent folder, once."""
        message = self._outgoing.pop(idempotency_key, None)
        wanted = self.reply_id(idempotency_key)

        def file(imap: imaplib.IMAP4) -> None:
            if self._find(imap, self.sent_folder, wanted):
                return  # an earlier worker filed it before dying
            composed = message or self._compose(
                self._parent_headers(imap, parent_external_id), parent_external_id, text, idempotency_key
            )
            raw = composed.as_bytes(policy=composed.policy.clone(linesep="\r\n"))
            imap_wire.check(imap.append(_quote(self.sent_folder), r"(\Seen)", None, raw), "append")

        await asyncio.to_thread(self._session, file)

    async def find_reply(self, parent_external_id: str, idempotency_key: str, text: str) -> SentReply | None:
        """Look in the Sent folder for the Message-ID this idempotency key gives our reply."""
        wanted = self.reply_id(idempotency_key)
        found = await asyncio.to_thread(self._session, lambda imap: self._find(imap, self.sent_folder, wanted))
        return SentReply(external_id=wanted) if found else None


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
