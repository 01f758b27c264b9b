"""What the inbox draws beside an item: its priority in words, the author's initials and the
colour of their avatar. Computed once here so the page and the live stream (JSON) agree."""

from __future__ import annotations

import unicodedata
import zlib

# Priority is 0-100 (nlp/priority.py); staff read a word. An urgent matter (safety, legal,
# refund...) is "urgent" as soon as it is at least high: once answered its score drops, and so does the word.
URGENT_FROM = 75
HIGH_FROM = 50
NORMAL_FROM = 25
AVATAR_COLOURS = 8  # .av-0 ... .av-7 in static/style.css, each dark enough for white text (AA)


def priority_level(priority: int, reason_codes: list[str] | None = None) -> str:
    """urgent, high, normal or low."""
    urgent_reason = any(str(code).startswith("urgent:") for code in reason_codes or [])
    if priority >= URGENT_FROM or (urgent_reason and priority >= HIGH_FROM):
        return "urgent"
    if priority >= HIGH_FROM:
        return "high"
    if priority >= NORMAL_FROM:
        return "normal"
    return "low"


def initials(name: str) -> str:
    """Up to two capital letters from a person's name or handle ("Marie-Ève Roy" -> "MR"); "?" without letters."""
    words = [w for w in unicodedata.normalize("NFC", name or "").replace("@", " ").replace("_", " ").split() if w]
    letters = [next((c for c in w if c.isalpha()), "") for w in words]
    letters = [c for c in letters if c]
    if not letters:
        return "?"
    picked = letters[0] + (letters[-1] if len(letters) > 1 else "")
    return picked.upper()


def avatar_colour(name: str) -> int:
    """A stable colour index for a name, so one person keeps one colour across the inbox."""
    return zlib.crc32((name or "").encode("utf-8")) % AVATAR_COLOURS
