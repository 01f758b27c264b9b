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
