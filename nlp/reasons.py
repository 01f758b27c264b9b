"""Reason codes behind a priority, and the short text staff see for each, in French or English.

`analyze` returns stable codes ("negative", "urgent:refund", "overdue", ...) so that stored items
keep their meaning when wording changes; the inbox shows `describe(code, ui_lang)`. The
`jasette analyze` command prints both: `reasons` (codes) and `reasons_text` (French by default,
`--ui-lang en` for English), French first because Quebec businesses work in French by default.
"""

from __future__ import annotations

_TEXT: dict[str, tuple[str, str]] = {
    # code: (French, English)
    "negative": ("Commentaire négatif", "Negative comment"),
    "very_negative": ("Très négatif", "Very negative"),
    "shouting": ("Écrit en majuscules", "Written in capitals"),
    "sarcasm": ("Ton sarcastique", "Sarcastic tone"),
    "question": ("Question qui attend une réponse", "Question awaiting an answer"),
    "reach": ("Auteur très suivi", "Author with a large following"),
    "overdue": ("Délai de réponse dépassé", "Response time exceeded"),
    "due_soon": ("Délai de réponse bientôt dépassé", "Response time nearly exceeded"),
    "replied": ("Déjà répondu", "Already answered"),
    "spam": ("Pourriel ou arnaque probable", "Likely spam or scam"),
    "positive": ("Commentaire positif", "Positive comment"),
    "low_rating": ("Note d'une ou deux étoiles", "One- or two-star rating"),
    "urgent:allergy": ("Allergie mentionnée", "Allergy mentioned"),
    "urgent:sick": ("Client malade", "Customer reports illness"),
    "urgent:injury": ("Blessure signalée", "Injury reported"),
    "urgent:safety": ("Problème de sécurité", "Safety issue"),
    "urgent:legal": ("Menace de poursuite", "Legal threat"),
    "urgent:harassment": ("Harcèlement, menace ou discrimination", "Harassment, threat or discrimination"),
    "urgent:scam": ("Accuse d'arnaque", "Scam accusation"),
    "urgent:billing": ("Facturé en double", "Charged twice"),
    "urgent:refund": ("Demande de remboursement", "Refund request"),
    "urgent:not_received": ("Commande non reçue", "Order not received"),
    "urgent:deadline": ("Échéance aujourd'hui", "Needed today"),
}
CODES = tuple(_TEXT)


def describe(code: str, lang: str) -> str:
    """Return the short text staff see for a reason code, in "fr" or "en" (French otherwise)."""
    pair = _TEXT.get(code)
    if pair is None:
        return code
    return pair[1] if lang == "en" else pair[0]
