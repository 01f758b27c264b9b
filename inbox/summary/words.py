"""Labels of the weekly summary in French and English."""

from __future__ import annotations

from typing import Any

_FR = {
    "title": "Résumé de la semaine", "week": "Semaine", "partial": "semaine en cours : chiffres partiels",
    "volume": "Volume", "total": "Messages", "previous": "semaine précédente", "change": "variation",
    "by_platform": "Par plateforme", "by_lang": "Par langue", "by_day": "Par jour", "spam": "indésirables",
    "sentiment": "Sentiment", "negative": "Négatif", "neutral": "Neutre", "positive": "Positif",
    "unanalyzed": "Non analysé", "average": "Sentiment moyen", "this_week": "Cette semaine",
    "terms_negative": "Mots fréquents (négatif)", "terms_positive": "Mots fréquents (positif)",
    "urgent": "Les plus urgents", "status": "Suivi", "priority": "Priorité",
    "response": "Délai de première réponse", "median": "Médiane", "p90": "90e centile",
    "answered": "Répondus", "unanswered": "Sans réponse", "alerts": "Alertes déclenchées",
    "none": "Aucun", "open_inbox": "Voir le résumé en ligne", "csv": "Exporter en CSV",
    "status_new": "nouveau", "status_open": "ouvert", "status_pending": "en attente", "status_done": "traité",
    "answered_in": "répondu en", "not_answered": "sans réponse",
    "footer": "Vous recevez ce résumé chaque lundi en tant que propriétaire de",
    "days": ["lun", "mar", "mer", "jeu", "ven", "sam", "dim"],
}
_EN = {
    "title": "Weekly summary", "week": "Week", "partial": "week in progress: partial figures",
    "volume": "Volume", "total": "Items", "previous": "previous week", "change": "change",
    "by_platform": "By platform", "by_lang": "By language", "by_day": "By day", "spam": "spam",
    "sentiment": "Sentiment", "negative": "Negative", "neutral": "Neutral", "positive": "Positive",
    "unanalyzed": "Not analysed", "average": "Average sentiment", "this_week": "This week",
    "terms_negative": "Frequent terms (negative)", "terms_positive": "Frequent terms (positive)",
    "urgent": "Most urgent", "status": "Outcome", "priority": "Priority",
    "response": "First-response time", "median": "Median", "p90": "90th percentile",
    "answered": "Answered", "unanswered": "Unanswered", "alerts": "Alerts fired",
    "none": "None", "open_inbox": "See the summary online", "csv": "Export as CSV",
    "status_new": "new", "status_open": "open", "status_pending": "pending", "status_done": "done",
    "answered_in": "answered in", "not_answered": "not answered",
    "footer": "You receive this summary every Monday as an owner of",
    "days": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}


def words(lang: str) -> dict[str, Any]:
    """The catalogue of a language (French unless English is asked)."""
    return _EN if lang == "en" else _FR


def duration(seconds: float | None, lang: str) -> str:
    """'1 h 05', '12 min', '40 s' — or a dash when unknown."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400 * 2:
        return f"{s // 3600} h {s % 3600 // 60:02d}"
    return f"{s // 86400} {'d' if lang == 'en' else 'j'}"


def number(value: float | None, lang: str, digits: int = 0) -> str:
    """A number with the language's decimal sign; a dash when unknown."""
    if value is None:
        return "—"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "fr" else text


def signed(value: float | None, lang: str, digits: int = 0) -> str:
    """A change with its sign (+3, −0,12)."""
    if value is None:
        return "—"
    text = f"{value:+.{digits}f}".replace("-", "−")
    return text.replace(".", ",") if lang == "fr" else text


def percent(share: float | None, lang: str) -> str:
    """0.4321 -> '43 %' (French) / '43%' (English)."""
    if share is None:
        return "—"
    return f"{round(share * 100)} %" if lang == "fr" else f"{round(share * 100)}%"
