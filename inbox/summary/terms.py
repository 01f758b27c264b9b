"""Most frequent terms of a few texts, in Python (alerts) — the weekly summary does it in SQL."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from inbox.summary.stopwords import STOP_WORDS

# Letters (accents included) and inner apostrophes/hyphens; digits and URLs are not terms.
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_ELISION = re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)'", re.IGNORECASE)


def words(text: str) -> list[str]:
    """Lower-cased words of a text without French elisions (l', d', qu'...)."""
    out = []
    for match in _WORD.finditer(text.replace("’", "'").lower()):
        word = _ELISION.sub("", match.group(0))
        if len(word) >= 3 and word not in STOP_WORDS:
            out.append(word)
    return out


def top_terms(texts: Iterable[str], limit: int = 8) -> list[str]:
    """Terms found in the most texts (each text counts a term once), ties by alphabet."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(set(words(text)))
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [term for term, _ in ranked[:limit]]
