"""Language identification of short social texts: clean-up, `und`, candidates, confidence."""

import pytest

from nlp import analyze
from nlp.language import candidates, detect, detect_langdetect


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Ma commande est toujours pas arrivée, ça fait deux semaines", "fr"),
        ("Still waiting for my order, it has been two weeks", "en"),
        ("Service full lent ce matin", "fr"),
        ("Merci pour tout!", "fr"),
        ("Thanks so much guys", "en"),
        ("@cafe_du_plateau #mtl Les croissants sont incroyables https://t.co/x", "fr"),
        ("¿Dónde está la tienda más cercana?", "es"),
        ("Das Essen war wirklich sehr gut", "de"),
    ],
)
def test_short_comments(text, lang):
    assert detect(text)[0] == lang


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "😍😍😍",
        "@user @other",
        "https://example.com/a?b=c",
        "#mtl #yul",
        "12345 !!! ???",
        "ok",
        "\u200b\u200d\ufeff",
    ],
)
def test_nothing_to_detect_is_und(text):
    assert detect(text) == ("und", 0.0)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("مرحبا كيف حالك اليوم", "ar"),
        ("Привет, как дела сегодня?", "ru"),
        ("今日はとても良い天気ですね", "ja"),
        ("Γεια σου τι κάνεις", "el"),
    ],
)
def test_other_scripts_decided_by_script(text, lang):
    assert detect(text)[0] == lang


def test_mentions_urls_and_hashtags_do_not_vote():
    # English-looking handles and tags around a French sentence.
    text = "@TheBestCoffeeShop #ThankYou #LoveIt https://www.example.com/the/best c'est vraiment bon ici"
    assert detect(text)[0] == "fr"


def test_expected_languages_come_first_and_others_stay_possible():
    assert candidates(("en",))[0] == "en"
    assert "fr" in candidates(("fr", "en")) and "es" in candidates(("fr", "en"))
    assert candidates(("fr", "xx"))[0] == "fr" and "xx" not in candidates(("fr", "xx"))


def test_confidence_is_a_probability_and_grows_with_text():
    short = detect("bon service")[1]
    long = detect("Le service était bon et le personnel très gentil, nous reviendrons avec plaisir")[1]
    assert 0.0 <= short <= 1.0 and 0.0 <= long <= 1.0
    assert long >= short


def test_seeded_langdetect_is_deterministic_and_restricted():
    text = "Le service était bon et le personnel très gentil"
    first = detect_langdetect(text)
    assert first == detect_langdetect(text) and first[0] == "fr"
    assert detect_langdetect("😍") == ("und", 0.0)


def test_analyze_reports_language():
    result = analyze("Le service était excellent, merci!")
    assert result.lang == "fr" and result.lang_confidence > 0.5


@pytest.mark.parametrize(
    "text",
    [
        "Honestly the staff at Café Saint-Laurent never disappoint, best croissants on Boulevard Saint-Laurent",
        "We loved the brunch at Chez Gaston Pâtisserie Rivière-des-Prairies, thanks again",
    ],
)
def test_french_business_and_place_names_do_not_make_an_english_comment_french(text):
    assert detect(text)[0] == "en"


def test_french_comment_is_not_taken_for_catalan():
    assert detect("J'ai essayé la peinture samedi passé: malade! Continuez comme ça.")[0] == "fr"


def test_without_names_keeps_sentence_starts_and_i():
    from nlp.language import without_names

    assert without_names("Five stars. Café Saint-Laurent never disappoints, I'm back Monday") == (
        "Five stars. Café never disappoints, I'm back"  # "Café" starts a sentence
    )
