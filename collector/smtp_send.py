"""Sending one reply over the account's own SMTP server, kept apart from collector/imap.py
(which reads the mailbox and files what was sent): the connection goes only to an address the
network policy allows, and each refusal of the server becomes the collector error that says
what to do next (log in again, an administrator's setting, wait, or give up on this reply).
"""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from urllib.parse import urlsplit

import aiosmtplib

from collector.base import AuthFailed, FetchFailed, PermissionMissing, RateLimited, Refused
from inbox import netguard


async def send(
    message: EmailMessage, smtp_url: str, *, user: str, password: str, bearer: str | None,
    policy: netguard.Policy, timeout: float,
) -> None:
    """Send `message` through the account's SMTP server (smtp:// with STARTTLS or smtps://), over a
    connection to an address the network policy allows, logging in with the password or the
    OAuth bearer token (XOAUTH2); the server's refusals become the collector's errors."""
    url = urlsplit(smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise Refused(f"no smtp:// or smtps:// address in the account's settings ({smtp_url!r})")
    implicit = url.scheme == "smtps"
    try:
        # Connect to the checked address ourselves; aiosmtplib keeps the name for TLS.
        sock = await asyncio.to_thread(netguard.connect, url.hostname, url.port or (465 if implicit else 587),
                                       policy, timeout)
    except netguard.AddressNotAllowed as exc:
        raise FetchFailed(f"SMTP {url.hostname}: {netguard.NOT_ALLOWED}") from exc
    except OSError as exc:
        raise FetchFailed(f"SMTP: {exc!r}") from exc
    try:
        if bearer is not None:
            token = bearer

            async def token_now() -> str:
                return token

            # AUTH XOAUTH2 (RFC 4954 with Google's and Microsoft's SASL string); on a refused
            # token Gmail sends a JSON challenge first, answered with an empty line by aiosmtplib.
            await aiosmtplib.send(message, hostname=url.hostname, sock=sock, use_tls=implicit,
                                  username=user, oauth_token_generator=token_now, timeout=timeout)
        else:
            await aiosmtplib.send(
                message, hostname=url.hostname, sock=sock, use_tls=implicit,
                username=user, password=password, timeout=timeout,
            )
    except aiosmtplib.SMTPAuthenticationError as exc:
        if "5.7.139" in exc.message:
            # Microsoft 365 with authenticated SMTP off for the mailbox or the tenant: no token
            # fixes that, an administrator must allow it; reading the mailbox goes on.
            raise PermissionMissing(f"SMTP {exc.code} {exc.message}") from exc
        raise AuthFailed(f"SMTP login refused: {exc.code} {exc.message}") from exc
    except aiosmtplib.SMTPRecipientsRefused as exc:
        raise Refused(f"SMTP refused the recipient: {exc}") from exc
    except aiosmtplib.SMTPResponseException as exc:
        # Providers word their sending limits as 4.7.0 "try again later" or 5.4.5 "limit exceeded".
        said = exc.message.lower()
        if "limit" in said or "4.7.0" in said or "5.4.5" in said:
            raise RateLimited(f"SMTP {exc.code} {exc.message}") from exc
        if exc.code >= 500:
            raise Refused(f"SMTP {exc.code} {exc.message}") from exc
        raise FetchFailed(f"SMTP {exc.code} {exc.message}") from exc
    except aiosmtplib.SMTPException as exc:
        if "XOAUTH2" in str(exc):
            raise Refused(f"the SMTP server {url.hostname} does not take OAuth (XOAUTH2) logins") from exc
        raise FetchFailed(f"SMTP: {exc!r}") from exc
    except (OSError, TimeoutError) as exc:
        raise FetchFailed(f"SMTP: {exc!r}") from exc
