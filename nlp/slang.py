"""Praise slang whose words also mean sickness or disgust: "malade!", "écoeurant!", "débile!", "sick!".

In Quebec "C'est malade!" and "Écoeurant, le latte!" are enthusiasm, while "je suis tombé malade"
and "c'est écoeurant de traiter le monde comme ça" mean what the dictionary says. The lexicon
and the urgency signals read the dictionary sense; this module finds the occurrences a bilingual
community manager would read as praise, so that the rules score them as praise and the "sick"
signal does not put a compliment at the top of the inbox.

An occurrence is praise when it is used as an exclamation (its sentence ends in "!" or holds a
happy emoji) or is followed by a return, recommendation or encouragement cue ("on revient",
"continuez", "je recommande", "merci"), AND nothing reads as a complaint from its sentence on.
It is literal (an illness for the urgency signals) with contamination or sickness words anywhere
in the comment, a person as the subject ("je suis", "mon fils est malade"), "tombé / rendu
malade", "depuis", "après votre..." or a noun use ("un malade"); a judgement when followed by
"de / comment / que" ("écoeurant de traiter...", "malade de charger 8$"). A negation, a strongly
negative word, a complaint ("j'ai attendu", "la facture") or a refused cue ("on reviendra plus")
leave it undecided: it keeps the lexicon's reading. When in doubt nothing changes: missing a
compliment costs less than missing a sick customer.
"""

from __future__ import annotations

from .lexicon import Lexicon, emoticons
from .text import fold_accents
from .tokens import Token

# The senses an occurrence can have: praise, a judgement of something ("it's crazy to..."), or
# the dictionary's (sickness, disgust). Only LITERAL is an illness for the urgency signals.
PRAISE, JUDGING, LITERAL = "praise", "judging", "literal"
# Accent-less lookup form -> the score of its praise sense. "débile" asks for a cue beyond the
# exclamation: "C'est débile!" alone is as often "that's stupid" as "that's awesome".
_PRAISE = {
    "malade": 0.7,
    "malades": 0.7,
    "ecoeurant": 0.75,
    "ecoeurante": 0.75,
    "ecoeurants": 0.75,
    "ecoeurantes": 0.75,
    "debile": 0.65,
    "debiles": 0.65,
    "sick": 0.7,
}
# Every spelling a lower-cased token may have: with or without accents, "oe" or "œ".
_ACCENTED = set(_PRAISE) | {"é" + w[1:] for w in _PRAISE if w[:2] == "ec"}
_ACCENTED |= {"dé" + w[2:] for w in _PRAISE if w[:2] == "de"}
_TRIGGERS = _ACCENTED | {w.replace("oe", "œ") for w in _ACCENTED}
_NEEDS_CUE = {"debile", "debiles"}
_SENTENCE_ENDS = {".", "?", "...", "…"}
_CLAUSE_ENDS = _SENTENCE_ENDS | {",", ";"}
# Anywhere in the comment, these make the sickness or disgust the literal one.
_CONTAMINATION = {
    "cheveu", "cheveux", "poil", "poils", "insecte", "insectes", "bibitte", "bibittes", "mouche",
    "coquerelle", "coquerelles", "vomi", "vomir", "vomissements", "vomit", "vomited", "vomiting",
    "diarrhee", "diarrhea", "intoxication", "empoisonnement", "poisoning", "hopital", "hospital",
    "urgence", "urgences", "moisi", "moisie", "moisissure", "mold", "perime", "perimee", "hair", "bug",
    "cockroach", "ventre", "stomach", "nausee", "nausea", "allergie", "allergique", "allergic", "🤢", "🤮",
}
# From the word's sentence on: an illness with a history ("malade depuis", "après votre poutine").
_SICKNESS = {"depuis", "since"}
_AFTER_MEAL = {"avoir", "votre", "vos", "ton", "ta", "tes", "your", "eating", "having"}
# From the word's sentence on: a complaint, so no praise, but no illness either.
_COMPLAINT = {
    "traiter", "traitez", "traite", "traites", "treat", "treating", "facture", "attendre", "attendu",
    "attente", "retard", "waiting", "waited", "late", "rembourser", "remboursement", "refund",
}
# Words that, right after the slang word, make it judge something: "écoeurant de traiter...",
# "malade comment vous chargez", "sick of waiting".
_JUDGING = {"de", "d'", "comment", "que", "qu'", "of", "how", "that"}
_CONTRAST = {"mais", "cependant", "pourtant", "sauf", "but", "however", "though", "although"}
_ARTICLES = {"un", "une", "des", "le", "la", "les", "a", "the", "ce", "cette", "mon", "ma", "ton", "ta"}
_BECOMING = {
    "tombe", "tombee", "tombes", "tombees", "rendu", "rendue", "rendus", "rendues", "devenu", "devenue",
    "sens", "sent", "sentais", "got", "get", "getting", "feel", "feeling", "felt", "made", "makes", "make", "fell",
}
_COPULAS = {
    "suis", "es", "est", "sommes", "etes", "sont", "etait", "etais", "etaient", "ete", "etre",
    "am", "is", "are", "was", "were", "been", "be", "m", "im", "re", "s",
}
_PERSONS = {
    "je", "j'", "tu", "il", "elle", "on", "nous", "vous", "ils", "elles", "i", "he", "she", "we", "they",
    "fils", "fille", "enfant", "enfants", "bebe", "femme", "mari", "chum", "blonde", "mere", "pere",
    "ami", "amie", "amis", "famille", "gars", "garcon", "soeur", "frere", "chien", "chat", "monde",
    "son", "daughter", "kid", "kids", "child", "baby", "wife", "husband", "mom", "dad", "friend", "family",
}
_NEGATORS = {"pas", "ne", "n'", "jamais", "plus", "not", "never", "no", "don't", "won't", "isn't", "wasn't", "aucun"}
# Cues after the word that say "we liked it": return, recommendation, encouragement, thanks, fun.
_CUES = (
    ("on", "revient"), ("on", "va", "revenir"), ("on", "reviendra"), ("je", "reviens"), ("je", "reviendrai"),
    ("je", "vais", "revenir"), ("revenir",), ("continuez",), ("lachez", "pas"), ("je", "recommande"),
    ("recommande",), ("a", "refaire"), ("hate",), ("merci",), ("bravo",), ("ri",), ("rire",), ("adore",),
    ("trippe",), ("keep", "it", "up"), ("be", "back"), ("coming", "back"), ("recommend",), ("thanks",),
    ("thank",), ("love",), ("loved",), ("can't", "wait"), ("lol",), ("haha",), ("mdr",),
)
_CUE_FIRST = {cue[0] for cue in _CUES}
_HAPPY_EMOJI = 0.4
_STRONG_NEGATIVE = -0.5


