"""Priority 0-100 of an inbox item, and the reason codes that explain it.

Points add up from a neutral base: how negative the comment is, urgent matters (health and
safety above legal, above money and orders), a question waiting for an answer, the author's
reach, and time against the response target. An item the business already answered drops far
down; spam is pinned near zero whatever else it says.
"""

from __future__ import annotations

import math

from .signals import URGENT

_BASE = 20
_SPAM_CEILING = 2
# Where an urgent matter starts, whatever its tone: above the most negative ordinary complaint
# (20 + 40, +5 in capitals), before the question, reach and delay points.
_URGENT_FLOOR = 70


def score(
    *,
    sentiment: str,
    polarity: float,
    urgent: dict[str, str],
    question: bool,
    followers: int | None,
    already_replied: bool,
    age_seconds: float | None,
    response_target_seconds: float,
    spam: bool,
    shouting: bool = False,
    sarcasm: bool = False,
) -> tuple[int, list[str]]:
    """Return (priority 0..100, reason codes, most important first)."""
    if spam:
        return _SPAM_CEILING if not already_replied else 0, ["spam"]
    points = float(_BASE)
    reasons: list[tuple[float, str]] = []
    if sentiment == "negative":
        gained = 15 + 25 * min(1.0, abs(polarity))
        points += gained
        reasons.append((gained, "very_negative" if polarity <= -0.6 else "negative"))
        if shouting:
            points += 5
            reasons.append((5, "shouting"))
        if sarcasm:
            reasons.append((1, "sarcasm"))
    elif sentiment == "positive":
        points -= 5
    for category in urgent:
        gained = URGENT[category][0]
        points += gained
        reasons.append((gained, f"urgent:{category}"))
    if urgent and points < _URGENT_FLOOR:
        # Urgent first even in a neutral tone: "Does the pesto contain peanuts? My son is
        # allergic" (20 + 30) must not wait behind "Cold pasta, disappointing" (20 + 40).
        points = float(_URGENT_FLOOR)
    if question:
        points += 10
        reasons.append((10, "question"))
    if followers and followers >= 1000:
        # Reach matters on a log scale: 1k followers +4, 10k +8, 100k +12, capped at 15.
        gained = min(15.0, 4 * (math.log10(followers) - 2))
        points += gained
        reasons.append((gained, "reach"))
    if age_seconds is not None and response_target_seconds > 0 and not already_replied:
        ratio = age_seconds / response_target_seconds
        if ratio >= 1:
            gained = min(20.0, 10 + 5 * math.log2(ratio))
            points += gained
            reasons.append((gained, "overdue"))
        elif ratio >= 0.5:
            points += 5
            reasons.append((5, "due_soon"))
    if already_replied:
        points = points * 0.4
        reasons.append((-1, "replied"))
    reasons.sort(key=lambda r: -r[0])
    return max(0, min(100, round(points))), [code for _, code in reasons]
