"""A review's star rating (1 to 5) read with its text.

Many reviews are stars alone: one star and no word is a customer as unhappy as a written
complaint, and the business answers it ("Désolés de votre expérience, écrivez-nous…"). The text
reading knows nothing of the stars, so the rating decides the sentiment when the text has no
words, and one or two stars always add `low_rating` (points and a reason staff read) unless the
business has answered already.
"""

from __future__ import annotations

from dataclasses import replace

from . import priority
from .types import Document, Result

# (sentiment, polarity) of a review whose text says nothing.
_READING = {1: ("negative", -0.8), 2: ("negative", -0.5), 3: ("neutral", 0.0), 4: ("positive", 0.5), 5: ("positive", 0.8)}
LOW = 2  # this many stars or fewer: an unhappy customer
_LOW_POINTS = 10  # above an ordinary written complaint of the same tone, below an urgent matter


def stars(value: object) -> int | None:
    """A rating as 1..5, None for anything else (a missing or malformed rating)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 1 <= number <= 5 else None


def _wordless(text: str) -> bool:
    return not any(ch.isalnum() for ch in text or "")


def rated(result: Result, doc: Document, rating: object) -> Result:
    """The text's reading of `doc` with the review's stars taken into account."""
    n = stars(rating)
    if n is None or result.spam:
        return result
    if _wordless(doc.text):
        sentiment, polarity = _READING[n]
        rank, reasons = priority.score(
            sentiment=sentiment, polarity=polarity, urgent={}, question=False, followers=doc.followers,
            already_replied=doc.already_replied, age_seconds=doc.age_seconds,
            response_target_seconds=doc.response_target_seconds, spam=False)
        result = replace(result, sentiment=sentiment, polarity=polarity, priority=rank, reasons=reasons,
                         evidence=[*result.evidence, f"stars:{n}"][:20])
    if n <= LOW and not doc.already_replied:
        reasons = list(result.reasons)
        # Right after the tone's own reason: the stars explain it, the delay comes after.
        at = next((i + 1 for i, r in enumerate(reasons) if r in ("negative", "very_negative")), 0)
        reasons.insert(at, "low_rating")
        result = replace(result, priority=min(100, result.priority + _LOW_POINTS), reasons=reasons)
    return result