def _form(token: Token) -> str:
    return fold_accents(token.norm).replace("œ", "oe")


def _cue_at(words: list[str], i: int) -> int:
    """Return the length of the praise cue starting at words[i], or 0."""
    if words[i] not in _CUE_FIRST:
        return 0
    for cue in _CUES:
        if tuple(words[i : i + len(cue)]) == cue:
            return len(cue)
    return 0


def _person_subject(words: list[str], start: int, i: int) -> bool:
    """True when the clause before words[i] makes someone sick: "je suis", "mon fils est", "tombé"."""
    before = words[start:i]
    if any(w in _BECOMING for w in before):
        return True
    for k, w in enumerate(before):
        # "c'est malade", "ça a été malade", "le brunch était malade" are about the thing; "ma blonde
        # a été", "il n'est", "I'm" (cut as "i" "m") about a person, within three words of the verb.
        if w in _COPULAS and any(x in _PERSONS for x in before[max(0, k - 3) : k]):
            return True
    return False


def _might_hold(lowered: str) -> bool:
    """True when lowered may hold one of the slang words: pieces that survive most stretching."""
    # "maaalade" keeps "lad", "siiick" "ick"; chained tests cost a quarter of a regular expression,
    # on every comment.
    return (
        "mal" in lowered
        or "lad" in lowered
        or "ick" in lowered
        or "urant" in lowered
        or "coeu" in lowered
        or "cœu" in lowered
        or "bil" in lowered
    )


def score(token: Token) -> float:
    """Return the score of a slang token's praise sense."""
    return _PRAISE[_form(token)]


