"""VADER's reading (nlp/valence.py): the rules it ports, in English and French, and its use by the model."""

import pytest

from nlp import valence
from nlp.analysis import analyze


def compound(text, lang):
    return valence.scores(text, lang)[0]


@pytest.mark.parametrize(
    "text, lang",
    [
        ("The staff were friendly and helpful", "en"),
        ("What a horrible, rude experience", "en"),
        ("Le personnel était aimable et accueillant", "fr"),
        ("Une expérience horrible, personnel impoli", "fr"),
    ],
)
def test_rated_words_give_the_sign_a_reader_expects(text, lang):
    c, pos, neg = valence.scores(text, lang)
    expected_positive = "friendly" in text or "aimable" in text
    assert (c > 0.3) if expected_positive else (c < -0.3)
    assert (pos > neg) == expected_positive
    assert 0.0 <= pos <= 1.0 and 0.0 <= neg <= 1.0


@pytest.mark.parametrize(
    "plain, negated, lang",
    [
        ("The pizza was good", "The pizza was not good", "en"),
        ("The pizza was good", "The pizza wasn't very good", "en"),
        ("La pizza était bonne", "La pizza n'était pas bonne", "fr"),
        ("Un service agréable", "Un service jamais agréable", "fr"),
    ],
)
def test_negation_within_three_words_turns_the_reading(plain, negated, lang):
    assert compound(plain, lang) > 0
    assert compound(negated, lang) < 0


def test_boosters_capitals_and_exclamations_strengthen_the_reading():
    base = compound("The service was good", "en")
    assert compound("The service was very good", "en") > base
    assert compound("The service was GOOD", "en") > base
    assert compound("The service was good!!!", "en") > base
    assert compound("Le service était très bon", "fr") > compound("Le service était bon", "fr")


def test_the_clause_after_but_or_mais_dominates():
    assert compound("The food was great but the service was terrible", "en") < 0
    assert compound("The food was terrible but the service was great", "en") > 0
    assert compound("La bouffe était horrible mais le service était génial", "fr") > 0


def test_french_words_are_found_without_their_accents():
    assert compound("Service decevant, experience horrible", "fr") < -0.3
    assert compound("Service decevant, experience horrible", "fr") == pytest.approx(
        compound("Service décevant, expérience horrible", "fr")
    )


@pytest.mark.parametrize("text", ["", "   ", "🙂🙂", "@user http://url_removed #tag", "a" * 100_000, "\x00\x07 ok"])
def test_hostile_or_empty_text_is_read_without_error(text):
    c, pos, neg = valence.scores(text, "en")
    assert -1.0 <= c <= 1.0 and 0.0 <= pos <= 1.0 and 0.0 <= neg <= 1.0


def test_languages_without_a_vocabulary_read_nothing():
    assert valence.scores("Das Essen war ausgezeichnet", "de") == (0.0, 0.0, 0.0)


def test_skipped_words_count_as_unrated():
    assert compound("C'est malade!", "fr") < 0  # VADER-FR knows only the sickness sense
    assert valence.scores("C'est malade!", "fr", frozenset({"malade"})) == (0.0, 0.0, 0.0)


def test_quebec_praise_slang_is_not_read_as_sickness_by_vader():
    # VADER-FR rates "malade" and "écoeurant" as negative; slang.py's praise sense must win.
    assert analyze("Vos beignes sont écoeurants!!! 😍").sentiment == "positive"
    assert analyze("C'est malade ce café!").sentiment == "positive"


def test_sarcasm_turns_vader_praise_around():
    assert analyze("Oh great, another late delivery 🙄").sentiment == "negative"
    assert analyze("Wow, bravo champion, encore une commande perdue").sentiment == "negative"


def test_same_text_same_scores():
    text = "Honestly the BEST brunch in town, but parking is a nightmare!!"
    assert len({valence.scores(text, "en") for _ in range(5)}) == 1
