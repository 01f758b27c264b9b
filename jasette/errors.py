"""Which exceptions are a user's mistake, and the one line that tells them what to do."""

from __future__ import annotations


class UserError(Exception):
    """A mistake the user can fix; the message says how."""


def explain(exc: BaseException) -> str | None:
    """The one-line explanation of a known user-facing error, or None for a real bug."""
    from collector.registry import UnknownPlatform
    from inbox.credentials import CredentialsUnreadable, SecretKeyMissing
    from inbox.db import DatabaseUnavailable
    from web.settings import SettingError

    if isinstance(exc, SecretKeyMissing):
        return f"{exc}. Set it, e.g. export JASETTE_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
    if isinstance(exc, DatabaseUnavailable):
        return f"{exc}. Check DATABASE_URL, or unset it to use the embedded database."
    if isinstance(exc, (UserError, SettingError, UnknownPlatform, CredentialsUnreadable)):
        return str(exc)
    return None
