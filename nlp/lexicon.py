"""Sentiment vocabulary per language: textblob / textblob-fr adjective lexicons plus Jasette's own.

TextBlob's lexicons (pattern's en-sentiment.xml and fr-sentiment.xml) are the base; they cover
adjectives of book and movie reviews, so nlp/data/lexicon_*.txt adds what comments use: verbs,
complaint nouns, slang, Quebec French and anglicisms, phrases ("pas pire", "never again").
The modifiers below (negators, intensifiers, contrast words) are the rules' vocabulary.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache

from .text import fold_accents

_DATA = os.path.join(os.path.dirname(__file__), "data")
_XML_WORD = re.compile(r'<word form="([^"]+)"[^>]*?polarity="(-?[0-9.]+)"')

NEGATORS = {
    "en": {
        "not",
        "no",
        "never",
        "nothing",
        "nobody",
        "none",
        "neither",
        "nor",
        "cannot",
        "without",
        "hardly",
        "dont",
        "don't",
        "doesnt",
        "doesn't",
        "didnt",
        "didn't",
        "isnt",
        "isn't",
        "wasnt",
        "wasn't",
        "arent",
        "aren't",
        "cant",
        "can't",
        "couldnt",
        "couldn't",
        "wont",
        "won't",
        "wouldnt",
        "wouldn't",
        "aint",
        "ain't",
        "havent",
        "haven't",
        "hasnt",
        "hasn't",
        "shouldnt",
        "shouldn't",
        "n't",
        "nope",
    },
    "fr": {
        "pas",
        "ne",
        "n'",
        "jamais",
        "aucun",
        "aucune",
        "rien",
        "personne",
        "ni",
        "sans",
        "guère",
        "nullement",
        "pantoute",
    },
}
# French puts "pas" after the verb ("j'aime pas", "ça vaut pas la peine"): these verbs are
# negated by a negator right after them too.
POST_NEGATED = {
    "aime",
    "aimé",
    "aimais",
    "adore",
    "adoré",
    "recommande",
    "recommanderais",
    "vaut",
    "valait",
    "marche",
    "fonctionne",
    "goûte",
    "aimer",
    "apprécie",
    "apprécié",
}
INTENSIFIERS = {
    "en": {
        "very": 1.3,
        "really": 1.3,
        "so": 1.3,
        "too": 1.2,
        "extremely": 1.5,
        "super": 1.4,
        "totally": 1.3,
        "absolutely": 1.4,
        "completely": 1.3,
        "incredibly": 1.4,
        "freaking": 1.4,
        "fucking": 1.5,
        "damn": 1.3,
        "most": 1.3,
        "soooo": 1.5,
        "sooo": 1.4,
        "way": 1.2,
        "such": 1.2,
        "truly": 1.3,
        "literally": 1.2,
        "slightly": 0.6,
        "somewhat": 0.7,
        "kinda": 0.7,
        "kind": 0.8,
        "bit": 0.7,
        "little": 0.8,
        "barely": 0.6,
    },
    "fr": {
        "très": 1.3,
        "trop": 1.3,
        "vraiment": 1.3,
        "tellement": 1.4,
        "super": 1.4,
        "full": 1.4,
        "hyper": 1.4,
        "ben": 1.2,
        "vrm": 1.3,
        "vraiement": 1.3,
        "extrêmement": 1.5,
        "totalement": 1.3,
        "complètement": 1.3,
        "si": 1.2,
        "tant": 1.2,
        "assez": 0.9,
        "peu": 0.7,
        "légèrement": 0.6,
        "plutôt": 0.9,
        "carrément": 1.4,
        "mega": 1.4,
        "méga": 1.4,
        "solide": 1.3,
        "tabarnak": 1.5,
        "crisse": 1.4,
        "osti": 1.4,
        "câlisse": 1.4,
        "calisse": 1.4,
        "sacrément": 1.4,
        "vachement": 1.4,
        "grave": 1.3,
    },
}
# Words that raise the stakes of whatever the comment says without a direction of their own:
# "je capote" is delight next to praise and panic next to a complaint.
AMPLIFIERS = {
    "en": {"omg", "omfg", "fucking", "freaking", "seriously", "literally"},
    "fr": {
        "capote",
        "capoté",
        "capoter",
        "capotent",
        "capotais",
        "capotait",
        "tabarnak",
        "tabarnac",
        "criss",
        "crisse",
        "osti",
        "ostie",
        "câlisse",
        "calisse",
        "sacrament",
        "ciboire",
        "wow",
    },
}
CONTRAST = {
    "en": {"but", "however", "though", "although", "yet", "except", "unfortunately", "sadly"},
    "fr": {"mais", "cependant", "pourtant", "toutefois", "malheureusement", "sauf", "néanmoins", "quoique"},
}
# Cheap sarcasm markers: when one is present, praise in the same comment counts against.
SARCASM = {
    "en": ("yeah right", "thanks for nothing", "what a joke", "/s", "as if"),
    "fr": ("merci pour rien", "merci beaucoup pour rien", "bravo champion", "bravo les champions", "c'est ça oui", "genre bravo"),
}
# Markers that are sincere praise as often as sarcasm ("Super service, merci!", "Thanks a lot for
# your help!"): they count only beside a complaint cue (nlp/rules.py: a negative word, a wait
# in minutes or hours, "another" / "encore", a trailing "..."): "Super service... 45 minutes
# d'attente", "Oh great, another late delivery".
SARCASM_IF_COMPLAINT = {
    "en": (
        "oh great",
        "just great",
        "great job guys",
        "wow thanks",
        "thanks a lot",
        "so much for",
        "love waiting",
        "love how",
        "love paying",
        "wow",
        "bravo",
        "great job",
        "very classy",
        "priorities",
        "10/10 would",
    ),
    "fr": (
        "ben oui",
        "super service",
        "quel service",
        "belle job",
        "bon ben",
        "franchement bravo",
        "wow merci",
        "bravo",
        "wow",
        "génial",
        "genial",
        "priorités",
        "priorites",
        "vraiment efficace",
        "ah ben merci",
        "merci bien",
        "belle qualité",
        "belle job",
    ),
}


@dataclass
class Lexicon:
    """One language's vocabulary: single words, phrases keyed by first word, modifiers."""

    lang: str
    words: dict[str, float] = field(default_factory=dict)
    phrases: dict[str, list[tuple[tuple[str, ...], float]]] = field(default_factory=dict)
    negators: set[str] = field(default_factory=set)
    intensifiers: dict[str, float] = field(default_factory=dict)
    contrast: set[str] = field(default_factory=set)
    amplifiers: set[str] = field(default_factory=set)
    sarcasm: tuple[str, ...] = ()
    sarcasm_if_complaint: tuple[str, ...] = ()
    # Token -> score_of(token), filled as comments are read (every comment's "the", "merci" once).
    _scores: dict[str, float | None] = field(default_factory=dict, repr=False, compare=False)

    def score_of(self, norm: str) -> float | None:
        """Return the score of one token: as written, accent-less, or the plural of a listed word."""
        try:
            return self._scores[norm]
        except KeyError:
            pass
        single = self.words.get(norm)
        if single is None:
            single = self.words.get(fold_accents(norm))
        if single is None and len(norm) > 3 and norm.endswith("s"):
            single = self.words.get(norm[:-1])  # plural of a listed word
        if len(self._scores) > 100_000:
            self._scores.clear()  # bounded: every typo is a new token
        self._scores[norm] = single
        return single

    def add(self, tokens: list[str], score: float) -> None:
        """Add one word or phrase, under its own spelling and its accent-less one."""
        self._scores.clear()
        # Own spelling first, in a fixed order: a set's order changes with each process's hash
        # seed, and with it which spelling the evidence shows (pool workers would disagree).
        for variant in dict.fromkeys((tuple(tokens), tuple(fold_accents(t) for t in tokens))):
            if len(variant) == 1:
                self.words[variant[0]] = score
            else:
                entries = self.phrases.setdefault(variant[0], [])
                entries[:] = [e for e in entries if e[0] != variant] + [(variant, score)]
                entries.sort(key=lambda e: -len(e[0]))


