"""Why a reply is waiting or failed, as codes with one English sentence each.

The worker stores the code (`replies.error_code`), the platform's own words when it gave some
(`error_detail`, never translated: they are the platform's), and the English sentence
(`error`, for operators reading the table). The interface shows the sentence of the code in the
reader's language: each one below is a msgid of web/locale's catalogues.
"""

from __future__ import annotations

REASONS: dict[str, str] = {
    "no_replies": "{platform} does not take replies from Jasette: answer on {platform} itself",
    "no_moderation": "{platform} does not let Jasette hide comments: moderate on {platform} itself",
    "refused": "{platform} refused: {detail}",
    "reauth": "{platform} refused the token: reconnect the account",
    "rate_limited": "{platform} asked Jasette to slow down",
    "unreachable": "{platform} could not be reached or answered with an error",
    "unexpected": "Jasette met an unexpected error while sending to {platform}",
    "unconfirmed": "Jasette could not confirm whether this reply was posted: check on the platform before retrying",
    "not_confirmed": "The platform did not confirm the reply; Jasette will check before sending again",
    "account_removed": "The account this item came from was removed: reconnect it to reply",
    "unknown_platform": "This version of Jasette cannot send to {platform}",
    "credentials_unreadable": "The saved {platform} credentials cannot be read: reconnect the account",
}

# Reasons after which the reply may already be on the platform: it is in doubt until looked for.
IN_DOUBT = frozenset({"not_confirmed"})


def sentence(code: str, platform: str, detail: str | None = None) -> str:
    """The English sentence of a reason, with the platform's name and its own words filled in."""
    return REASONS[code].format(platform=platform, detail=detail or "")
