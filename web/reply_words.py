"""A reply's state in words (issue 17): what happened to it, in the reader's language.

The outbox keeps a machine state (queued, sending, sent, failed); people need to know more:
whether Jasette is waiting to try again and why, whether a send is in doubt and being checked on
the platform, whether a reply was found there after a crash rather than sent again. `phase`
names that in one word for programs; `words` says it for people.
"""

from __future__ import annotations

from typing import Any

from inbox import reply_reasons
from web import i18n

# phase -> the words shown: msgids of web/locale's catalogues, keyed apart from the plain state
# names (French agrees them with "réponse"; English drops the prefix).
PHASES = {
    "queued": "reply state: queued",
    "retrying": "reply state: will try again — {reason}",
    "in_doubt": "reply state: delivery uncertain — checking on the platform",
    "sending": "reply state: sending",
    "sent": "reply state: sent",
    "done": "reply state: done on the platform",
    "found": "reply state: found on the platform, not sent again",
    "failed": "reply state: failed — {reason}",
}


def phase(row: dict[str, Any]) -> str:
    """One of PHASES for an outbox row."""
    state, outcome = row["state"], row.get("outcome")
    if state == "failed":
        return "failed"
    if state == "sent":
        if outcome == "found":
            return "found"
        return "sent" if row["action"] == "reply" else "done"
    if outcome == "in_doubt" and row.get("delivered_at") is None:
        return "in_doubt"
    if state == "sending":
        return "sending"
    return "retrying" if row.get("error") else "queued"


def reason(row: dict[str, Any], lang: str) -> str:
    """Why the row waits or failed, in `lang` (the platform's own words stay as it gave them)."""
    code = row.get("error_code")
    if row["state"] == "failed" and row.get("outcome") == "in_doubt" and row.get("delivered_at") is None:
        # Attempts ran out while still uncertain: "will check before sending again" no longer holds.
        code = "unconfirmed"
    if code in reply_reasons.REASONS:
        name = i18n.platform_name(row["platform"], lang) if row.get("platform") else ""
        return i18n.gettext(reply_reasons.REASONS[code], lang, name=name, reason=row.get("error_detail") or "")
    return str(row.get("error") or "")  # a row written before reasons had codes: its English words


def words(row: dict[str, Any], lang: str) -> str:
    """The row's state as a person reads it, e.g. "envoi incertain — vérification sur la plateforme"."""
    name = phase(row)
    if name in ("retrying", "failed"):
        return i18n.gettext(PHASES[name], lang, reason=reason(row, lang))
    return i18n.gettext(PHASES[name], lang)
