"""The mail emulator's SMTP side: a submission server (RFC 5321, AUTH RFC 4954) on asyncio
streams that keeps every message it accepts; faults are decided once per connection."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any, Protocol

from emulators.base import Fault
from emulators.line_server import LineServer
from emulators.mail_oauth import Xoauth2Check, error_challenge


class MailHost(Protocol):
    """What the SMTP server needs of the mail emulator."""

    token: str

    def take_connection_fault(self, protocol: str) -> Fault | None: ...

    def received(self, sender: str, rcpts: list[str], raw: bytes) -> None: ...


class SmtpReceiver(LineServer):
    """A message submission server (RFC 5321 + AUTH PLAIN/LOGIN/XOAUTH2, RFC 4954) that keeps what it gets."""

    def __init__(self, emulator: MailHost, address: str, xoauth2: Xoauth2Check) -> None:
        super().__init__()
        self.emulator, self.address, self.xoauth2 = emulator, address, xoauth2
        self.auth_disabled = False  # authenticated SMTP turned off for the mailbox (Microsoft 365's switch)

    async def session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._session(reader, writer, self.emulator.take_connection_fault("smtp"))

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, fault: Fault | None) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        mode = fault.mode if fault else None
        if mode == "timeout":
            await reader.read()
            return
        if mode == "slow":
            await asyncio.sleep(fault.delay if fault else 0)
        if mode == "server_error":
            say("421 4.3.2 Service not available, closing transmission channel")
            await writer.drain()
            return
        if mode == "malformed":
            # Not SMTP at all: a web proxy or a TLS-only port answering a plain connection.
            writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
            await writer.drain()
            return
        say("220 mail.cafe-du-plateau.example ESMTP Jasette emulator")
        authed, sender, rcpts = False, "", list[str]()
        while True:
            await writer.drain()
            line = await reader.readline()
            if not line:
                return
            verb, _, arg = line.decode("utf-8", "replace").strip().partition(" ")
            verb = verb.upper()
            if verb in ("EHLO", "HELO"):
                say("250-mail.cafe-du-plateau.example" if verb == "EHLO" else "250 mail.cafe-du-plateau.example")
                if verb == "EHLO":
                    say(f"250-{self.xoauth2.flavour.smtp_auth}")
                    say("250-8BITMIME")
                    say("250 SIZE 52428800")
            elif verb == "AUTH":
                authed = await self._auth(arg, reader, say, writer, mode)
            elif verb == "MAIL":
                if not authed:
                    say("530 5.7.0 Authentication Required")
                elif mode == "quota":
                    say("550 5.4.5 Daily user sending limit exceeded")
                elif mode == "rate_limit":
                    say("421 4.7.0 Try again later, closing connection")
                    await writer.drain()
                    return
                else:
                    sender, rcpts = _path(arg), []
                    say("250 2.1.0 OK")
            elif verb == "RCPT":
                if not sender:
                    say("503 5.5.1 MAIL first")
                else:
                    rcpts.append(_path(arg))
                    say("250 2.1.5 OK")
            elif verb == "DATA":
                if not rcpts:
                    say("503 5.5.1 RCPT first")
                    continue
                say("354 Go ahead")
                await writer.drain()
                raw = await _read_data(reader)
                self.emulator.received(sender, rcpts, raw)
                sender, rcpts = "", []
                say("250 2.0.0 OK queued")
            elif verb == "RSET":
                sender, rcpts = "", []
                say("250 2.0.0 OK")
            elif verb == "NOOP":
                say("250 2.0.0 OK")
            elif verb == "QUIT":
                say("221 2.0.0 closing connection")
                await writer.drain()
                return
            else:
                say("502 5.5.1 Unrecognized command")

    async def _auth(self, arg: str, reader: asyncio.StreamReader, say: Any, writer: asyncio.StreamWriter, mode: str | None) -> bool:
        method, _, initial = arg.partition(" ")

        async def ask(prompt: str) -> str:
            say("334 " + prompt)
            await writer.drain()
            return (await reader.readline()).decode("ascii", "replace").strip()

        if self.auth_disabled:
            # learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/authenticated-client-smtp-submission
            say("535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. "
                "Visit https://aka.ms/smtp_auth_disabled for more information.")
            return False
        try:
            if method.upper() == "PLAIN":
                blob = initial or await ask("")
                _, user, password = base64.b64decode(blob).decode("utf-8").split("\0")
            elif method.upper() == "LOGIN":
                user = base64.b64decode(initial or await ask("VXNlcm5hbWU6")).decode("utf-8")
                password = base64.b64decode(await ask("UGFzc3dvcmQ6")).decode("utf-8")
            elif method.upper() == "XOAUTH2":
                return await self._xoauth2(initial or await ask(""), ask, say, mode)
            else:
                say("504 5.5.4 Unrecognized authentication type")
                return False
        except (ValueError, UnicodeDecodeError):
            say("501 5.5.2 Cannot decode response")
            return False
        if mode == "expired_token" or (user, password) != (self.address, self.emulator.token):
            say("535 5.7.8 Username and Password not accepted")
            return False
        say("235 2.7.0 Accepted")
        return True


    async def _xoauth2(self, blob: str, ask: Any, say: Any, mode: str | None) -> bool:
        if mode != "expired_token" and self.xoauth2.accepts(blob, "smtp"):
            say("235 2.7.0 Accepted")
            return True
        if self.xoauth2.flavour.challenge:
            await ask(error_challenge(self.xoauth2.flavour))  # the client answers with an empty line
        say(self.xoauth2.flavour.smtp_refusal)
        return False


def _path(arg: str) -> str:
    match = re.search(r"<([^>]*)>", arg)
    return match.group(1) if match else arg.partition(":")[2].strip()


async def _read_data(reader: asyncio.StreamReader) -> bytes:
    lines = []
    while True:
        line = await reader.readline()
        if not line or line in (b".\r\n", b".\n"):
            break
        lines.append(line[1:] if line.startswith(b".") else line)  # dot-unstuffing (4.5.2)
    return b"".join(lines)
