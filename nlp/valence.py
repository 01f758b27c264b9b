"""VADER's valence reading of a comment, in English and French: a second lexicon for the model.

VADER (Hutto & Gilbert, ICWSM 2014; vaderSentiment and vaderSentiment-fr, MIT licence) rates
7,500 English social-media words, emoticons and slang by ten people each, and VADER-FR carries
them into French by hand. TextBlob's lexicons (nlp/lexicon.py) rate book and film adjectives;
VADER's ratings cover the verbs, nouns and slang of tweets, and given to the learned layer as
three features they lifted held-out macro-F1 from 0.636 to 0.71 in English and from 0.60 to
0.64 in French (nlp/README.md). This is a port of VADER's scoring rules (boosters, capitals,
negation within three words, "but"/"mais", "!" and "?" emphasis, the -1..1 normalisation),
parametrised by language, over the shipped word lists nlp/data/vader_{en,fr}.txt, so neither
package (nor vaderSentiment-fr's GPL dependencies) is needed at run time.
"""

from __future__ import annotations

import math
import os
import string
from dataclasses import dataclass
from functools import cache

from .text import fold_accents

_DATA = os.path.join(os.path.dirname(__file__), "data")

# VADER's empirically derived constants.
B_INCR = 0.293
B_DECR = -0.293
C_INCR = 0.733
N_SCALAR = -0.74
_ALPHA = 15.0

_BOOST_EN = (
    "absolutely amazingly awfully completely considerable considerably decidedly deeply effing enormous "
    "enormously entirely especially exceptional exceptionally extreme extremely fabulously flipping flippin "
    "frackin fracking fricking frickin frigging friggin fully fuckin fucking fuggin fugging greatly hella "
    "highly hugely incredible incredibly intensely major majorly more most particularly purely quite really "
    "remarkably so substantially thoroughly total totally tremendous tremendously uber unbelievably "
    "unusually utter utterly very"
)
_DAMP_EN = (
    "almost barely hardly kinda kindof kind-of less little marginal marginally occasional occasionally "
    "partly scarce scarcely slight slightly somewhat sorta sortof sort-of"
)
_BOOST_FR = (
    "absolument archi beaucoup bigrement carrément complètement considérablement diablement drôlement "
    "entièrement exceptionnellement excessivement extra extrêmement fabuleusement fort grandement hyper "
    "incroyablement infiniment profondément rudement sacrément spécialement super superbement tant "
    "tellement terriblement totalement trop très ultra vachement vraiment énormément full méga "
    "mautadit maudit"
)
_DAMP_FR = (
    "approximativement assez difficilement environ guère insuffisamment juste légèrement moins peu "
    "plutôt presque quasi quasiment rarement"
)
_NEGATE_EN = (
    "aint arent cannot cant couldnt darent didnt doesnt ain't aren't can't couldn't daren't didn't doesn't "
    "dont hadnt hasnt havent isnt mightnt mustnt neither don't hadn't hasn't haven't isn't mightn't mustn't "
    "neednt needn't never none nope nor not nothing nowhere oughtnt shant shouldnt uhuh wasnt werent "
    "oughtn't shan't shouldn't uh-uh wasn't weren't without wont wouldnt won't wouldn't rarely seldom despite"
)
_NEGATE_FR = "pas jamais plus rien aucunement nullement sans ni aucun aucune pantoute"
# VADER's own special cases: phrases whose reading is not the sum of their words.
_SPECIAL_EN = {
    "the shit": 3.0,
    "the bomb": 3.0,
    "bad ass": 1.5,
    "badass": 1.5,
    "bus stop": 0.0,
    "yeah right": -2.0,
    "kiss of death": -1.5,
    "to die for": 3.0,
    "beating heart": 3.5,
}


@dataclass(frozen=True)
class Vocabulary:
    """One language's word ratings and modifiers; words folded (lower case, French without accents)."""

    lexicon: dict[str, float]
    boosters: dict[str, float]
    negators: frozenset[str]
    contrast: str
    special: dict[str, float]
    split_apostrophes: bool


def _fold(word: str, lang: str) -> str:
    word = word.lower()
    return fold_accents(word) if lang == "fr" else word


