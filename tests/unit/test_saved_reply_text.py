"""Saved replies read naturally whatever name the platform gave the customer."""

from inbox.saved_replies import render


def test_first_name_and_business_are_filled_in():
    text = render("Bonjour {first_name}, merci! — {business}", author_name="Marie-Ève Tremblay", business="Café du Plateau")
    assert text == "Bonjour Marie-Ève, merci! — Café du Plateau"


def test_no_name_leaves_no_stray_space_and_touches_nothing_else():
    text = render("Bonjour {first_name}, êtes-vous satisfait ? — {business}", author_name="", business="Café")
    assert text == "Bonjour, êtes-vous satisfait ? — Café"
    assert render("Merci {first_name}!", author_name=None, business="Café") == "Merci!"


def test_a_numeric_member_id_is_not_used_as_a_name():
    assert render("Hi {first_name}, thanks", author_name="2451014529", business="Café") == "Hi, thanks"


def test_suggestion_fits_tone_language_and_never_an_answered_item() -> None:
    from inbox.reply_intent import suggestions

    replies = [{"id": 1, "lang": "fr", "title": "Désolé", "body": "Nous sommes navrés."},
               {"id": 2, "lang": "fr", "title": "Merci", "body": "Merci {first_name}!"},
               {"id": 3, "lang": "en", "title": "Thanks", "body": "Thanks!"},
               {"id": 4, "lang": "fr", "title": "Heures", "body": "Ouvert de 7 h à 18 h."}]

    def offered(lang: str, sentiment: str, answered: bool = False) -> list[int]:
        return suggestions(replies, lang=lang, sentiment=sentiment, reasons=(), text="", answered=answered)

    assert offered("fr", "positive") == [2]
    assert offered("fr", "negative") == [1]
    assert offered("en", "positive") == [3]
    assert offered("en", "negative") == []
    assert offered("fr", "neutral") == []
    assert offered("fr", "negative", answered=True) == []
