"""Priority 0-100, reason codes and their wording, spam: what orders the inbox."""

import pytest

from nlp import analyze
from nlp.reasons import CODES, describe


@pytest.mark.parametrize(
    "text,code",
    [
        ("Je veux un remboursement", "urgent:refund"),
        ("I want a refund now", "urgent:refund"),
        ("Mon fils a fait une réaction allergique à vos biscuits", "urgent:allergy"),
        ("My daughter had an allergic reaction to your cookies", "urgent:allergy"),
        ("J'ai été malade toute la nuit après votre poulet", "urgent:sick"),
        ("I got sick after eating there", "urgent:sick"),
        ("Mon avocat va vous contacter", "urgent:legal"),
        ("You'll hear from my lawyer", "urgent:legal"),
        ("C'est une arnaque, vous êtes des voleurs", "urgent:scam"),
        ("This is a scam", "urgent:scam"),
        ("Commande pas reçue après 3 semaines", "urgent:not_received"),
        ("I never received my order", "urgent:not_received"),
        ("Votre employé m'a harcelée au comptoir", "urgent:harassment"),
        ("Your driver harassed me", "urgent:harassment"),
        ("Je me suis brûlée avec votre café, grosse blessure", "urgent:injury"),
        ("I got hurt on your broken stairs, injury to my knee", "urgent:injury"),
        ("Il y avait un morceau de verre dans ma soupe, c'est dangereux", "urgent:safety"),
        ("There was glass in my soup, totally unsafe", "urgent:safety"),
    ],
)
def test_urgent_matters_in_both_languages(text, code):
    result = analyze(text)
    assert code in result.reasons
    assert result.priority >= 50


def test_quebec_praise_malade_is_not_sickness():
    assert "urgent:sick" not in analyze("C'était malade hier soir, merci!").reasons


def test_order_of_the_inbox():
    allergy = analyze("Mon fils a fait une réaction allergique après votre dessert, c'est grave").priority
    angry = analyze("Service horrible, plus jamais!").priority
    question = analyze("Vous êtes ouverts à quelle heure demain?").priority
    thanks = analyze("Merci beaucoup, c'était délicieux!").priority
    spam = analyze("DM me for 10k followers!!").priority
    assert allergy > angry > question > thanks > spam


def test_question_expects_an_answer():
    assert "question" in analyze("Do you deliver to Laval?").reasons
    assert "question" in analyze("Est-ce que vous livrez à Laval").reasons
    assert "question" not in analyze("Great coffee").reasons


def test_reach_raises_priority():
    text = "Service très lent aujourd'hui"
    small, big = analyze(text, followers=50), analyze(text, followers=250_000)
    assert big.priority > small.priority
    assert "reach" in big.reasons and "reach" not in small.reasons


def test_already_replied_drops_priority():
    text = "Service horrible, je veux un remboursement"
    open_, answered = analyze(text), analyze(text, already_replied=True)
    assert answered.priority < open_.priority / 2
    assert "replied" in answered.reasons


def test_age_against_the_response_target():
    text = "Est-ce que vous avez des options sans gluten?"
    fresh = analyze(text, age_seconds=60, response_target_seconds=3600)
    soon = analyze(text, age_seconds=2400, response_target_seconds=3600)
    late = analyze(text, age_seconds=7200, response_target_seconds=3600)
    assert fresh.priority < soon.priority < late.priority
    assert "due_soon" in soon.reasons and "overdue" in late.reasons


@pytest.mark.parametrize(
    "text",
    [
        "DM me for 10k followers!!",
        "Buy real followers cheap at www.growfast.xyz",
        "Congratulations! You have won a $500 gift card, click here to claim your prize http://win.xyz",
        "Best online casino bonus, 200 free spins www.bet-casino.xyz",
        "Vous avez gagné une carte-cadeau! Cliquez ici pour réclamer votre prix",
        "Abonnés gratuits et likes pas chers, écris-moi en DM",
        "Double your money with bitcoin, check my profile",
    ],
)
def test_spam_is_flagged_and_ranked_last(text):
    result = analyze(text, followers=100_000)
    assert result.spam is True
    assert result.reasons == ["spam"]
    assert result.priority <= 5


