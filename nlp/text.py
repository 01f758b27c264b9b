"""Text clean-up shared by language detection and sentiment: hostile input in, plain words out."""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# Past this many characters a comment is a paste or an attack; its opening says enough about
# its language and tone, and capping keeps one 100 KB item from stalling a whole batch.
MAX_CHARS = 4000

URL_RE = re.compile(
    r"(?:https?://|www\.)\S*|\b[\w-]+\.(?:com|net|org|ca|io|ly|co|info|biz|xyz|fr|me)(?:/\S*)?\b", re.IGNORECASE
)
MENTION_RE = re.compile(r"(?<!\w)@\w+")
HASHTAG_RE = re.compile(r"(?<!\w)#(\w+)")
# Emoji and pictographs (the ranges emoji actually live in), plus the joiners and variation
# selectors that glue them together.
EMOJI_RE = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff\ufe0f\u200d\u20e3\U000e0020-\U000e007f]"
)
_CONTROL_RE = re.compile(
    "[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b\u200c\u200e\u200f\u202a-\u202e\u2060-\u2064\ufeff]"
)
# A few stray C1 characters stand for typographic quotes in damaged French text (cp1252 read as
# latin-1): map the common ones back before controls are stripped.
_C1_FIX = str.maketrans({"\u0092": "'", "\u009c": "oe", "\u0091": "'", "\u0093": '"', "\u0094": '"'})
_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u02bc": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
_SPACES_RE = re.compile(r"\s+")
_NON_LETTER_RE = re.compile(r"[^\w' -]|[\d_]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """Return text capped, with entities decoded, quotes unified and control characters removed."""
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (from JSON "\\ud800" escapes) would break native detectors downstream.
        text = _SURROGATE_RE.sub("\ufffd", text)
    if "&" in text:
        text = html.unescape(text)
    text = text.translate(_C1_FIX).translate(_QUOTES)
    text = _CONTROL_RE.sub(" ", text)
    return text


def for_language(text: str) -> str:
    """Return only the words worth detecting a language on: no URLs, mentions, hashtags, emoji, digits."""
    # Each pass only when its trigger character is there: most comments have none of them.
    if "." in text or "www" in text:
        text = URL_RE.sub(" ", text)
    if "@" in text:
        text = MENTION_RE.sub(" ", text)
    if "#" in text:
        text = HASHTAG_RE.sub(" ", text)
    if text and max(text) >= "\u2300":
        text = EMOJI_RE.sub(" ", text)
    text = _NON_LETTER_RE.sub(" ", text)
    return _SPACES_RE.sub(" ", text).strip()


@lru_cache(maxsize=65536)
def fold_accents(word: str) -> str:
    """Return word without diacritics ("écoeurant" -> "ecoeurant"), for accent-less spellings."""
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))
