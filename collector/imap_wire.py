"""IMAP on the wire: connections to allowed addresses only, and reading the server's answers."""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from datetime import datetime, timedelta, timezone
from typing import Any

from collector.base import FetchFailed
from collector.mail import MONTHS
from inbox import netguard


def internaldate(meta: bytes) -> datetime | None:
    """The INTERNALDATE of a FETCH answer (when the server received the message), if readable."""
    match = re.search(rb'INTERNALDATE "\s?(\d{1,2})-(\w{3})-(\d{4}) (\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)"', meta)
    if not match:
        return None
    day, month, year, hh, mm, ss, sign, oh, om = (g.decode() for g in match.groups())
    zone = timezone((1 if sign == "+" else -1) * timedelta(hours=int(oh), minutes=int(om)))
    try:
        return datetime(int(year), MONTHS.index(month.capitalize()) + 1, int(day), int(hh), int(mm), int(ss), tzinfo=zone)
    except ValueError:
        return None


def fetched(data: list[Any]) -> list[tuple[int, int, datetime | None, bytes]]:
    """(uid, size, internal date, raw message) of each message in a FETCH answer."""
    # imaplib gives (prefix, literal) tuples, each followed by the rest of that FETCH line; items
    # may come before or after the literal (RFC 3501 section 7.4.2 sets no order).
    out = []
    for index, part in enumerate(data):
        if not isinstance(part, tuple):
            continue
        meta = part[0] + (data[index + 1] if index + 1 < len(data) and isinstance(data[index + 1], bytes) else b"")
        uid = re.search(rb"UID (\d+)", meta)
        size = re.search(rb"RFC822\.SIZE (\d+)", meta)
        if uid:
            out.append((int(uid.group(1)), int(size.group(1)) if size else len(part[1]), internaldate(meta), part[1]))
    return out


class NoXoauth2(Exception):
    """The IMAP server does not offer AUTHENTICATE XOAUTH2 (the address is not Gmail's or Microsoft's?)."""


def xoauth2(user: str, token: str) -> bytes:
    """The SASL XOAUTH2 initial response, before base64: user=…^Aauth=Bearer …^A^A."""
    return f"user={user}\x01auth=Bearer {token}\x01\x01".encode()


def authenticate_xoauth2(imap: imaplib.IMAP4, user: str, token: str) -> None:
    """AUTHENTICATE XOAUTH2 (developers.google.com/gmail/imap/xoauth2-protocol); a refusal raises
    imaplib's error with the server's words and, for Gmail, its decoded JSON challenge."""
    if "AUTH=XOAUTH2" not in imap.capabilities:
        raise NoXoauth2(f"the IMAP server {imap.host} does not take OAuth (XOAUTH2) logins")
    challenges: list[bytes] = []

    def answer(challenge: bytes) -> bytes:
        # The first "+" is empty: send the string. A second one is Gmail's error as JSON
        # ({"status":"400","schemes":"Bearer","scope":…}): an empty line asks for the final NO.
        if challenge:
            challenges.append(challenge)
            return b""
        return xoauth2(user, token)

    try:
        imap.authenticate("XOAUTH2", answer)
    except imaplib.IMAP4.error as exc:
        said = challenges[0].decode("utf-8", "replace")[:200] if challenges else ""
        raise type(exc)(f"{exc} {said}".strip()) from exc


def check(answer: tuple[str, list[Any]], what: str) -> list[Any]:
    """The data of an OK answer; FetchFailed with the server's words otherwise."""
    typ, data = answer
    if typ != "OK":
        text = b" ".join(d for d in data if isinstance(d, bytes))
        raise FetchFailed(f"{what}: {typ} {text[:200]!r}")
    return data


class GuardedImap(imaplib.IMAP4):
    """IMAP over a connection to an address the policy allows."""

    def __init__(self, policy: netguard.Policy, host: str, port: int, timeout: float) -> None:
        self.policy = policy
        super().__init__(host, port, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        return netguard.connect(self.host, self.port, self.policy, timeout)


class GuardedImapSsl(imaplib.IMAP4_SSL):
    """IMAPS over a connection to an address the policy allows; the certificate is checked for the name."""

    def __init__(self, policy: netguard.Policy, host: str, port: int, *, ssl_context: ssl.SSLContext, timeout: float) -> None:
        self.policy = policy
        super().__init__(host, port, ssl_context=ssl_context, timeout=timeout)

    def _create_socket(self, timeout: float | None) -> socket.socket:
        sock = netguard.connect(self.host, self.port, self.policy, timeout)
        context: ssl.SSLContext = self.ssl_context
        return context.wrap_socket(sock, server_hostname=self.host)