@pytest.mark.parametrize(
    "text",
    [
        "This is a scam, I want my money back",
        "Casino night at your bar was great!",
        "Je suis abonnée à votre page depuis des années",
    ],
)
def test_customers_are_not_spam(text):
    assert analyze(text).spam is False


def test_every_reason_code_has_short_french_and_english_text():
    for code in CODES:
        fr, en = describe(code, "fr"), describe(code, "en")
        assert fr and en and fr != code and en != code
        assert len(fr) <= 40 and len(en) <= 40
    assert describe("urgent:refund", "fr") == "Demande de remboursement"
    assert describe("urgent:refund", "en") == "Refund request"
    assert describe("no-such-code", "fr") == "no-such-code"


def test_reasons_returned_are_known_codes():
    for text in ["Je veux un remboursement!!!", "DM me for followers", "Do you deliver?", "merci"]:
        for code in analyze(text, followers=50_000, age_seconds=99999).reasons:
            assert code in CODES


@pytest.mark.parametrize(
    "text",
    [
        "J'ai essayé le cours de yin samedi passé: malade! Continuez comme ça.",
        "Vraiment écoeurant, le latte à l'avoine! On revient la semaine prochaine",
        "C'est malade ce café!",
        "Trop malade, le brunch!!",
        "C'est sick!",
        "That new burger is sick 🔥",
        "Le show de vendredi était malade!! Bravo à l'équipe",
        "Vos beignes sont écoeurants!!! 😍",
    ],
)
def test_quebec_praise_slang_is_neither_sickness_nor_urgent(text):
    result = analyze(text)
    assert "urgent:sick" not in result.reasons
    assert not any(code in result.reasons for code in ("negative", "very_negative"))
    assert result.priority < 30


@pytest.mark.parametrize(
    "text",
    ["C'est malade de charger 8$ pour un café!", "I'm sick of waiting for my order", "I am sick and tired of your service"],
)
def test_outrage_slang_is_a_complaint_not_an_illness(text):
    result = analyze(text)
    assert result.sentiment == "negative"
    assert "urgent:sick" not in result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Je suis tombé malade après votre poutine",
        "Mon fils est malade depuis qu'il a mangé chez vous",
        "Malade après votre poutine!",
        "Ma fille est trop malade, on a passé la nuit à l'urgence!",
        "Malade! J'ai vomi toute la nuit",
        "I got sick after your burger!",
        "My son is sick since he ate there",
        "Ma blonde a été malade toute la nuit!",
        "I'm sick!",
        "Malade 🤢",
    ],
)
def test_real_sickness_stays_urgent(text):
    result = analyze(text)
    assert "urgent:sick" in result.reasons
    assert result.sentiment == "negative"
    assert result.priority >= 50


def test_praise_then_a_contrasting_complaint_is_no_illness():
    # The contrast makes the parking the point (negative), but nobody is sick.
    result = analyze("Malade! Par contre le stationnement est poche")
    assert result.sentiment == "negative"
    assert "urgent:sick" not in result.reasons
    assert "urgent:sick" in analyze("Malade! Mais j'ai vomi toute la nuit").reasons


@pytest.mark.parametrize(
    "text",
    [
        "You'll hear from my lawyer",
        "I want a refund now",
        "Mon avocat va vous appeler",
        "Je veux être remboursée",
    ],
)
def test_a_plain_complaint_is_negative_even_without_a_rated_word(text):
    result = analyze(text)
    assert result.sentiment == "negative", result.evidence
    assert result.polarity < 0


def test_thanks_for_a_refund_stays_positive():
    assert analyze("Merci pour le remboursement super rapide, service impeccable!").sentiment == "positive"
    assert analyze("Thanks so much for the quick refund, amazing service!").sentiment == "positive"


@pytest.mark.parametrize("text", ["Do you offer refunds?", "Est-ce que vous remboursez les billets?"])
def test_a_question_about_a_refund_is_not_a_complaint(text):
    result = analyze(text)
    assert result.sentiment != "negative", result.evidence
    assert "question" in result.reasons
