"""E-mail through SMTP (aiosmtplib): the settings, the MIME message, and one send (alerts and summaries)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib


@dataclass(frozen=True)
class SmtpConfig:
    """How to reach the SMTP server; host None means e-mail is off (read from JASETTE_SMTP_* by web.settings)."""

    host: str | None = None
    port: int = 587
    starttls: bool = True
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str = "jasette@localhost"
    timeout: float = 15.0


class EmailError(RuntimeError):
    """The message could not be handed to the SMTP server; the text says why."""


def build(smtp: SmtpConfig, *, to: str, subject: str, text: str, html: str, message_key: str | None = None,
          lang: str = "fr") -> EmailMessage:
    """A multipart/alternative message: plain text first, HTML second."""
    msg = EmailMessage()
    msg["From"] = smtp.sender
    msg["To"] = to
    msg["Subject"] = subject.replace("\n", " ")
    msg["Date"] = formatdate(localtime=False)
    domain = smtp.sender.rpartition("@")[2] or "jasette.local"
    # A stable Message-ID per (alert, address): a resend after a crash is one thread, not two.
    msg["Message-ID"] = f"<{message_key}@{domain}>" if message_key else make_msgid(domain=domain)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    # After the body: set_content drops every Content-* header set before it.
    msg["Content-Language"] = lang
    return msg


async def send(smtp: SmtpConfig, msg: EmailMessage) -> None:
    """Hand one message to the SMTP server; raise EmailError with a readable reason."""
    if not smtp.host:
        raise EmailError("e-mail is off: set JASETTE_SMTP_HOST")
    try:
        await aiosmtplib.send(
            msg, hostname=smtp.host, port=smtp.port, start_tls=smtp.starttls, username=smtp.user,
            password=smtp.password, timeout=smtp.timeout,
        )
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError, aiosmtplib.SMTPTimeoutError) as exc:
        raise EmailError(f"SMTP {smtp.host}:{smtp.port} unreachable: {exc}") from exc
    except aiosmtplib.SMTPException as exc:
        raise EmailError(f"SMTP {smtp.host}:{smtp.port}: {exc}") from exc
    except (OSError, TimeoutError) as exc:
        raise EmailError(f"SMTP {smtp.host}:{smtp.port} unreachable: {exc or type(exc).__name__}") from exc
