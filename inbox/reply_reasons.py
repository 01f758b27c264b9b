"""Why a reply is waiting or failed, as codes with one English sentence each.

The worker stores the code (`replies.error_code`), the platform's own words when it gave some
(`error_detail`, never translated: they are the platform's), and the English sentence
(`error`, for operators reading the table). The interface shows the sentence of the code in the
reader's language: each one below is a msgid of web/locale's catalogues.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "no_replies": "{name} does not take replies from Jasette: answer on {name} itself",
    "no_moderation": "{name} does not let Jasette hide comments: moderate on {name} itself",
    "refused": "{name} refused: {reason}",
    "reauth": "{name} refused the token: reconnect the account",
    "rate_limited": "{name} asked Jasette to slow down",
    "unreachable": "{name} could not be reached or answered with an error",
    "unexpected": "Jasette met an unexpected error while sending to {name}",
    "unconfirmed": "Jasette could not confirm whether this reply was posted: check on the platform before retrying",
    "not_confirmed": "The platform did not confirm the reply; Jasette will check before sending again",
    "account_removed": "The account this item came from was removed: reconnect it to reply",
    "unknown_platform": "This version of Jasette cannot send to {name}",
    "credentials_unreadable": "The saved {name} credentials cannot be read: reconnect the account",
    "renew_refused": "{name} refused to renew the connection: reconnect the account",
    "renew_unreachable": "{name} could not be reached to renew the connection",
}

# Reasons after which the reply may already be on the platform: it is in doubt until looked for.
IN_DOUBT = frozenset({"not_confirmed"})


def sentence(code: str, platform: str, detail: str | None = None) -> str:
    """The English sentence of a reason, with the platform's name and its own words filled in."""
    return REASONS[code].format(name=platform, reason=detail or "")
