"""A report's range in words, as a reader of each language writes it (web/i18n.day_span)."""

from __future__ import annotations

from datetime import date

import pytest

from web.i18n import day_span


@pytest.mark.parametrize(("first", "last", "fr", "en"), [
    (date(2026, 11, 6), date(2026, 12, 5), "Du 6 novembre au 5 décembre 2026 (30 jours)", "November 6 to December 5, 2026 (30 days)"),
    (date(2026, 10, 5), date(2026, 10, 11), "Du 5 au 11 octobre 2026 (7 jours)", "October 5 to 11, 2026 (7 days)"),
    (date(2025, 12, 1), date(2026, 1, 1), "Du 1er décembre 2025 au 1er janvier 2026 (32 jours)", "December 1, 2025 to January 1, 2026 (32 days)"),
    (date(2026, 12, 5), date(2026, 12, 5), "Le 5 décembre 2026 (1 jour)", "December 5, 2026 (1 day)"),
    (date(2024, 1, 1), date(2025, 12, 31), "Du 1er janvier 2024 au 31 décembre 2025 (731 jours)", "January 1, 2024 to December 31, 2025 (731 days)"),
])
def test_a_range_reads_in_words_in_french_and_english(first: date, last: date, fr: str, en: str) -> None:
    assert day_span(first, last, "fr") == fr
    assert day_span(first, last, "en") == en
