"""One comment in, everything the inbox needs out: language, sentiment, priority, reasons, spam."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import encoder, language, lexicon, priority, sentiment, signals, slang, spam
from .text import clean
from .tokens import tokenize
from .types import DEFAULT_LANGS, DEFAULT_RESPONSE_TARGET_SECONDS, Result

# Sentiment models ship for these; other languages are read with the rules and emoji alone.
_SENTIMENT_LANGS = ("en", "fr")
# An urgent matter (lawyer, refund, allergy…) outside a question is a complaint unless the
# comment reads at least this positive.
_COMPLAINT_UNLESS = 0.3
# Urgent matters a customer asks about without complaining: "Est-ce que votre pâte contient des
# noix? Mon fils est allergique.", "Tracking says delivered but nothing at my door. Can you
# check?", "Can someone come today?". Urgent, and neutral unless a word in them complains.
_ASKED_ABOUT = frozenset({"allergy", "not_received", "deadline"})
# Requests that carry a deadline as a question does: "Please fix this today", "svp".
_REQUEST = frozenset({"please", "svp", "plz", "pls"})


def _complains(evidence: list[str]) -> bool:
    """True when the rules scored a word against the business or saw sarcasm."""
    for item in evidence:
        if item.startswith("sarcasm:"):
            return True
        term, _, score = item.rpartition(":")
        if term and score[:1] == "-" and score[1:].replace(".", "", 1).isdigit() and not term.startswith("model"):
            return True
    return False


def analyze(
    text: str,
    *,
    followers: int | None = None,
    platform: str | None = None,
    already_replied: bool = False,
    age_seconds: float | None = None,
    response_target_seconds: float = DEFAULT_RESPONSE_TARGET_SECONDS,
    expected_langs: Sequence[str] | str = DEFAULT_LANGS,
    vector: Sequence[float] | None = None,
) -> Result:
    """Return the language, sentiment, priority, reasons, spam flag and evidence of text.

    vector: the text's embedding by nlp.encoder (the full path); its head's reading is blended
    with the learned layer's. Without it, the fast path.
    """
    del platform  # accepted for callers' convenience; no platform-specific rule exists by design
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if isinstance(expected_langs, str):
        expected_langs = [x.strip() for x in expected_langs.split(",")]
    langs = tuple(x for x in expected_langs if isinstance(x, str) and x) or DEFAULT_LANGS
    cleaned = clean(text)
    lang, confidence = language.detect(cleaned, langs)
    tokens = tokenize(cleaned)
    lowered = cleaned.lower()
    # Quebec praise slang ("malade!") read once: the rules score it as praise, and the sickness
    # signal leaves it out.
    senses = slang.senses(tokens, lexicon.get(lang), lowered)
    if lang in _SENTIMENT_LANGS:
        encoded = None
        if vector is not None:
            head = encoder.head_probabilities(vector, lang)
            encoded = None if head is None else (head, encoder.blend_weight())
        label, polarity, evidence = sentiment.analyze(
            cleaned, lang, tokens=tokens, senses=senses, encoded=encoded, lowered=lowered
        )
        if encoded is not None:
            evidence = evidence + ["encoder"]
    else:
        # Undetermined or another language: a short "meh" or "merci 🙏" is still read, with the
        # rules of whichever of French and English finds more in it (emoji count in both).
        readings = [
            sentiment.analyze(cleaned, x, learned=False, tokens=tokens, lowered=lowered) for x in _SENTIMENT_LANGS
        ]
        label, polarity, evidence = max(readings, key=lambda r: (len(r[2]), abs(r[1])))
    is_spam, spam_markers = spam.check(cleaned, lowered)
    words = signals.folded(tokens)
    urgent = signals.urgent(tokens, senses, words)
    question = signals.is_question(tokens)
    if "deadline" not in urgent and (question or any(t.norm in _REQUEST for t in tokens)):
        term = signals.deadline(tokens, words)
        if term is not None:
            urgent["deadline"] = term
    if label == "negative" and question and urgent and set(urgent) <= _ASKED_ABOUT and not _complains(evidence):
        # The learned layer reads "?" and "allergique" as trouble; the customer only asks.
        label, polarity = "neutral", 0.0
        evidence = evidence + ["asked"]
    elif label != "negative" and set(urgent) - {"deadline"} and not question and polarity < _COMPLAINT_UNLESS:
        # "You'll hear from my lawyer", "I want a refund now": a complaint said plainly holds no
        # rated word, yet no community manager reads it as neutral (nor as the weak positive the
        # model may give it). "Do you refund?" and "Merci pour le remboursement rapide!" stay.
        label, polarity = "negative", min(polarity, -0.3)
        evidence = evidence + ["complaint"]
    if is_spam:
        label, polarity = "neutral", 0.0
    rank, reasons = priority.score(
        sentiment=label,
        polarity=polarity,
        urgent=urgent,
        question=question,
        followers=_as_int(followers),
        already_replied=bool(already_replied),
        age_seconds=_as_float(age_seconds),
        response_target_seconds=float(response_target_seconds),
        spam=is_spam,
        shouting=any(e == "caps" for e in evidence),
        sarcasm=any(e.startswith("sarcasm:") for e in evidence),
    )
    evidence = evidence + [f"urgent:{c}:{term}" for c, term in urgent.items()] + [f"spam:{m}" for m in spam_markers]
    return Result(
        lang=lang,
        lang_confidence=float(confidence),
        sentiment=label,
        polarity=float(polarity),
        priority=rank,
        reasons=reasons,
        spam=is_spam,
        evidence=evidence[:20],
    )


def _as_int(value: Any) -> int | None:
    try:
        return None if value is None else max(0, int(value))
    except (TypeError, ValueError):
        return None


def _as_float(value: Any) -> float | None:
    try:
        return None if value is None else max(0.0, float(value))
    except (TypeError, ValueError):
        return None


def warm_up(expected_langs: tuple[str, ...] = DEFAULT_LANGS) -> None:
    """Load every model and lexicon now, so the first real comment is as fast as the rest."""
    language.load(expected_langs)
    for lang in _SENTIMENT_LANGS:
        sentiment.analyze("ok", lang)
    analyze("warm up", expected_langs=expected_langs)