@cache
def vocabulary(lang: str) -> Vocabulary | None:
    """Return the vocabulary for lang ("en" or "fr"), or None for other languages."""
    if lang not in ("en", "fr"):
        return None
    lexicon: dict[str, float] = {}
    with open(os.path.join(_DATA, f"vader_{lang}.txt"), encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or "\t" not in line:
                continue
            word, value = line.rstrip("\n").rsplit("\t", 1)
            lexicon.setdefault(_fold(word, lang), float(value))
    if lang == "fr":
        _add_french_forms(lexicon)
    boost, damp, negate = (_BOOST_EN, _DAMP_EN, _NEGATE_EN) if lang == "en" else (_BOOST_FR, _DAMP_FR, _NEGATE_FR)
    boosters = {_fold(w, lang): B_INCR for w in boost.split()}
    boosters.update({_fold(w, lang): B_DECR for w in damp.split()})
    return Vocabulary(
        lexicon=lexicon,
        boosters=boosters,
        negators=frozenset(_fold(w, lang) for w in negate.split()),
        contrast="but" if lang == "en" else "mais",
        special=_SPECIAL_EN if lang == "en" else {},
        split_apostrophes=lang == "fr",
    )


# VADER-FR translated each English word once, mostly as the masculine singular ("excellent",
# "horrible"): the other forms of an adjective or participle take the same rating.
_FRENCH_FORMS = (("eux", ("euse", "euses")), ("if", ("ive", "ives", "ifs")), ("el", ("elle", "elles", "els")))


def _add_french_forms(lexicon: dict[str, float]) -> None:
    for word, value in list(lexicon.items()):
        if not word.isalpha() or len(word) < 4:
            continue
        forms = [word + "s"]
        for ending, others in _FRENCH_FORMS:
            if word.endswith(ending):
                forms += [word[: -len(ending)] + o for o in others]
                break
        else:
            if not word.endswith("e"):
                forms += [word + "e", word + "es"]
        for form in forms:
            lexicon.setdefault(form, value)


def _words(text: str, split_apostrophes: bool) -> list[str]:
    """VADER's tokens: whitespace-separated, outer punctuation stripped unless that leaves an emoticon."""
    if split_apostrophes:
        text = text.replace("'", " ").replace("’", " ")
    punctuation = string.punctuation
    return [raw if len(stripped := raw.strip(punctuation)) <= 2 else stripped for raw in text.split()]


def _negated(word: str, voc: Vocabulary) -> bool:
    return word in voc.negators or "n't" in word


def _valence(i: int, words: list[str], low: list[str], voc: Vocabulary, cap_diff: bool) -> float:
    """Return the valence of word i after VADER's capitals, boosters, negation and idiom rules."""
    item = low[i]
    valence = voc.lexicon[item]
    if item == "no" and i + 1 < len(low) and low[i + 1] in voc.lexicon:
        valence = 0.0  # "no" negates the next rated word instead of counting itself
    if (i > 0 and low[i - 1] == "no") or (i > 1 and low[i - 2] == "no"):
        valence = voc.lexicon[item] * N_SCALAR
    if cap_diff and words[i].isupper():
        valence += C_INCR if valence > 0 else -C_INCR
    for back in range(3):
        j = i - back - 1
        if j < 0 or low[j] in voc.lexicon:
            continue
        scalar = voc.boosters.get(low[j], 0.0)
        if scalar:
            if valence < 0:
                scalar = -scalar
            if cap_diff and words[j].isupper():
                scalar += C_INCR if valence > 0 else -C_INCR
            # A modifier further away counts a little less.
            scalar *= (1.0, 0.95, 0.9)[back]
        valence += scalar
        if back > 0 and low[j] == "never" and low[j + 1] in ("so", "this"):
            valence *= 1.25  # "never so good": VADER reads it as stronger, not negated
        elif _negated(low[j], voc):
            valence *= N_SCALAR
    if voc.special and i > 0:
        for start in (max(0, i - 2), i - 1):
            phrase = " ".join(low[start : i + 1])
            if phrase in voc.special:
                valence = voc.special[phrase]
    if i > 0 and low[i - 1] == "least" and not (i > 1 and low[i - 2] in ("at", "very")):
        valence *= N_SCALAR
    return valence


def scores(text: str, lang: str, skip: frozenset[str] = frozenset()) -> tuple[float, float, float]:
    """Return VADER's (compound in [-1, 1], positive share, negative share) for text in lang.

    Words in skip (folded) count as unrated: Quebec praise slang that nlp/slang.py recognised.
    (0, 0, 0) for a language without a vocabulary or a text without a rated word.
    """
    voc = vocabulary(lang)
    if voc is None:
        return 0.0, 0.0, 0.0
    words = _words(text, voc.split_apostrophes)
    # _fold inlined: one call a word was a tenth of this function's time.
    low = [fold_accents(w.lower()) for w in words] if lang == "fr" else [w.lower() for w in words]
    upper = sum(1 for w in words if w.isupper())
    cap_diff = 0 < upper < len(words)
    sentiments = []
    for i, item in enumerate(low):
        if item in voc.boosters or item not in voc.lexicon or item in skip:
            sentiments.append(0.0)
        else:
            sentiments.append(_valence(i, words, low, voc, cap_diff))
    if voc.contrast in low:
        # The clause after "but" / "mais" weighs three times the one before it.
        at = low.index(voc.contrast)
        sentiments = [s * 0.5 if k < at else s * 1.5 if k > at else s for k, s in enumerate(sentiments)]
    if not any(sentiments):
        return 0.0, 0.0, 0.0
    total = sum(sentiments)
    bangs = min(text.count("!"), 4) * 0.292
    questions = text.count("?")
    emphasis = bangs + (0.0 if questions < 2 else questions * 0.18 if questions <= 3 else 0.96)
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    compound = max(-1.0, min(1.0, total / math.sqrt(total * total + _ALPHA)))
    pos = sum(s + 1 for s in sentiments if s > 0)
    neg = sum(1 - s for s in sentiments if s < 0)
    neutral = sum(1 for s in sentiments if s == 0)
    if pos > neg:
        pos += emphasis
    elif neg > pos:
        neg += emphasis
    share = pos + neg + neutral
    return compound, pos / share, neg / share
