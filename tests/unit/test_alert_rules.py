"""Alert rules without a database: defaults (and their documentation), edits, quiet hours, the
spike threshold, what an alert says, and the webhook signature."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from inbox.alerts import message, webhook
from inbox.alerts.evaluate import spike_threshold
from inbox.alerts.rules import (
    DEFAULT_COOLDOWN_MINUTES,
    DEFAULTS,
    Rule,
    RuleError,
    effective_params,
    parse_quiet,
    quiet_until,
    validate_channels,
    validate_params,
)
from inbox.summary.terms import top_terms, words

DOC = Path(__file__).resolve().parents[2] / "docs" / "alerts.md"
MIGRATION = Path(__file__).resolve().parents[2] / "inbox" / "migrations" / "0400_alerts.sql"
MONTREAL = ZoneInfo("America/Montreal")


def test_every_default_is_documented_with_its_value():
    doc = DOC.read_text(encoding="utf-8")
    for kind, params in DEFAULTS.items():
        assert f"`{kind}`" in doc
        for name, value in params.items():
            shown = ", ".join(value) if isinstance(value, list) else str(value)
            assert f"| `{name}` | `{shown}` |" in doc, (kind, name)


def test_cooldowns_agree_between_code_migration_and_docs():
    sql = MIGRATION.read_text(encoding="utf-8")
    doc = DOC.read_text(encoding="utf-8")
    for kind, minutes in DEFAULT_COOLDOWN_MINUTES.items():
        assert f"('{kind}', {minutes})" in sql
        section = doc.split(f"(`{kind}`)", 1)[1].split("###", 1)[0]
        assert f"| cooldown | `{minutes}` min |" in section


def test_stored_params_overlay_defaults_and_unknown_keys_are_dropped():
    merged = effective_params("volume_spike", {"k": 2.0, "bogus": 1})
    assert merged == {**DEFAULTS["volume_spike"], "k": 2.0}
    with pytest.raises(RuleError):
        effective_params("nope", {})


def test_edits_are_coerced_and_bad_values_explained():
    assert validate_params("volume_spike", {"k": "2,5", "min_count": "12"}) == {"k": 2.5, "min_count": 12}
    assert validate_params("negative_mention", {"urgent_reasons": "urgent:legal, urgent:safety"}) == {
        "urgent_reasons": ["urgent:legal", "urgent:safety"]}
    with pytest.raises(RuleError, match="must be between 0 and 100"):
        validate_params("negative_mention", {"min_priority": "150"})
    with pytest.raises(RuleError, match="must be a number"):
        validate_params("sentiment_dip", {"negative_share": "beaucoup"})
    with pytest.raises(RuleError, match="has no setting"):
        validate_params("sentiment_dip", {"k": "3"})
    with pytest.raises(RuleError, match="unknown urgency signal"):
        validate_params("negative_mention", {"urgent_reasons": "urgent:weather"})
    assert validate_channels(["webhook", "inapp"]) == ["inapp", "webhook"]
    with pytest.raises(RuleError):
        validate_channels(["sms"])
    assert parse_quiet("22:00") == time(22, 0) and parse_quiet("") is None
    with pytest.raises(RuleError):
        parse_quiet("tard")


def rule(start: time | None, end: time | None) -> Rule:
    return Rule(id=1, brand_id=1, kind="negative_mention", quiet_start=start, quiet_end=end)


@pytest.mark.parametrize(("local", "ends"), [
    (datetime(2026, 11, 18, 23, 0), datetime(2026, 11, 19, 7, 0)),  # evening: ends tomorrow
    (datetime(2026, 11, 19, 3, 0), datetime(2026, 11, 19, 7, 0)),  # small hours: ends today
    (datetime(2026, 11, 19, 7, 0), None),  # the end is not quiet any more
    (datetime(2026, 11, 19, 12, 0), None),
])
def test_quiet_hours_spanning_midnight(local, ends):
    now = local.replace(tzinfo=MONTREAL).astimezone(UTC)
    got = quiet_until(rule(time(22), time(7)), now, MONTREAL)
    assert got == (ends.replace(tzinfo=MONTREAL) if ends else None)


def test_quiet_hours_within_a_day_and_unset():
    noon = datetime(2026, 11, 19, 12, 30, tzinfo=MONTREAL)
    assert quiet_until(rule(time(12), time(13)), noon, MONTREAL) == datetime(2026, 11, 19, 13, 0, tzinfo=MONTREAL)
    assert quiet_until(rule(None, None), noon, MONTREAL) is None
    assert quiet_until(rule(time(12), time(12)), noon, MONTREAL) is None


def test_spike_threshold_is_mean_plus_k_population_std():
    assert spike_threshold([2, 2, 2, 2, 2, 2, 2], 3.0) == (2.0, 0.0, 2.0)
    mean, std, threshold = spike_threshold([1, 3, 1, 3], 3.0)
    assert (mean, std, threshold) == (2.0, 1.0, 5.0)
    assert spike_threshold([], 3.0) == (0.0, 0.0, 0.0)


def test_alert_text_says_why_in_both_languages_and_escapes_platform_text():
    details = {"count": 1, "items": [{"id": 7, "platform": "facebook", "author": "<b>Jo</b>", "followers": 5000,
                                      "priority": 90, "reasons": ["urgent:refund"], "excerpt": "<script>x</script>"}],
               "terms": ["remboursement"]}
    fr = message.render("negative_mention", details, lang="fr", brand_name="Café", base_url="https://i.test/")
    en = message.render("negative_mention", details, lang="en", brand_name="Café", base_url="https://i.test/")
    assert fr.subject.startswith("[Café] Commentaire négatif") and "urgent:refund" in fr.subject
    assert en.subject.startswith("[Café] Negative comment")
    assert "https://i.test/items/7" in fr.text and "https://i.test/items/7" in fr.html
    assert "<script>x</script>" not in fr.html and "&lt;script&gt;" in fr.html and "&lt;b&gt;Jo" in fr.html
    assert "remboursement" in fr.text and "5000 abonnés" in fr.html
    spike = {"count": 14, "window_minutes": 60, "mean": 2.0, "std": 0.0, "threshold": 2.0, "min_count": 10}
    assert "14 items in the last 60 min" in message.reason_line("volume_spike", spike, "en")
    dip = {"count": 12, "negative": 8, "share": 0.6667, "threshold": 0.4, "window_minutes": 60}
    assert "(67 %, seuil 40 %)" in message.reason_line("sentiment_dip", dip, "fr")


def test_webhook_signature_verifies_and_rejects_tampering():
    body = b'{"text":"hello"}'
    signature = webhook.sign("k", "1700000000", body)
    assert re.fullmatch(r"sha256=[0-9a-f]{64}", signature)
    assert webhook.verify("k", "1700000000", body, signature)
    assert not webhook.verify("k", "1700000001", body, signature)
    assert not webhook.verify("other", "1700000000", body, signature)
    assert not webhook.verify("k", "1700000000", body + b" ", signature)
    assert not webhook.verify("k", "1700000000", body, "")


def test_terms_drop_stop_words_elisions_and_digits():
    assert words("L'attente était interminable, j'ai attendu 45 minutes") == ["attente", "interminable", "attendu", "minutes"]
    assert top_terms(["Service lent", "service lent lent", "Great service"], limit=2) == ["service", "lent"]


@pytest.mark.parametrize("kind", ["volume_spike", "sentiment_dip", "negative_mention", "digest", "test"])
@pytest.mark.parametrize("details", [{}, {"count": "x"}, {"count": 3, "mean": None}])
def test_an_alert_without_its_figures_still_reads_as_a_sentence(kind, details):
    # An alert stored without figures once made /alerts answer 500 (KeyError on 'count').
    for lang in ("fr", "en"):
        line = message.reason_line(kind, details, lang)
        assert line.endswith(".") and "{" not in line
    assert message.reason_line("volume_spike", {}, "fr") == "Nombre inhabituel de messages à cette heure."