def senses(tokens: list[Token], lex: Lexicon, lowered: str | None = None) -> dict[int, str]:
    """Return token index -> PRAISE ("malade!"), JUDGING ("malade de charger 8$") or LITERAL (illness, disgust)."""
    # Occurrences with no sign either way are left out: they keep the lexicon's reading. lowered,
    # the comment in lower case, lets most comments out after a few substring tests.
    found: dict[int, str] = {}
    # Most comments hold none of these words: a few substring tests, then one set lookup per token.
    if lowered is not None and not _might_hold(lowered):
        return found
    if not any(tok.norm in _TRIGGERS for tok in tokens):
        return found
    words: list[str] | None = None
    for i, tok in enumerate(tokens):
        if tok.norm in _TRIGGERS:
            if words is None:
                words = [_form(t) for t in tokens]
                contaminated = any(w in _CONTAMINATION for w in words)
            sense = LITERAL if contaminated else _sense(tokens, words, i, lex)
            if sense is not None:
                found[i] = sense
    return found


def _sense(tokens: list[Token], words: list[str], i: int, lex: Lexicon) -> str | None:
    """Return PRAISE, JUDGING, LITERAL or None (no sign either way) for the slang word words[i]."""
    n = len(words)
    faces = emoticons()
    # The word's sentence and clause: "!" ends a sentence too, but belongs to the one it closes.
    start = i
    while start > 0 and words[start - 1] not in _SENTENCE_ENDS and not words[start - 1].startswith("!"):
        start -= 1
    clause_start = i
    while clause_start > start and words[clause_start - 1] not in _CLAUSE_ENDS:
        clause_start -= 1
    end = i + 1
    while end < n and words[end] not in _SENTENCE_ENDS and not words[end].startswith("!"):
        end += 1
    if words[i] == "sick" and i + 1 < n and words[i + 1] in ("of", "and"):
        return JUDGING  # "I'm sick of waiting", "sick and tired": fed up, not ill
    if _person_subject(words, clause_start, i):
        return LITERAL  # before JUDGING: "mon fils est malade d'avoir mangé ça" is sickness
    if i + 1 < n and words[i + 1] in _JUDGING:
        return JUDGING  # "écoeurant de traiter...", "c'est malade de charger 8$"
    if i > 0 and words[i - 1] in _ARTICLES:
        return LITERAL  # a noun: "un malade", "the sick"
    if any(w in _NEGATORS for w in words[max(start, i - 3) : i]):
        return None  # "pas malade": the lexicon's negation handles it
    exclaimed = end < n and words[end].startswith("!")
    cued = False
    # From the word's sentence to the end of the comment: "Écoeurant! J'ai attendu 2h" is a complaint.
    # A next sentence opening on a contrast ("Malade! Par contre le stationnement est poche")
    # complains about something else: the praise stands, and the scan stops there.
    stop = n
    following = end + 1
    if following < n and (words[following] in _CONTRAST or words[following : following + 2] == ["par", "contre"]):
        stop = following
    for k in range(start, stop):
        w = words[k]
        if w in _SICKNESS or (w in ("apres", "after") and k + 1 < n and words[k + 1] in _AFTER_MEAL):
            return LITERAL
        if w in _COMPLAINT:
            return None
        if w in faces:
            if faces[w][0] < 0:
                return None
            if faces[w][0] >= _HAPPY_EMOJI:
                exclaimed = exclaimed or k < end
                cued = cued or k > i
            continue
        if k != i and w not in _PRAISE:
            score = lex.words.get(tokens[k].norm, lex.words.get(w, 0.0))
            if score <= _STRONG_NEGATIVE and not any(x in _NEGATORS for x in words[max(start, k - 3) : k]):
                return None
        if k > i:
            size = _cue_at(words, k)
            if size:
                # "on reviendra plus jamais", "won't be back": a refusal, the complaint itself.
                if any(x in _NEGATORS for x in words[k + size : k + size + 2] + words[max(i + 1, k - 2) : k]):
                    return None
                cued = True
    if _form(tokens[i]) in _NEEDS_CUE:
        return PRAISE if cued else None
    return PRAISE if exclaimed or cued else None
