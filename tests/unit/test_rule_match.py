"""Automation rules' matching: whole words, accents and case ignored; every filled condition must hold."""

from __future__ import annotations

from inbox.rule_match import keyword_hits, matches

ITEM = {"platform": "facebook", "lang": "fr", "sentiment": "negative", "priority": 70,
        "reasons": ["negative", "urgent:refund"], "body": "Je veux mon REMBOURSEMENT, très déçue!",
        "author_name": "Marie Tremblay", "author_handle": "marie", "spam": False}


def test_keywords_ignore_accents_and_case_but_need_whole_words() -> None:
    assert keyword_hits("Je veux mon REMBOURSEMENT", ["remboursement"])
    assert keyword_hits("Très déçue du service", ["decue"])
    assert keyword_hits("tres decue", ["Déçue"])
    assert not keyword_hits("Je veux mon remboursement", ["rembourse"])  # a word's start is not the word
    assert keyword_hits("service à la\nclientèle nul", ["service à la clientèle"])  # phrases across line breaks
    assert not keyword_hits("anything", [" ", ""])


def test_every_filled_condition_must_hold() -> None:
    assert matches({}, ITEM)
    assert matches({"keywords": ["remboursement"], "platforms": ["facebook"], "langs": ["fr"],
                    "sentiments": ["negative"], "min_priority": 70, "author": "tremblay", "spam": False}, ITEM)
    assert not matches({"keywords": ["remboursement"], "platforms": ["google"]}, ITEM)
    assert not matches({"min_priority": 71}, ITEM)
    assert not matches({"spam": True}, ITEM)
    assert not matches({"author": "Jean"}, ITEM)
    assert not matches({"langs": ["en"]}, ITEM)


def test_urgent_stands_for_every_urgent_reason() -> None:
    assert matches({"reasons": ["urgent"]}, ITEM)
    assert matches({"reasons": ["urgent:refund"]}, ITEM)
    assert not matches({"reasons": ["urgent:legal"]}, ITEM)
    assert not matches({"reasons": ["urgent"]}, {**ITEM, "reasons": ["negative"]})
