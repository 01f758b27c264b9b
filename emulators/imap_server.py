"""A small IMAP4rev1 server (RFC 3501) on asyncio streams, over in-memory mailboxes.

It speaks the subset a mail client such as Python's imaplib uses to read and file mail:
CAPABILITY, LOGIN, AUTHENTICATE XOAUTH2 (when given a checker: emulators/mail_oauth.py),
SELECT/EXAMINE, UID SEARCH (ALL, UID set, SINCE, BEFORE, HEADER),
UID FETCH (UID, FLAGS, INTERNALDATE, RFC822.SIZE, RFC822, RFC822.HEADER, BODY[...] and
BODY.PEEK[...] with HEADER/TEXT sections and <origin.count> partials), APPEND (with the
UIDPLUS APPENDUID code), NOOP, CHECK, CLOSE and LOGOUT. Literals are read as RFC 3501
section 4.3 says, with a "+" continuation. Faults are decided once per connection by `gate`.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulators.imap_search import MONTHS, criterion, header_of, uid_set
from emulators.line_server import LineServer
from emulators.mail_oauth import Xoauth2Check, error_challenge

MAX_LITERAL = 64 * 2**20


@dataclass
class StoredMessage:
    """One message in a mailbox."""

    uid: int
    raw: bytes
    internaldate: datetime
    flags: set[str] = field(default_factory=set)


@dataclass
class Mailbox:
    """One folder: its UIDVALIDITY, next UID and messages in UID order."""

    name: str
    uidvalidity: int
    messages: list[StoredMessage] = field(default_factory=list)
    uidnext: int = 1

    def append(self, raw: bytes, internaldate: datetime, flags: set[str] | None = None) -> int:
        """Store a message; return its UID."""
        uid = self.uidnext
        self.uidnext += 1
        self.messages.append(StoredMessage(uid, raw, internaldate, set(flags or ())))
        return uid

    def rebuild(self) -> None:
        """Renumber from 1 under a new UIDVALIDITY, as a server does after restoring a folder."""
        self.uidvalidity += 1
        for index, message in enumerate(self.messages, start=1):
            message.uid = index
        self.uidnext = len(self.messages) + 1


def imap_date(moment: datetime) -> str:
    """RFC 3501 date-time ("18-Nov-2026 10:02:00 -0500"), free of the process locale."""
    offset = moment.utcoffset() or (moment - moment)
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return (
        f"{moment.day:02d}-{MONTHS[moment.month - 1]}-{moment.year} {moment:%H:%M:%S} "
        f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    )


_TOKEN = re.compile(rb'\s*(?:"((?:[^"\\]|\\.)*)"|(\((?:[^()]|\([^()]*\))*\))|(\x00\d+\x00)|([^\s()"]+(?:\[[^\]]*\])?\S*))')


def tokens(text: bytes, literals: list[bytes]) -> list[bytes]:
    """Split command arguments: quoted strings unquoted, lists kept whole, literals put back."""
    out, pos = [], 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            break
        quoted, group, literal, atom = match.groups()
        if quoted is not None:
            out.append(re.sub(rb"\\(.)", rb"\1", quoted))
        elif literal is not None:
            out.append(literals[int(literal.strip(b"\x00"))])
        else:
            out.append(group or atom)
        pos = match.end()
    return out


_SECTION = re.compile(rb"(BODY(?:\.PEEK)?)\[([A-Z0-9.]*)\](?:<(\d+)\.(\d+)>)?|(RFC822(?:\.SIZE|\.HEADER)?|UID|FLAGS|INTERNALDATE)", re.IGNORECASE)


class ImapServer(LineServer):
    """Serves `mailboxes` to one user; `gate()` names the fault (or None) for each connection."""

    def __init__(self, mailboxes: dict[str, Mailbox], user: str, password: str, gate: Callable[[], Any],
                 xoauth2: Xoauth2Check | None = None) -> None:
        super().__init__()
        self.mailboxes, self.user, self.password, self.gate = mailboxes, user, password, gate
        self.xoauth2 = xoauth2
        self.capabilities = xoauth2.flavour.imap_capabilities if xoauth2 else "IMAP4rev1 UIDPLUS"
        self.stalled_appends = 0  # APPENDs still to hold unanswered (a filing that stalls)

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _Session(self, reader, writer, self.gate()).run()


class _Session:
    def __init__(self, server: ImapServer, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: Any) -> None:
        self.server, self.reader, self.writer, self.fault = server, reader, writer, fault
        self.user: str | None = None
        self.box: Mailbox | None = None
        self.readonly = False

    def send(self, line: str | bytes) -> None:
        self.writer.write((line.encode() if isinstance(line, str) else line) + b"\r\n")

    async def run(self) -> None:
        mode = self.fault.mode if self.fault else None
        if mode == "timeout":
            await self.reader.read()  # never greet; hold the connection until the client gives up
            return
        if mode == "slow":
            await asyncio.sleep(self.fault.delay)
        if mode == "server_error":
            self.send("* BYE [UNAVAILABLE] Temporary system failure, try again later")
            await self.writer.drain()
            return
        self.send(f"* OK [CAPABILITY {self.server.capabilities}] Jasette IMAP emulator ready")
        while True:
            await self.writer.drain()
            read = await self._command()
            if read is None:
                return
            tag, name, args = read
            if name == "LOGOUT":
                self.send("* BYE Logging out")
                self.send(f"{tag} OK LOGOUT completed")
                await self.writer.drain()
                return
            if mode == "malformed" and self.user is not None:
                # A proxy or a broken server cutting a response mid-way (section 7.4.2 shape).
                self.writer.write(b"* 1 FETCH (UID 1 BODY[] {4096}\r\nMessage-ID: <trunc")
                await self.writer.drain()
                return
            handler: Callable[[str, list[bytes]], Awaitable[None]] | None = getattr(self, "do_" + name, None)
            if handler is None:
                self.send(f"{tag} BAD Unknown or unsupported command")
                continue
            try:
                await handler(tag, args)
            except (ValueError, IndexError):
                self.send(f"{tag} BAD Invalid arguments")

    async def _command(self) -> tuple[str, str, list[bytes]] | None:
        literals: list[bytes] = []
        text = b""
        while True:
            line = await self.reader.readline()
            if not line:
                return None
            line = line.rstrip(b"\r\n")
            match = re.search(rb"\{(\d+)(\+?)\}$", line)
            if not match:
                text += line
                break
            size = int(match.group(1))
            if size > MAX_LITERAL:
                self.send("* BYE [LIMIT] Literal too large")
                return None
            if not match.group(2):
                self.send("+ Ready for literal data")
                await self.writer.drain()
            literals.append(await self.reader.readexactly(size))
            text += line[: match.start()] + b"\x00%d\x00" % (len(literals) - 1)
        parts = text.split(b" ", 2)
        if len(parts) < 2:
            self.send("* BAD Missing command")
            return ("*", "", []) if parts[0] else None
        tag, name = parts[0].decode("ascii", "replace"), parts[1].decode("ascii", "replace").upper()
        rest = parts[2] if len(parts) > 2 else b""
        if name == "UID":
            sub, _, rest = rest.partition(b" ")
            name = "UID_" + sub.decode("ascii", "replace").upper()
        if not self.user and name not in ("CAPABILITY", "LOGIN", "AUTHENTICATE", "NOOP", "LOGOUT"):
            self.send(f"{tag} BAD Log in first")
            return tag, "", []
        args = tokens(rest, literals) if not name.endswith("FETCH") else [rest]
        return tag, name, args

    # -- commands --------------------------------------------------------------------------------
    async def do_(self, tag: str, args: list[bytes]) -> None:
        return None  # an answer was already sent while reading the command

    async def do_CAPABILITY(self, tag: str, args: list[bytes]) -> None:
        self.send(f"* CAPABILITY {self.server.capabilities}")
        self.send(f"{tag} OK CAPABILITY completed")

    async def do_NOOP(self, tag: str, args: list[bytes]) -> None:
        self.send(f"{tag} OK NOOP completed")

    async def do_CHECK(self, tag: str, args: list[bytes]) -> None:
        self.send(f"{tag} OK CHECK completed")

    async def do_CLOSE(self, tag: str, args: list[bytes]) -> None:
        self.box = None
        self.send(f"{tag} OK CLOSE completed")

    async def do_LOGIN(self, tag: str, args: list[bytes]) -> None:
        user, password = (a.decode("utf-8", "replace") for a in args[:2])
        mode = self.fault.mode if self.fault else None
        if mode in ("rate_limit", "quota"):
            # Gmail's words for its per-account bandwidth and connection limits (RFC 5530 LIMIT).
            self.send(f"{tag} NO [LIMIT] Account exceeded command or bandwidth limits")
        elif mode == "expired_token" or (user, password) != (self.server.user, self.server.password):
            self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)")
        else:
            self.user = user
            self.send(f"{tag} OK [CAPABILITY IMAP4rev1 UIDPLUS] {user} authenticated (Success)")

    async def do_AUTHENTICATE(self, tag: str, args: list[bytes]) -> None:
        check = self.server.xoauth2
        if check is None or not args or args[0].upper() != b"XOAUTH2":
            self.send(f"{tag} NO [CANNOT] Unsupported authentication mechanism")
            return
        if len(args) > 1:
            blob = args[1].decode("ascii", "replace")  # SASL-IR (RFC 4959)
        else:
            self.send("+ ")
            await self.writer.drain()
            blob = (await self.reader.readline()).decode("ascii", "replace").strip()
        mode = self.fault.mode if self.fault else None
        if mode in ("rate_limit", "quota"):
            self.send(f"{tag} NO [LIMIT] Account exceeded command or bandwidth limits")
        elif mode != "expired_token" and check.accepts(blob, "imap"):
            self.user = self.server.user
            self.send(f"{tag} OK [CAPABILITY {self.server.capabilities}] {self.user} authenticated (Success)")
        else:
            if check.flavour.challenge:
                self.send("+ " + error_challenge(check.flavour))
                await self.writer.drain()
                await self.reader.readline()  # the client's empty answer
            self.send(f"{tag} {check.flavour.imap_refusal}")

    async def do_SELECT(self, tag: str, args: list[bytes], readonly: bool = False) -> None:
        box = self.server.mailboxes.get(self._mailbox_name(args[0]))
        if box is None:
            self.box = None
            self.send(f"{tag} NO [NONEXISTENT] Unknown Mailbox: {args[0].decode('utf-8', 'replace')}")
            return
        self.box, self.readonly = box, readonly
        self.send(r"* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)")
        self.send(f"* {len(box.messages)} EXISTS")
        self.send("* 0 RECENT")
        self.send(f"* OK [UIDVALIDITY {box.uidvalidity}] UIDs valid")
        self.send(f"* OK [UIDNEXT {box.uidnext}] Predicted next UID")
        self.send(f"{tag} OK [{'READ-ONLY' if readonly else 'READ-WRITE'}] {'EXAMINE' if readonly else 'SELECT'} completed")

    async def do_EXAMINE(self, tag: str, args: list[bytes]) -> None:
        await self.do_SELECT(tag, args, readonly=True)

    def _mailbox_name(self, raw: bytes) -> str:
        name = raw.decode("utf-8", "replace")
        return "INBOX" if name.upper() == "INBOX" else name  # INBOX is case-insensitive (5.1)

    def _selected(self, tag: str) -> Mailbox | None:
        if self.box is None:
            self.send(f"{tag} BAD No mailbox selected")
        return self.box

    async def do_UID_SEARCH(self, tag: str, args: list[bytes]) -> None:
        box = self._selected(tag)
        if box is None:
            return
        largest = box.messages[-1].uid if box.messages else 0
        tests: list[Callable[[StoredMessage], bool]] = []
        words = [a.decode("utf-8", "replace") for a in args]
        index = 0
        while index < len(words):
            try:
                test, index = criterion(words, index, largest)
            except LookupError:
                self.send(f"{tag} BAD Unsupported search key {words[index].upper()}")
                return
            tests.append(test)
        found = [str(m.uid) for m in box.messages if all(test(m) for test in tests)]
        self.send("* SEARCH" + "".join(" " + uid for uid in found))
        self.send(f"{tag} OK SEARCH completed")

    async def do_UID_FETCH(self, tag: str, args: list[bytes]) -> None:
        box = self._selected(tag)
        if box is None:
            return
        spec, _, items = args[0].partition(b" ")
        wanted = _SECTION.findall(items.strip().strip(b"()"))
        if not wanted:
            raise ValueError("no fetch items")
        largest = box.messages[-1].uid if box.messages else 0
        match = uid_set(spec.decode("ascii"), largest)
        for seq, message in enumerate(box.messages, start=1):
            if match(message.uid):
                self.writer.write(b"* %d FETCH (" % seq + self._fetch_items(message, wanted) + b")\r\n")
                await self.writer.drain()
        self.send(f"{tag} OK FETCH completed")

    def _fetch_items(self, message: StoredMessage, wanted: list[tuple[bytes, ...]]) -> bytes:
        parts = [b"UID %d" % message.uid]  # always sent in answer to UID FETCH (6.4.8)
        for body, section, origin, count, simple in wanted:
            simple = simple.upper()
            if simple == b"UID":
                continue
            if simple == b"FLAGS":
                parts.append(b"FLAGS (" + " ".join(sorted(message.flags)).encode() + b")")
            elif simple == b"INTERNALDATE":
                parts.append(b'INTERNALDATE "' + imap_date(message.internaldate).encode() + b'"')
            elif simple == b"RFC822.SIZE":
                parts.append(b"RFC822.SIZE %d" % len(message.raw))
            elif simple in (b"RFC822", b"RFC822.HEADER"):
                data = message.raw if simple == b"RFC822" else header_of(message.raw)
                parts.append(simple + b" {%d}\r\n" % len(data) + data)
                self._mark_seen(message, simple == b"RFC822")
            else:
                section = section.upper()
                head = header_of(message.raw)
                sections = {b"": message.raw, b"HEADER": head, b"TEXT": message.raw[len(head) :]}
                if section not in sections:
                    raise ValueError(f"unsupported section {section!r}")
                data = sections[section]
                label = b"BODY[" + section + b"]"
                if origin:
                    data = data[int(origin) : int(origin) + int(count)]
                    label += b"<" + origin + b">"
                parts.append(label + b" {%d}\r\n" % len(data) + data)
                self._mark_seen(message, body.upper() == b"BODY")
        return b" ".join(parts)

    def _mark_seen(self, message: StoredMessage, seen: bool) -> None:
        if seen and not self.readonly:
            message.flags.add("\\Seen")

    async def do_APPEND(self, tag: str, args: list[bytes]) -> None:
        if self.server.stalled_appends > 0:
            self.server.stalled_appends -= 1
            await self.reader.read()  # never answer: the client's time limit ends it
            return
        box = self.server.mailboxes.get(self._mailbox_name(args[0]))
        if box is None:
            self.send(f"{tag} NO [TRYCREATE] No such mailbox")
            return
        flags: set[str] = set()
        moment = datetime.now(UTC)
        for arg in args[1:-1]:
            if arg.startswith(b"("):
                flags = set(arg.strip(b"()").decode().split())
            else:
                moment = datetime.strptime(arg.decode(), "%d-%b-%Y %H:%M:%S %z")
        uid = box.append(args[-1], moment, flags)
        self.send(f"{tag} OK [APPENDUID {box.uidvalidity} {uid}] APPEND completed")
