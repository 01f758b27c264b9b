"""Sentences Jasette stores in English (an account's last error, a reply's failure) reach a French
reader in French, values included; what a platform said stays as the platform said it."""

from __future__ import annotations

from collector.poller import in_words
from web.i18n import said


def test_a_health_message_is_read_in_french_with_its_values_translated() -> None:
    assert said(f"Google reviews asked Jasette to slow down; it will try again in {in_words(7200)}", "fr") == (
        "Google (avis) a demandé à Jasette de ralentir ; nouvel essai dans 2 heures")
    assert said("X refused the token: reconnect the account", "fr") == "X a refusé le jeton : reconnectez le compte"
    assert said(f"YouTube did not answer in time; Jasette will try again in {in_words(60)}", "fr") == (
        "YouTube n’a pas répondu à temps ; Jasette réessaiera dans une minute")


def test_the_platform_s_own_words_are_kept_and_english_readers_read_english() -> None:
    words = "X API 403: You are not permitted to perform this action."
    assert said(f"X refused to share the comments ({words})", "fr") == f"X a refusé de partager les commentaires ({words})"
    english = "X refused the token: reconnect the account"
    assert said(english, "en") == english
    assert said("Something no catalogue knows", "fr") == "Something no catalogue knows"
    assert said(None, "fr") == "" and said("", "fr") == ""
