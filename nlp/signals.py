"""Complaint, urgency and question signals in French and English, matched on accent-less words.

Each category lists words and phrases a customer uses when the matter cannot wait; matching is
on lower-case, accent-folded tokens so "remboursé", "rembourse" and "REMBOURSEMENT" all count.
"""

from __future__ import annotations

from functools import lru_cache

from .slang import LITERAL
from .text import fold_accents
from .tokens import Token

# category -> (priority points, terms in both languages). Points reflect harm if ignored:
# health and safety first, then legal exposure, then money and orders.
URGENT: dict[str, tuple[int, tuple[str, ...]]] = {
    "allergy": (
        30,
        (
            "allergy",
            "allergies",
            "allergic",
            "anaphylaxis",
            "anaphylactic",
            "epipen",
            "epi-pen",
            "allergie",
            "allergies",
            "allergique",
            "anaphylaxie",
            "arachide",
            "arachides",
        ),
    ),
    "sick": (
        30,
        (
            "sick",
            "food poisoning",
            "poisoning",
            "vomit",
            "vomiting",
            "vomited",
            "diarrhea",
            "hospital",
            "emergency room",
            "malade",
            "malades",
            "intoxication",
            "empoisonnement",
            "vomi",
            "vomir",
            "vomissements",
            "diarrhee",
            "hopital",
            "urgence",
            "urgences",
        ),
    ),
    "injury": (
        30,
        (
            "injury",
            "injured",
            "hurt myself",
            "got hurt",
            # Not bare "burnt" / "brûlé": burnt coffee and crème brûlée are no injury.
            "burned myself",
            "burned my",
            "chemical burn",
            "bleeding",
            "stitches",
            "blessure",
            "blesse",
            "blessee",
            "me suis brule",
            "me suis brulee",
            "brulure",
            "saigne",
            "points de suture",
        ),
    ),
    "safety": (
        30,
        (
            "unsafe",
            "dangerous",
            "hazard",
            "gas leak",
            "recall",
            "glass in",
            "piece of glass",
            "piece of plastic",
            "brakes failed",
            "leaking",
            "flooding",
            "mold",
            "mould",
            "rat",
            "cockroach",
            "dangereux",
            "dangereuse",
            "securite",
            "fuite de gaz",
            "rappel",
            "morceau de verre",
            "morceau de plastique",
            "cheveu dans",
            "hair in my",
            "freins ont lache",
            "fuit",
            "fuite d'eau",
            "degat d'eau",
            "inondation",
            "moisissure",
            "coquerelle",
            "coquerelles",
        ),
    ),
    "legal": (
        25,
        (
            "lawyer",
            "attorney",
            "sue",
            "suing",
            "lawsuit",
            "legal action",
            "small claims",
            "better business bureau",
            "avocat",
            "avocate",
            "poursuite",
            "poursuivre",
            "mise en demeure",
            "petites creances",
            "protection du consommateur",
            "opc",
        ),
    ),
    "harassment": (
        25,
        (
            "harass",
            "harassed",
            "harassment",
            "harassing",
            "threat",
            "threatened",
            "stalking",
            "racist",
            "racism",
            "discrimination",
            "discriminated",
            "homophobic",
            "transphobic",
            "sexist",
            "boycott",
            "because he's black",
            "because she's black",
            "because i'm black",
            "harcelement",
            "harcele",
            "harcelee",
            "menace",
            "menaces",
            "menace de",
            "raciste",
            "racisme",
            "discrimine",
            "discriminee",
            "homophobe",
            "transphobe",
            "sexiste",
            "boycott",
            "boycotter",
            "parce qu'il est noir",
            "parce qu'elle est noire",
            "a cause de mon accent",
        ),
    ),
    "scam": (
        15,
        (
            "scam",
            "scammed",
            "fraud",
            "fraudulent",
            "rip off",
            "ripoff",
            "stole",
            "arnaque",
            "arnaques",
            "arnaquee",
            "fraude",
            "voleur",
            "voleurs",
            "vole mon",
        ),
    ),
    # Money already lost: the customer paid twice for one thing.
    "billing": (
        15,
        (
            "charged twice",
            "charged me twice",
            "charged my card twice",
            "double charged",
            "double charge",
            "charged double",
            "second charge",
            "paid twice",
            "charge deux fois",
            "chargee deux fois",
            "debite deux fois",
            "debitee deux fois",
            "facture deux fois",
            "facturee deux fois",
            "paye deux fois",
            "double facturation",
            "preleve deux fois",
        ),
    ),
    "refund": (
        15,
        (
            "refund",
            "refunded",
            "money back",
            "chargeback",
            "reimburse",
            "remboursement",
            "remboursements",
            "rembourser",
            "remboursez",
            "rembourse",
            "remboursee",
            "mon argent",
        ),
    ),
    "not_received": (
        15,
        (
            "never received",
            "not received",
            "didn't receive",
            "didnt receive",
            "haven't received",
            "havent received",
            "never arrived",
            "still waiting",
            "where is my order",
            "where's my order",
            "never got my",
            "hasn't shown up",
            "hasnt shown up",
            "nothing at my door",
            "where's mine",
            "someone else's order",
            "rien recu",
            "commande de quelqu'un d'autre",
            "pas recu",
            "pas recue",
            "jamais recu",
            "jamais recue",
            "toujours pas recu",
            "pas encore recu",
            "pas arrivee",
            "pas arrive",
            "jamais arrive",
            "jamais arrivee",
            "ou est ma commande",
            "toujours rien",
            "toujours en attente",
        ),
    ),
    # A same-day deadline: matched by deadline() below, only in a question or a request, since
    # "Vous êtes ouverts ce soir?" is no emergency.
    "deadline": (15, ()),
}
# A time that cannot wait, and what makes it a need rather than a question about opening hours:
# "Can someone come today?", "Elle sera prête quand? … demain matin", "is it on the way? … noon".
DEADLINE_TERMS = (
    "today",
    "tonight",
    "right now",
    "asap",
    "this morning",
    "at noon",
    "tomorrow morning",
    "aujourd'hui",
    "ce soir",
    "a soir",
    "tout de suite",
    "au plus vite",
    "ce midi",
    "demain matin",
    "ce matin",
)
DEADLINE_NEEDS = (
    "come",
    "bring",
    "ready",
    "on the way",
    "shown up",
    "need",
    "fix",
    "venir",
    "passer",
    "pret",
    "prete",
    "besoin",
    "corriger",
    "livre",
    "livree",
    "arrive",
    "arrivee",
    "repond",
)
QUESTION_OPENERS = (
    "how",
    "when",
    "where",
    "why",
    "what",
    "which",
    "who",
    "can you",
    "could you",
    "do you",
    "does",
    "is it",
    "are you",
    "will you",
    "is there",
    "comment",
    "quand",
    "ou est",
    "ou sont",
    "pourquoi",
    "combien",
    "quel",
    "quelle",
    "quels",
    "quelles",
    "est-ce",
    "est-ce que",
    "avez-vous",
    "pouvez-vous",
    "etes-vous",
    "vous faites",
    "c'est quoi",
    "y a-t-il",
    "allez-vous",
    "faites-vous",
)
# "C'est malade" is praise in Quebec: where nlp/slang.py sees no sign either way (no "!", no cue,
# no complaint), "malade" counts as sickness only outside these.
_PRAISE_MALADE = {
    ("c'", "est", "malade"),
    ("c'", "etait", "malade"),
    ("trop", "malade"),
    ("full", "malade"),
    ("vraiment", "malade"),
}


