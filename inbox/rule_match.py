"""Whether an item meets an automation rule's conditions: plain Python over the item's fields.

Kept apart from the SQL (inbox/rules.py) so the matching is read, tested and changed on its own.
Every condition left empty matches everything; a rule matches when all its conditions do.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

# The condition keys a rule may hold, and their shapes (inbox/rules.py cleans stored JSON to these).
LIST_KEYS = ("platforms", "langs", "sentiments", "reasons", "keywords")


def folded(text: str) -> str:
    """Lower-case text without accents: "Remboursé" and "rembourse" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _word_pattern(keywords: Iterable[str]) -> re.Pattern[str] | None:
    # Whole words (or phrases): "rembourse" does not fire on "remboursement"; inner spaces match
    # any run of spaces so a phrase survives line breaks in a long comment.
    parts = [r"\s+".join(re.escape(w) for w in folded(k).split()) for k in keywords if folded(k).strip()]
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)")


def keyword_hits(text: str, keywords: Iterable[str]) -> bool:
    """True when the text holds one of the keywords as a whole word, accents and case ignored."""
    pattern = _word_pattern(keywords)
    return pattern is not None and pattern.search(folded(text)) is not None


def _reason_hits(reasons: Iterable[str], wanted: Iterable[str]) -> bool:
    # "urgent" stands for every "urgent:…" reason; an exact code stands for itself.
    codes = [str(r) for r in reasons or []]
    return any(c == w or c.startswith(w + ":") for w in wanted for c in codes)


def matches(conditions: Mapping[str, Any], item: Mapping[str, Any]) -> bool:
    """Whether `item` (platform, lang, sentiment, priority, reasons, body, author_name,
    author_handle, spam) meets every condition of the rule."""
    c = conditions
    if c.get("platforms") and item.get("platform") not in c["platforms"]:
        return False
    if c.get("langs") and item.get("lang") not in c["langs"]:
        return False
    if c.get("sentiments") and item.get("sentiment") not in c["sentiments"]:
        return False
    if c.get("min_priority") is not None and int(item.get("priority") or 0) < int(c["min_priority"]):
        return False
    if c.get("reasons") and not _reason_hits(item.get("reasons") or [], c["reasons"]):
        return False
    if c.get("keywords") and not keyword_hits(str(item.get("body") or ""), c["keywords"]):
        return False
    author = folded(str(c.get("author") or "")).strip()
    if author and not any(author in folded(str(item.get(k) or "")) for k in ("author_name", "author_handle")):
        return False
    spam = c.get("spam")
    return spam is None or bool(item.get("spam")) == bool(spam)
