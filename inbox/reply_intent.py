"""Which saved replies to offer for one item, read from the item's intent (praise, complaint,
question) and the replies' own words; plain Python, no SQL, so it is tested without a database."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

MAX_SUGGESTIONS = 3
# What a saved reply does, read from its own words (titles and texts are the brand's, in French
# or English): an apology suits a complaint, thanks suit praise, and an invitation to continue in
# private (« en privé », « message privé », « courriel », "private message", "DM", "email us")
# is the way to follow a complaint up away from the public thread.
_APOLOGY = re.compile(r"d[ée]sol[ée]|navr[ée]|excuse|regrett|sorry|apologi", re.IGNORECASE)
_THANKS = re.compile(r"merci|thank", re.IGNORECASE)
_PRIVATE = re.compile(
    r"\ben priv[ée]|\bmessages? priv[ée]|\bcourriel|\bprivate(?:ly)?\b|\bDMs?\b|\be-?mail us\b|\bmessage us\b",
    re.IGNORECASE)
_VAR = re.compile(r"\{[a-z_]+\}")
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing of what a question is about: articles, pronouns, auxiliaries,
# prepositions and greetings, in French and English, written without accents (words are
# compared without them).
_STOP = frozenset("""
le la les l un une des du de d au aux a à et ou mais donc or ni car que qu qui quoi quel quelle quels quelles
ce cet cette ces c ca cela ceci se sa son ses leur leurs mon ma mes ton ta tes notre nos votre vos
je j tu il elle on nous vous ils elles me m te t lui y en ne n pas plus tres trop peu bien aussi
est es etes sont suis sommes etait ete etre ai as avez avons ont avoir fait faire peut peux pouvez
va vais allez dans sur sous avec sans pour par chez vers entre si comme quand ou comment pourquoi combien
bonjour bonsoir salut allo merci svp stp oui non
the a an and or but so of to in on at by for with without from into about as is are was were be been
am do does did have has had can could will would shall should may might must it its this that these
those i you he she we they me him her us them my your his our their what which who whom when where
why how if then than there here not no yes please hi hello hey thanks thank just also very too
""".split())


def _plain(text: str) -> str:
    """Lower case without accents: « Êtes » and "etes" are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """A light stem so that « ouverts », « ouverture » and "opening", "open" meet."""
    if len(word) > 3 and word.endswith("s"):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:6]


def content_words(text: str) -> set[str]:
    """The stems of the words of `text` that carry meaning (stop words and variables left out)."""
    words = _WORD.findall(_plain(_VAR.sub(" ", text)))
    return {_stem(w) for w in words if len(w) > 1 and w not in _STOP}


def is_apology(text: str) -> bool:
    """True when a saved reply's words apologise."""
    return bool(_APOLOGY.search(text))


def is_thanks(text: str) -> bool:
    """True when a saved reply's words thank (and do not apologise)."""
    return bool(_THANKS.search(text)) and not is_apology(text)


def follows_up_privately(text: str) -> bool:
    """True when a saved reply invites the customer to continue in private (message, e-mail, DM)."""
    return bool(_PRIVATE.search(text))


def matching_answers(question: str, replies: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The replies sharing content words with the question, most shared words first; none share none."""
    asked = content_words(question)
    scored = [(len(asked & content_words(f"{r['title']} {r['body']}")), r) for r in replies]
    return [r for score, r in sorted(scored, key=lambda s: (-s[0], s[1]["title"], s[1]["id"])) if score > 0]


def suggestions(replies: Sequence[Mapping[str, Any]], *, lang: str | None, sentiment: str | None,
                reasons: Iterable[str], text: str, answered: bool) -> list[int]:
    """The ids of the saved replies worth offering for an item, best first, at most three.

    Only replies in the item's language and never on an answered item. Praise gets thanks; a
    complaint gets an apology, then a reply that moves the talk to private if the brand has one;
    a question gets the replies whose words match it (after those, when it is also praise or a
    complaint).
    """
    if answered:
        return []
    mine = sorted((r for r in replies if r["lang"] == lang), key=lambda r: (r["title"], r["id"]))
    picked: list[Mapping[str, Any]] = []

    def first(test: Any) -> None:
        found = next((r for r in mine if r not in picked and test(f"{r['title']} {r['body']}")), None)
        if found is not None:
            picked.append(found)

    if sentiment == "positive":
        first(is_thanks)
    elif sentiment == "negative":
        first(is_apology)
        first(follows_up_privately)
    if "question" in set(reasons):
        picked.extend(r for r in matching_answers(text, mine) if r not in picked)
    return [int(r["id"]) for r in picked[:MAX_SUGGESTIONS]]
