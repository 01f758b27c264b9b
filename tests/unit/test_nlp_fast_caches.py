"""The fast path's caches (issue 14) change no reading: a comment reads the same whatever came before it."""

from __future__ import annotations

import dataclasses

import pytest

from nlp import language, lexicon, signals, tokens
from nlp.analysis import analyze

COMMENTS = [
    "Service full lent ce midi, c'est plate",
    "Merci!",
    "Merci!",
    "Soooo gooood, WORST wait ever though 😡 @user http://example.com/p/1",
    "Vos beignes sont écoeurants!!! 😍",
    "Can someone come today? The sink is leaking",
    "Est-ce que vous êtes ouverts le lundi? Mon fils est allergique aux noix",
    "DM me for 10k followers, cheap likes fast",
    "Congratulations! You won a gift card, click here to claim",
    "J'ai essayé la peinture samedi passé: malade! Continuez comme ça.",
    "Five stars. Café Saint-Laurent never disappoints, the staff were lovely",
    "meh",
    "xD",
    "Thanks for nothing 🙄",
]


def _clear() -> None:
    tokens._KNOWN.clear()
    language._WORD_ROWS.clear()
    language._lingua_posteriors.cache_clear()
    for lang in ("en", "fr"):
        lexicon.get(lang)._scores.clear()


def test_a_comment_reads_the_same_first_or_after_others() -> None:
    _clear()
    forward = [analyze(text) for text in COMMENTS]
    _clear()
    backward = [analyze(text) for text in reversed(COMMENTS)][::-1]
    assert forward == backward
    assert forward[1] == forward[2]


def test_three_gram_rows_word_by_word_are_those_of_the_whole_text() -> None:
    langs = language.candidates(("fr", "en"))
    for text in ("Service full lent ce midi c'est plate", "a b", "Merci Karim pour le service", "x-y z'a"):
        assert language._rows(text, langs) == language._rows_of_grams(text, langs)


def test_deadline_finds_the_earliest_term_as_before() -> None:
    words = signals.folded(tokens.tokenize("Pouvez-vous venir ce soir ou demain matin?"))
    assert signals.deadline(tokens.tokenize("Pouvez-vous venir ce soir ou demain matin?"), words) == "ce soir"
    assert signals.deadline(tokens.tokenize("Vous êtes ouverts ce soir?")) is None


def test_tokens_are_shared_and_cannot_be_changed() -> None:
    first = tokens.tokenize("merci merci")
    assert first[0] is first[1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first[0].norm = "other"  # type: ignore[misc]
