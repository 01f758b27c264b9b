"""Rule-based sentiment of one comment: lexicon hits shaped by negation, intensity, contrast, sarcasm.

VADER's lessons (Hutto & Gilbert 2014) applied to TextBlob's lexicons: a negator within three
words flips and dampens; intensifiers and CAPITALS scale; the clause after "but"/"mais" counts
three times the one before; "!!!" amplifies; emoji and emoticons count like words; a sarcasm
marker turns praise around. The result feeds both the label and the learned model's features.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from . import slang
from .lexicon import POST_NEGATED, Lexicon, emoticons
from .text import fold_accents
from .tokens import Token

_NEGATION_SCALE = -0.7
_CAPS_SCALE = 1.3
_STRETCH_SCALE = 1.2
_BEFORE_CONTRAST = 0.5
_AFTER_CONTRAST = 1.5
_WITHOUT = {"sans", "without"}
_BREAKS = {"!", "?", "...", "…", ".", ",", ";"}


@dataclass
class Reading:
    """What the rules found: a compound score in [-1, 1], counts for the model, and the evidence."""

    compound: float = 0.0
    pos: float = 0.0
    neg: float = 0.0
    emoji_pos: float = 0.0
    emoji_neg: float = 0.0
    negations: int = 0
    # Negators seen at all, negating a rated word or not ("Pourquoi vous remboursez pas?").
    negators: int = 0
    contrast: bool = False
    sarcasm: bool = False
    shouting: bool = False
    exclaims: int = 0
    questions: int = 0
    evidence: list[str] = field(default_factory=list)
    # Slang read in its praise sense ("C'est malade!"): nlp/slang.py decided, the rules scored it.
    praise: int = 0
    # Those slang words, accent-less: VADER's lexicon (nlp/valence.py) only knows their sickness sense.
    praised: list[str] = field(default_factory=list)
    # Token index -> the phrase or negated term it belongs to, so the model sees "pas pire"
    # and "not good" rather than "pas", "pire", "good".
    spans: dict[int, str] = field(default_factory=dict)


def _lookup(lex: Lexicon, tokens: list[Token], i: int) -> tuple[float | None, int, str]:
    """Return (score, tokens used, matched term) for the longest entry starting at tokens[i]."""
    norm = tokens[i].norm
    # Phrases are stored under their accented and accent-less spellings, so one key suffices.
    entries = lex.phrases.get(norm)
    if entries:
        for phrase, score in entries:
            n = len(phrase)
            if i + n <= len(tokens):
                window = tuple(t.norm for t in tokens[i : i + n])
                if window == phrase or tuple(fold_accents(w) for w in window) == phrase:
                    return score, n, " ".join(phrase).replace("' ", "'")
    return lex.score_of(norm), 1, norm


# A complaint cue beside an ambiguous sarcasm marker: a wait counted in time, "another",
# "again", "encore", "toujours", or a trailing ellipsis.
_COMPLAINT_CUE = re.compile(
    # Not "in 10 minutes" / "en 10 minutes": speed, the praise itself.
    r"(?<![\d])(?<!\bin )(?<!\ben )(?<!within )"
    r"(?:\d+|\b(?:une?|an|one|deux|two|trois|three|quatre|four|cinq|five|dix|ten|quinze|vingt|twenty|trente|thirty"
    r"|quarante|forty|cinquante|fifty))\s*(?:min|minutes?|h|heures?|hours?|hrs?|jours?|days?|semaines?|weeks?)\b"
    r"|\b(?:another|again|encore|toujours|as usual|comme d'habitude|never showed|jamais venu|sans s'excuser)\b"
    r"|\.\.\.|…"
)


def _sarcastic(lex: Lexicon, lowered: str, complaint: bool) -> str | None:
    """Return the sarcasm marker in lowered; an ambiguous one only beside a complaint."""
    for marker in lex.sarcasm:
        if marker in lowered:
            return marker
    # "Thanks so much for the quick refund" is the sincere idiom, not "so much for fast delivery".
    lowered = lowered.replace("thanks so much for", "thanks").replace("thank you so much for", "thanks")
    for marker in lex.sarcasm_if_complaint:
        if marker not in lowered:
            continue
        if complaint:
            return marker
        # "Bravo encore à toute l'équipe", "thanks again": the praise repeated, no complaint.
        rest = lowered.replace(f"{marker} encore", " ").replace(f"{marker} again", " ").replace(marker, " ")
        if _COMPLAINT_CUE.search(rest):
            return marker
    return None


def read(tokens: list[Token], lex: Lexicon, lowered: str, senses: dict[int, str] | None = None) -> Reading:
    """Return the rule-based Reading of a tokenized comment in lex's language; senses: slang.senses if known."""
    r = Reading()
    faces = emoticons()
    letters = [t for t in tokens if t.norm.isalpha() and len(t.norm) > 1]
    r.shouting = len(letters) >= 3 and all(t.caps for t in letters)
    clause = 0
    contributions: list[tuple[int, float, str]] = []
    last_negator = -10
    amplified: list[str] = []
    if senses is None:
        senses = slang.senses(tokens, lex, lowered)
    # The lexicon's sets in locals: this loop runs once per token of every comment.
    contrast, amplifiers, intensifiers, negators = lex.contrast, lex.amplifiers, lex.intensifiers, lex.negators
    phrases, score_of = lex.phrases, lex.score_of
    n_tokens = len(tokens)
    i = 0
    while i < n_tokens:
        tok = tokens[i]
        norm = tok.norm
        if norm[0] == "!":
            r.exclaims += len(norm)
            i += 1
            continue
        if norm[0] == "?":
            r.questions += 1
            i += 1
            continue
        if norm in faces:
            score, is_sarcasm = faces[norm]
            if is_sarcasm:
                r.sarcasm = True
                r.evidence.append(f"sarcasm:{norm}")
            if score > 0:
                r.emoji_pos += score
            else:
                r.emoji_neg -= score
            contributions.append((clause, score, norm))
            i += 1
            continue
        if norm in contrast:
            clause += 1
            r.contrast = True
            r.evidence.append(f"contrast:{norm}")
            i += 1
            continue
        if norm in _BREAKS:
            last_negator = -10
            i += 1
            continue
        if norm in amplifiers:
            amplified.append(norm)
        if norm in phrases:
            found, used, term = _lookup(lex, tokens, i)
        else:
            found, used, term = score_of(norm), 1, norm  # what _lookup returns for a word no phrase starts with
        praised = False
        if senses:
            if senses.get(i) == slang.PRAISE:
                # Praise slang takes its praise score whatever the dictionary says ("malade" -0.35);
                # its own term keeps the model from weighing the word's tweet (sickness) sense.
                found, used, term = slang.score(tokens[i]), 1, f"praise:{norm}"
                r.praise += 1
                r.praised.append(fold_accents(norm))
                praised = True
            elif any(k in senses for k in range(i + 1, i + used)):
                # The phrase "c'est malade" would hide the slang decision ("c'est malade de charger
                # 8$"): read word by word.
                found, used, term = _lookup(lex, tokens[i : i + 1], 0)
        if (
            used == 1
            and norm in intensifiers
            and i + 1 < n_tokens
            and _lookup(lex, tokens, i + 1)[0] is not None
        ):
            # "super lent", "trop bon": the intensifier scales the next word, it is not praise itself.
            i += 1
            continue
        if found is None:
            if norm in negators:
                last_negator = i
                # "Avez-vous des options sans gluten?", "without onions": a negator that
                # negates no rated word here asks for something, it refuses nothing.
                r.negators += norm not in _WITHOUT
            i += 1
            continue
        score = found
        # Modifiers come before the word: intensifiers up to two back, negators up to three.
        for back in (1, 2):
            j = i - back
            if j >= 0 and tokens[j].norm in intensifiers:
                score *= intensifiers[tokens[j].norm]
                break
        negated = i - last_negator <= 3
        if not negated and lex.lang == "fr" and term in POST_NEGATED and i + used < n_tokens:
            negated = tokens[i + used].norm in ("pas", "jamais", "plus", "rien")
        if negated:
            score *= _NEGATION_SCALE
            r.negations += 1
            term = f"not {term}" if lex.lang == "en" else f"pas {term}"
        if used > 1 or negated or praised:
            for k in range(i, i + used):
                r.spans[k] = term
        if tok.caps and not r.shouting:
            score *= _CAPS_SCALE
        if tok.stretched:
            score *= _STRETCH_SCALE
        contributions.append((clause, score, term))
        i += used
    # A clearly negative word (TextBlob-fr rates "équipe" -0.1) is a complaint cue.
    lowered_marker = _sarcastic(lex, lowered, any(score <= -0.2 for _, score, _ in contributions))
    if lowered_marker:
        r.sarcasm = True
        r.evidence.append(f"sarcasm:{lowered_marker}")
    total = 0.0
    for c, score, term in contributions:
        if r.contrast:
            score *= _AFTER_CONTRAST if c == clause else _BEFORE_CONTRAST
        if r.sarcasm and score > 0:
            # Praise next to a sarcasm marker is the complaint itself ("merci pour rien 🙄").
            score = -0.5 * score
        if score > 0:
            r.pos += score
        else:
            r.neg -= score
        total += score
        r.evidence.append(f"{term}:{score:+.2f}")
    if total and r.exclaims:
        total *= 1 + 0.08 * min(r.exclaims, 4)
        r.evidence.append("!" * min(r.exclaims, 4))
    if total and amplified:
        total *= 1.3
        r.evidence.append(f"amplifier:{amplified[0]}")
    if total and r.shouting:
        total *= _CAPS_SCALE
        r.evidence.append("caps")
    # VADER's normalisation: a running sum squashed into (-1, 1).
    r.compound = total / math.sqrt(total * total + 4.0) if total else 0.0
    return r
