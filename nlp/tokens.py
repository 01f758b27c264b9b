"""Tokens of a social comment: words, emoji, emoticons and punctuation runs, with their surface cues."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import EMOJI_RE, MENTION_RE, URL_RE

_EMOTICON = r"(?:>:\(|</3|<3|:'\(|[:;]-?[)(DPp/|]|\bx[dD]\b|\bX[dD]\b|\^\^|\bD:)"
_TOKEN_RE = re.compile(
    _EMOTICON
    + r"|/s\b"
    + r"|(?:[cdjlmnstCDJLMNST]|[qQ]u)'(?=[^\W\d_])"  # French elisions: j'aime -> j' + aime
    + r"|\b[^\W\d_]+n't\b"  # English contractions stay whole: don't, can't (\b: no quadratic backtracking)
    + r"|[^\W\d_]+(?:-[^\W\d_]+)*"
    + r"|\d+"
    + r"|!+|\?+|\.{2,}|…"
    + "|"
    + EMOJI_RE.pattern
)
_REPEAT_RE = re.compile(r"(\w)\1{2,}")


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its lookup form, and what its surface said (capitals, stretched letters)."""

    norm: str
    caps: bool
    stretched: bool


# Raw token -> its Token: a token's reading depends on its own characters alone (a stretched
# letter in it is one in the comment too), and the same words come back comment after comment.
# Tokens are never changed after they are made, so comments share them. Bounded: every typo is new.
_KNOWN: dict[str, Token | None] = {}
_KNOWN_MAX = 100_000
_JOINERS = ("\ufe0f", "\u200d", "\u20e3")


def _token(raw: str) -> Token | None:
    """Return the Token of one raw match of _TOKEN_RE, or None for an emoji joiner."""
    if raw in _JOINERS:
        return None
    stretched = False
    norm = raw
    if raw[0].isalpha() and _REPEAT_RE.search(raw):
        # "soooo goooood" -> "so good": stretched letters read as emphasis.
        norm = _REPEAT_RE.sub(r"\1", raw)
        stretched = True
    caps = len(raw) > 1 and raw.isupper() and raw.isalpha()
    if not (raw.startswith((":", ";", "<", ">", "^", "x", "X", "D")) and not raw.isalpha()):
        norm = norm.lower()
    if raw in ("xD", "XD", "xd", "Xd"):
        norm = "xD"
    return Token(norm, caps, stretched)


def tokenize(text: str) -> list[Token]:
    """Return the tokens of cleaned text; URLs and @mentions dropped, hashtags kept as words."""
    if "." in text or "www" in text:
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = MENTION_RE.sub(" ", text)
    known = _KNOWN
    if len(known) > _KNOWN_MAX:
        known.clear()
    out: list[Token] = []
    for raw in _TOKEN_RE.findall(text.replace("#", " ")):
        try:
            token = known[raw]
        except KeyError:
            token = known[raw] = _token(raw)
        if token is not None:
            out.append(token)
    return out


def words_of(text: str) -> list[str]:
    """Return the lower-case lookup forms of a lexicon entry, cut like a comment would be."""
    return [t.norm for t in tokenize(text)]
