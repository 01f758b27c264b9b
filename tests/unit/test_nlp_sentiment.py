"""Sentiment on the hard cases of social comments, in French (Quebec) and English.

Each expectation is what a bilingual community manager would label the comment.
"""

import pytest

from nlp import analyze

FRENCH = [
    ("C'est pas pire pantoute!", "positive"),
    ("Pas pire pantoute, merci", "positive"),
    ("Le service était vraiment poche", "negative"),
    ("C'est plate que vous soyez fermés dimanche", "negative"),
    ("Tiguidou, merci pour la livraison rapide!", "positive"),
    ("Je capote sur vos croissants 😍", "positive"),
    ("Service super lent, je capote", "negative"),
    ("Écoeurant comment vous traitez vos clients", "negative"),
    ("Le livreur était niaiseux avec moi", "negative"),
    ("Service full lent ce matin", "negative"),
    ("Ils ont cancellé ma commande sans m'avertir", "negative"),
    ("Service tres decevant, jamais je reviens", "negative"),
    ("J'aime pas ça du tout", "negative"),
    ("Je n'aime pas votre nouveau menu", "negative"),
    ("La bouffe est bonne mais le service est horrible", "negative"),
    ("Le service est lent mais la bouffe est excellente", "positive"),
    ("Merci pour rien 🙄", "negative"),
    ("Wow, bravo champion, encore une commande perdue", "negative"),
    ("C'EST INACCEPTABLE!!!", "negative"),
    ("Super bon, merci!!", "positive"),
    ("Vous êtes ouverts à quelle heure demain?", "neutral"),
    ("Ma commande est toujours pas reçue", "negative"),
    ("C'était malade hier soir, merci!", "positive"),
    ("Le food était awesome", "positive"),
    ("Bonne journée!", "positive"),
    ("Merci beaucoup à toute l'équipe", "positive"),
]
ENGLISH = [
    ("The food was great but the service was terrible", "negative"),
    ("The wait was long but the food was amazing", "positive"),
    ("Not bad at all!", "positive"),
    ("I don't like the new menu", "negative"),
    ("This is NOT good", "negative"),
    ("Thanks for nothing 🙄", "negative"),
    ("Oh great, another late delivery", "negative"),
    ("Love it!!! 😍😍", "positive"),
    ("WORST. SERVICE. EVER.", "negative"),
    ("sooo disappointed", "negative"),
    ("What time do you open on Sunday?", "neutral"),
    ("Never received my order", "negative"),
    ("Great job guys, only took 2 hours 🙄", "negative"),
    ("Yeah right, best pizza in town /s", "negative"),
    ("meh", "negative"),
    ("Loved it :)", "positive"),
]
EMOJI = [("😡😡😡", "negative"), ("👍", "positive"), ("❤️❤️", "positive"), ("💩", "negative")]


@pytest.mark.parametrize("text,label", FRENCH)
def test_french_and_quebec_french(text, label):
    assert analyze(text).sentiment == label


@pytest.mark.parametrize("text,label", ENGLISH)
def test_english(text, label):
    assert analyze(text).sentiment == label


@pytest.mark.parametrize("text,label", EMOJI)
def test_emoji_alone_carry_sentiment(text, label):
    result = analyze(text)
    assert result.lang == "und"
    assert result.sentiment == label


def test_polarity_sign_matches_label():
    for text, _ in FRENCH + ENGLISH + EMOJI:
        result = analyze(text)
        assert -1.0 <= result.polarity <= 1.0
        if result.sentiment == "negative":
            assert result.polarity < 0
        elif result.sentiment == "positive":
            assert result.polarity > 0
        else:
            assert abs(result.polarity) < 0.05


def test_negation_flips_and_is_shown():
    good, not_good = analyze("This is good"), analyze("This is not good")
    assert good.sentiment == "positive" and not_good.sentiment == "negative"
    assert any(e.startswith("not good") for e in not_good.evidence)
    assert any(e.startswith("pas aime") for e in analyze("Je n'aime pas ce café").evidence)


def test_contrast_clause_after_but_dominates_and_is_shown():
    result = analyze("La bouffe est bonne mais le service est horrible")
    assert "contrast:mais" in result.evidence
    assert (
        analyze("The food was great but the service was terrible").polarity
        < analyze("The service was terrible but the food was great").polarity
    )


