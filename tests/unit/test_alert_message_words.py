"""An alert's text says reasons and platforms in words in the reader's language, including the
titles of alerts a morning digest gathers (stored with codes, where the words are out of reach)."""

from __future__ import annotations

from inbox.alerts.message import render, worded_title
from inbox.summary.labels import named
from nlp.reasons import describe
from web.i18n import platform_name

ITEM = {"id": 7, "platform": "google", "author": "Zoé", "priority": 88, "reasons": ["negative", "urgent:refund"],
        "excerpt": "Je veux être remboursée", "url": "https://maps.example/r/1"}
STORED = "[Café] Commentaire négatif — Un commentaire négatif a besoin de vous (urgent:refund, urgent:not_received)."


def test_one_item_alert_in_french_and_english():
    fr = render("negative_mention", {"count": 1, "items": [ITEM]}, lang="fr", brand_name="Café", base_url="http://x",
                describe=describe, platform_name=platform_name)
    en = render("negative_mention", {"count": 1, "items": [ITEM]}, lang="en", brand_name="Café", base_url="http://x",
                describe=describe, platform_name=platform_name)
    for msg in (fr, en):
        assert "urgent:" not in msg.subject + msg.text + msg.html and "google ·" not in msg.text
    assert "Demande de remboursement" in fr.subject and "Commentaire négatif, Demande de remboursement" in fr.html
    assert "Refund request" in en.subject and "Negative comment, Refund request" in en.text
    assert "Google (avis)" in fr.text and "Google reviews" in en.text


def test_digest_and_summary_titles_lose_their_codes():
    digest = render("digest", {"alerts": [{"id": 1, "kind": "negative_mention", "title": STORED}]}, lang="fr",
                    brand_name="Café", base_url="http://x", describe=describe)
    assert "urgent:" not in digest.text + digest.html
    assert "(Demande de remboursement, Commande non reçue)" in digest.text
    assert worded_title(STORED, "en", describe).endswith("(Refund request, Order not received).")
    summary = {"volume": {"by_platform": {}, "by_lang": {}}, "urgent": [ITEM],
               "alerts": {"total": 1, "by_kind": {"negative_mention": 1}, "recent": [{"id": 1, "kind": "negative_mention", "title": STORED}]}}
    shown = named(summary, "fr", platform_name, describe)
    assert shown["alerts"]["by_kind"] == {"Commentaire négatif": 1}
    assert "urgent:" not in shown["alerts"]["recent"][0]["title"]
    assert shown["urgent"][0]["reasons_text"] == ["Commentaire négatif", "Demande de remboursement"]
    assert shown["urgent"][0]["reasons"] == ["negative", "urgent:refund"]  # codes kept for machines


def test_an_automation_rules_alert_names_the_rule_in_both_languages():
    details = {"rule": "Remboursements", "items": [ITEM]}
    fr = render("automation_rule", details, lang="fr", brand_name="Café", base_url="http://x", describe=describe,
                platform_name=platform_name)
    en = render("automation_rule", details, lang="en", brand_name="Café", base_url="http://x", describe=describe,
                platform_name=platform_name)
    assert fr.subject == "[Café] Règle automatique — La règle « Remboursements » a repéré un message pour vous."
    assert en.subject == "[Café] Automation rule — The rule “Remboursements” found a message for you."
    assert "Je veux être remboursée" in fr.text and "Demande de remboursement" in fr.html