@lru_cache(maxsize=1)
def _index() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    from .tokens import words_of

    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for category, (_, terms) in URGENT.items():
        for term in terms:
            words = tuple(fold_accents(w) for w in words_of(term))
            index.setdefault(words[0], []).append((words, category))
    return index


def folded(tokens: list[Token]) -> list[str]:
    """Return the accent-less lookup forms of tokens, what every signal here matches on."""
    return [fold_accents(t.norm) for t in tokens]


def urgent(
    tokens: list[Token], senses: dict[int, str] | None = None, words: list[str] | None = None
) -> dict[str, str]:
    """Return category -> the first term that signalled it; senses: nlp/slang.senses of the tokens;
    words: folded(tokens), when the caller has them already."""
    if words is None:
        words = folded(tokens)
    index = _index()
    found: dict[str, str] = {}
    for i, w in enumerate(words):
        for phrase, category in index.get(w, ()):
            if category in found or tuple(words[i : i + len(phrase)]) != phrase:
                continue
            if senses and i in senses and len(phrase) == 1:
                if senses[i] != LITERAL:
                    continue  # "Trop malade, le brunch!!", "malade de charger 8$": not a sick customer
            elif phrase == ("malade",) and any(tuple(words[max(0, i - k) : i + 1]) in _PRAISE_MALADE for k in (1, 2)):
                continue
            found[category] = " ".join(phrase)
    return found


@lru_cache(maxsize=4)
def _phrases(terms: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    from .tokens import words_of

    return tuple(tuple(fold_accents(w) for w in words_of(t)) for t in terms)


@lru_cache(maxsize=4)
def _by_first_word(terms: tuple[str, ...]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Return first word -> the phrases of terms that start with it, in the order of terms."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in _phrases(terms):
        index.setdefault(phrase[0], []).append(phrase)
    return {first: tuple(phrases) for first, phrases in index.items()}


def _first(words: list[str], terms: tuple[str, ...]) -> str | None:
    """Return the first of terms found in words (earliest position, then order of terms), or None."""
    index = _by_first_word(terms)
    for i, word in enumerate(words):
        for phrase in index.get(word, ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                return " ".join(phrase)
    return None


def deadline(tokens: list[Token], words: list[str] | None = None) -> str | None:
    """Return the same-day term of a comment that needs something by then ("Can someone come
    today?"), else None; the caller asks only of questions and requests. words: folded(tokens)."""
    if words is None:
        words = folded(tokens)
    term = _first(words, DEADLINE_TERMS)
    if term is None or _first(words, DEADLINE_NEEDS) is None:
        return None
    return term


def is_question(tokens: list[Token]) -> bool:
    """True when the comment asks something: a question mark, or opens like a question."""
    if any(t.norm.startswith("?") for t in tokens):
        return True
    words = [fold_accents(t.norm) for t in tokens[:3] if t.norm.isalpha() or "'" in t.norm or "-" in t.norm]
    head2 = " ".join(words[:2])
    return bool(words) and ((words[0] in QUESTION_OPENERS and len(tokens) > 3) or head2 in QUESTION_OPENERS)
