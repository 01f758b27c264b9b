"""Features of one comment for the learned sentiment model: the rules' reading plus its words.

The same function feeds training (nlp/train.py) and inference (nlp/model.py), so the shipped
weights always mean what the runtime computes.
"""

from __future__ import annotations

from .rules import Reading
from .text import fold_accents
from .tokens import Token

_STOP = {
    "the",
    "a",
    "an",
    "and",
    "or",
    "of",
    "to",
    "in",
    "on",
    "at",
    "for",
    "is",
    "it",
    "i",
    "you",
    "le",
    "la",
    "les",
    "de",
    "des",
    "du",
    "un",
    "une",
    "et",
    "ou",
    "à",
    "en",
    "au",
    "aux",
    "que",
    "qui",
    "l'",
    "d'",
    "c'",
    "j'",
    "n'",
    "s'",
    "m'",
    "t'",
    "qu'",
    "est",
}


# Words are many and each is seen a few times: a smaller value is a stronger prior against
# them, so the lexicon's reading is not drowned by topic words of the training tweets.
WORD_VALUE = 0.5
# The lexicon's reading carries over from the training tweets to customer comments far better
# than their topic words do: larger values make it cheaper for the model to lean on it.
STEMS = True
RULE_SCALE = 3.0


def _bucket(x: float, edges: tuple[float, ...]) -> int:
    for i, edge in enumerate(edges):
        if x < edge:
            return i
    return len(edges)


def extract(
    tokens: list[Token], reading: Reading, vader: tuple[float, float, float] = (0.0, 0.0, 0.0)
) -> dict[str, float]:
    """Return sparse features: rule scores, their buckets, VADER's reading (nlp/valence.py:
    compound, positive and negative shares), lexicon hits, words and word pairs."""
    k = RULE_SCALE
    f: dict[str, float] = {
        "v:c": k * vader[0],
        "v:p": k * vader[1],
        "v:n": k * vader[2],
        "r:compound": k * reading.compound,
        "r:pos": k * min(reading.pos, 3.0),
        "r:neg": k * min(reading.neg, 3.0),
        "r:emoji_pos": k * min(reading.emoji_pos, 2.0),
        "r:emoji_neg": k * min(reading.emoji_neg, 2.0),
        f"r:cbin{_bucket(reading.compound, (-0.5, -0.2, -0.05, 0.05, 0.2, 0.5))}": 1.0,
        "bias": 1.0,
    }
    if reading.negations:
        f["r:negation"] = 1.0
    if reading.contrast:
        f["r:contrast"] = 1.0
    if reading.sarcasm:
        f["r:sarcasm"] = 1.0
    if reading.exclaims:
        f["r:exclaim"] = 1.0
    if reading.shouting:
        f["r:shout"] = 1.0
    if not reading.pos and not reading.neg:
        f["r:nohit"] = 1.0
    for term in set(reading.spans.values()):
        f["p:" + fold_accents(term)] = 1.0
    words = [fold_accents(t.norm) for i, t in enumerate(tokens) if t.norm not in _STOP and i not in reading.spans]
    prev = "<s>"
    for w in words:
        f["w:" + w] = WORD_VALUE
        f["b:" + prev + "_" + w] = WORD_VALUE
        if STEMS and len(w) > 5 and w.isalpha():
            # Word beginnings tie "decu", "decevant", "deception" together on little data.
            f["s:" + w[:5]] = WORD_VALUE
        prev = w
    return f