def test_intensifiers_caps_and_punctuation_strengthen():
    plain = analyze("The service was bad").polarity
    assert analyze("The service was really bad").polarity < plain
    assert analyze("The service was BAD!!!").polarity < plain
    assert "caps" in analyze("THIS IS THE WORST SERVICE").evidence


def test_sarcasm_marker_turns_praise_around():
    result = analyze("Merci pour rien 🙄")
    assert "sarcasm:🙄" in result.evidence
    assert "sarcasm" in result.reasons


def test_missing_accents_read_like_accented_words():
    assert analyze("Tres decu du service").sentiment == analyze("Très déçu du service").sentiment == "negative"
    assert analyze("ecoeurant comment vous traitez le monde").sentiment == "negative"


def test_evidence_lists_the_words_that_moved_it():
    result = analyze("Service full lent, c'est plate")
    assert any(e.startswith("full lent") for e in result.evidence)
    assert any(e.startswith("c'est plate") for e in result.evidence)


def test_rules_overrule_the_model_on_short_comments_only():
    from nlp.features import extract
    from nlp.sentiment import SHORT_WORDS, content_words, reading_of, rules_verdict

    short = "Vous êtes ouverts à quelle heure demain?"
    tokens, reading = reading_of(short, "fr")
    words = content_words(extract(tokens, reading))
    assert words == 6 <= SHORT_WORDS  # "vous êtes ouverts quelle heure demain": "à" and "?" do not count
    assert rules_verdict(reading, words)[0] == 1
    # A long comment with words on both sides is the model's to read: the rules stand aside.
    long = "Le brunch était bon, mais la musique trop forte et le service vraiment lent pour un dimanche matin"
    tokens, reading = reading_of(long, "fr")
    assert content_words(extract(tokens, reading)) > SHORT_WORDS
    assert rules_verdict(reading, content_words(extract(tokens, reading))) is None


def test_long_plain_questions_and_praise_keep_the_rules_reading_unless_the_model_is_very_sure():
    from nlp.features import extract
    from nlp.sentiment import LONG_OVERRIDE_UNLESS, QUESTION_OVERRIDE_UNLESS, SHORT_WORDS, content_words, reading_of, rules_verdict

    question = "Vous fermez à quelle heure le dimanche? Je peux passer vers 17 h avec les enfants?"
    tokens, reading = reading_of(question, "fr")
    assert content_words(extract(tokens, reading)) > SHORT_WORDS
    assert rules_verdict(reading, content_words(extract(tokens, reading))) == (1, QUESTION_OVERRIDE_UNLESS)
    praise = "Wow. Juste wow. Studio Yoga Verdun, vous êtes les meilleurs ❤️❤️"
    tokens, reading = reading_of(praise, "fr")
    assert rules_verdict(reading, content_words(extract(tokens, reading))) == (2, LONG_OVERRIDE_UNLESS)


# Customer comments of the demo's kind, longer than the rules' short-comment limit: the French
# training tweets (politics, irony) taught the model to read praise and questions as sarcasm.
CUSTOMER_LONG = [
    ("Wow. Juste wow. Studio Yoga Verdun, vous êtes les meilleurs ❤️❤️", "positive"),
    ("Le hot yoga du mardi est pas pire pantoute, je recommande à tout Verdun 👌", "positive"),
    ("Vous fermez à quelle heure le dimanche? Je peux passer vers 17 h?", "neutral"),
    ("Bonjour, avez-vous encore les vis à terrasse en stock? Merci!", "neutral"),
    ("C'est-tu possible de réserver les bagels pour samedi matin?", "neutral"),
    ("Do you still have the almond croissants on Sunday mornings, or should I order ahead?", "neutral"),
    ("Honestly the best oat latte in the Mile End, the staff are always so friendly 😍", "positive"),
]


@pytest.mark.parametrize("text,label", CUSTOMER_LONG)
def test_long_customer_praise_and_questions(text, label):
    result = analyze(text)
    assert result.sentiment == label, result.evidence


