"""How often a connection is polled, as Settings → Connexions offers and checks it: a few usual
choices in words, and the command line's bounds (inbox.accounts.MIN/MAX_POLL_INTERVAL)."""

from __future__ import annotations

from inbox import accounts
from web import i18n
from web.report_range import in_words

_ = i18n.gettext

# 1 min, 5 min, 15 min, 30 min, 1 h: a busy page, a quiet blog and what lies between.
USUAL = (60, 300, 900, 1800, 3600)


def words(seconds: int) -> str:
    """"90 s", "5 min", "1 h" in the reader's language; seconds kept when they are not whole minutes."""
    lang = i18n.current_lang.get()
    if seconds < 3600 and seconds % 60:
        return _("{n} s", lang, n=seconds)
    return in_words(seconds, lang)


def every(seconds: int) -> str:
    """"every minute", "every 5 min", "every hour": French says « chaque minute », not « toutes les 1 min »."""
    if seconds == 60:
        return _("every minute")
    if seconds == 3600:
        return _("every hour")
    return _("every {every}", every=words(seconds))


def choices(current: int) -> list[tuple[int, str]]:
    """The usual intervals and the account's own (set from the command line, say), shortest first."""
    return [(s, every(s)) for s in sorted({*USUAL, current})]


class Refused(ValueError):
    """Not an interval Jasette accepts; the message says which are."""


def checked(typed: str, current: int) -> int:
    """The seconds typed, within the bounds; the current value is always accepted as it is (an
    interval set before these bounds, such as the demo's 5 s, may be saved again unchanged)."""
    text = typed.strip()
    seconds = int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
    if seconds is not None and (seconds == current or accounts.MIN_POLL_INTERVAL <= seconds <= accounts.MAX_POLL_INTERVAL):
        return seconds
    raise Refused(_("Choose how often to check this connection: between {least} and {most}.",
                    least=words(accounts.MIN_POLL_INTERVAL), most=words(accounts.MAX_POLL_INTERVAL)))
