"""Which saved replies an item is offered (issue 15): thanks for praise, an apology and a private
follow-up for a complaint, the answers whose words match a question; only in its language."""

from __future__ import annotations

from inbox.reply_intent import content_words, follows_up_privately, matching_answers, suggestions

REPLIES = [
    {"id": 1, "lang": "fr", "title": "Merci", "body": "Merci {first_name}, au plaisir!"},
    {"id": 2, "lang": "fr", "title": "Désolé", "body": "Bonjour {first_name}, nous sommes vraiment désolés."},
    {"id": 3, "lang": "fr", "title": "Suivi en privé", "body": "Écrivez-nous un message privé avec votre numéro de commande."},
    {"id": 4, "lang": "fr", "title": "Heures d'ouverture", "body": "Nous sommes ouverts du lundi au vendredi de 7 h à 18 h."},
    {"id": 5, "lang": "fr", "title": "Livraison", "body": "La livraison est gratuite à partir de 40 $ sur l'île de Montréal."},
    {"id": 6, "lang": "en", "title": "Thanks", "body": "Thanks {first_name}!"},
    {"id": 7, "lang": "en", "title": "Opening hours", "body": "We are open Monday to Friday, 7 a.m. to 6 p.m."},
    {"id": 8, "lang": "en", "title": "Sorry", "body": "We are sorry. Please DM us your order number."},
]


def offered(text: str = "", *, lang: str = "fr", sentiment: str = "neutral", reasons: tuple[str, ...] = (),
            answered: bool = False) -> list[int]:
    return suggestions(REPLIES, lang=lang, sentiment=sentiment, reasons=reasons, text=text, answered=answered)


def test_praise_is_offered_thanks_in_its_language() -> None:
    assert offered("Meilleur café en ville!", sentiment="positive") == [1]
    assert offered("Best coffee in town!", lang="en", sentiment="positive") == [6]


def test_a_complaint_is_offered_an_apology_then_a_private_follow_up() -> None:
    assert offered("Ma commande est arrivée froide", sentiment="negative") == [2, 3]
    # One English reply both apologises and asks for a DM: offered once.
    assert offered("My order was cold", lang="en", sentiment="negative") == [8]


def test_a_question_is_offered_the_answers_whose_words_match_best_first() -> None:
    assert offered("Êtes-vous ouverts lundi?", reasons=("question",)) == [4]
    assert offered("Est-ce que la LIVRAISON est gratuite à Montréal?", reasons=("question",)) == [5]
    assert offered("Are you open on Monday?", lang="en", reasons=("question",)) == [7]
    # Nothing shares a word with it: nothing offered (never a reply for its own sake).
    assert offered("Avez-vous du lait d'avoine?", reasons=("question",)) == []
    # Without the question signal, a neutral comment is offered nothing.
    assert offered("Êtes-vous ouverts lundi?") == []


def test_a_complaint_that_asks_gets_the_apology_first_at_most_three() -> None:
    text = "Pourquoi ma commande n'est pas livrée? Vous êtes ouverts lundi?"
    assert offered(text, sentiment="negative", reasons=("question",)) == [2, 3, 4]


def test_nothing_on_an_answered_item_nor_in_another_language() -> None:
    assert offered("Merci!", sentiment="positive", answered=True) == []
    assert offered("Danke!", lang="de", sentiment="positive") == []


def test_words_compare_without_accents_case_or_stop_words() -> None:
    assert content_words("Êtes-vous OUVERTS le lundi?") == content_words("etes vous ouverts lundi") == {"ouvert", "lundi"}
    assert content_words("Are you open on Monday?") == {"open", "monday"}
    assert content_words("Bonjour {first_name}, merci!") == set()
    # « ouverture » and « ouverts », "opening" and "open" meet.
    assert matching_answers("L'ouverture?", [REPLIES[3]]) == [REPLIES[3]]
    assert matching_answers("opening time", [REPLIES[6]]) == [REPLIES[6]]


def test_private_follow_up_is_read_from_the_reply_words() -> None:
    for text in ("Écrivez-nous en privé", "envoyez-nous un MESSAGE PRIVÉ", "par courriel à info@cafe.test",
                 "Send us a private message", "Please DM us", "Email us at hello@cafe.test", "message us privately"):
        assert follows_up_privately(text), text
    for text in ("Merci beaucoup!", "Nous sommes ouverts lundi", "We admire your dmitri-style latte art"):
        assert not follows_up_privately(text), text