# Quebec praise slang ("malade!", "écoeurant!", "débile!", franglais "sick!") against the same words
# meant literally: sickness, disgust, outrage. Read as a bilingual community manager would.
SLANG_PRAISE = [
    "J'ai essayé le cours de yin samedi passé: malade! Continuez comme ça.",
    "Vraiment écoeurant, le latte à l'avoine! On revient la semaine prochaine",
    "C'est malade ce café!",
    "Trop malade, le brunch!!",
    "Full écoeurant votre service 😍",
    "Mon gars capotait, y'a adoré",
    "Débile! On a ben ri",
    "C'est sick!",
    "Le show de vendredi était malade!! Bravo à l'équipe",
    "Écoeurante, votre tarte au sucre. Merci!",
    "That new burger is sick 🔥",
    "Ecoeurant le cafe, je recommande",
    "Vos beignes sont écoeurants!!! 😍",  # the model alone is 0.56 sure this is negative
    "Malade! On revient après les fêtes",
    "It's sick!",
]
SLANG_LITERAL = [
    "C'est écoeurant, j'ai trouvé un cheveu dans ma soupe",
    "Je suis tombé malade après votre poutine",
    "Mon fils est malade depuis qu'il a mangé chez vous",
    "J'ai capoté quand j'ai vu la facture",
    "C'est écoeurant de traiter les clients comme ça",
    "C'est écoeurant de traiter les clients comme ça!",
    "Écoeurant, on reviendra plus jamais!",
    "Votre livreur est un malade!",
    "Ma fille est malade, merci pour rien",
    "C'est écoeurant!! Un cheveu dans mon sandwich",
    "Malade! J'ai vomi toute la nuit",
    "C'est malade de charger 8$ pour un café!",
    "Écoeurant! J'ai attendu 2h pour ma commande",
    "Sick of waiting for my order!",
]


@pytest.mark.parametrize("text", SLANG_PRAISE)
def test_quebec_praise_slang_reads_as_praise(text):
    result = analyze(text)
    assert (result.sentiment, result.polarity > 0) == ("positive", True), result.evidence


@pytest.mark.parametrize("text", SLANG_LITERAL)
def test_same_slang_words_stay_negative_where_meant(text):
    result = analyze(text)
    assert result.sentiment == "negative", result.evidence


def test_slang_senses_praise_judgement_and_illness():
    from nlp import lexicon, slang
    from nlp.tokens import tokenize

    def senses(text):
        tokens = tokenize(text)
        return {tokens[i].norm: sense for i, sense in slang.senses(tokens, lexicon.get("fr"), text.lower()).items()}

    assert senses("Trop malade, le brunch!!") == {"malade": slang.PRAISE}
    assert senses("C'est malade de charger 8$") == {"malade": slang.JUDGING}
    assert senses("Ma blonde a été malade toute la nuit!") == {"malade": slang.LITERAL}
    assert senses("Malade après votre poutine!") == {"malade": slang.LITERAL}
    assert senses("Le brunch était malade") == {}  # no sign either way: the lexicon's reading stands
    assert senses("Débile!") == {}  # "débile" needs a cue: "C'est débile!" is as often "that's stupid"


def test_praise_sense_is_shown_in_the_evidence():
    assert any(e.startswith("praise:malade") for e in analyze("C'est malade ce café!").evidence)
    assert not any(e.startswith("praise:") for e in analyze("Je suis tombé malade après votre poutine").evidence)


# Markers that are sarcasm beside a complaint and sincere praise without one.
SINCERE = [
    "Super service, merci!",
    "Quel service! Merci à Karim 😍",
    "Wow merci, vous êtes les meilleurs",
    "Belle job l'équipe, merci!",
    "Thanks a lot for your help!",
    "Wow thanks for the birthday cake, the kids loved it!",
    "Thanks so much for the quick refund, amazing service!",
]
SARCASTIC = [
    "Super service... 45 minutes d'attente",
    "Thanks a lot, my order is late again",
    "So much for fast delivery, still waiting",
    "Oh great, another late delivery",
]


@pytest.mark.parametrize("text", SINCERE)
def test_sincere_praise_with_an_ambiguous_marker_stays_praise(text):
    result = analyze(text)
    assert result.sentiment == "positive", result.evidence
    assert "sarcasm" not in result.reasons


@pytest.mark.parametrize("text", SARCASTIC)
def test_the_same_markers_beside_a_complaint_are_sarcasm(text):
    result = analyze(text)
    assert result.sentiment == "negative", result.evidence
    assert any(e.startswith("sarcasm:") for e in result.evidence)