def _textblob_xml(lang: str) -> str:
    """Return the path of TextBlob's lexicon file, found without importing TextBlob (and NLTK)."""
    import importlib.util

    package, name = ("textblob_fr", "fr-sentiment.xml") if lang == "fr" else ("textblob", "en/en-sentiment.xml")
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is required for the {lang} sentiment lexicon")
    return os.path.join(next(iter(spec.submodule_search_locations)), *name.split("/"))


def _read_pairs(path: str) -> list[tuple[str, float, str]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            out.append((parts[0], float(parts[1]), parts[2] if len(parts) > 2 else ""))
    return out


@cache
def emoticons() -> dict[str, tuple[float, bool]]:
    """Return emoji / emoticon -> (polarity, is a sarcasm marker)."""
    return {term: (score, tag == "sarcasm") for term, score, tag in _read_pairs(os.path.join(_DATA, "emoji.txt"))}


@cache
def get(lang: str) -> Lexicon:
    """Return the lexicon for "en" or "fr" (any other language gets the English one)."""
    from .tokens import words_of

    lang = lang if lang in ("en", "fr") else "en"
    lex = Lexicon(
        lang,
        negators=NEGATORS[lang],
        intensifiers=INTENSIFIERS[lang],
        contrast=CONTRAST[lang],
        amplifiers=AMPLIFIERS[lang],
        sarcasm=SARCASM[lang],
        sarcasm_if_complaint=SARCASM_IF_COMPLAINT[lang],
    )
    with open(_textblob_xml(lang), encoding="utf-8") as fh:
        sums: dict[str, list[float]] = {}
        for form, polarity in _XML_WORD.findall(fh.read()):
            sums.setdefault(form.lower(), []).append(float(polarity))
    for form, values in sorted(sums.items()):
        mean = sum(values) / len(values)
        if abs(mean) >= 0.05:
            lex.add(words_of(form), mean)
    for term, score, _ in _read_pairs(os.path.join(_DATA, f"lexicon_{lang}.txt")):
        lex.add(words_of(term), score)
    return lex
