"""The shared transport helpers: the one Retry-After reader and the one HTML-to-text reader."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from collector import backoff
from collector.html_text import html_lines, one_line_of_html, text_of_html
from collector.wire import retry_after_seconds

NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("Mon, 02 Mar 2026 10:01:30 GMT", 90.0),  # an HTTP date, from `now`
        ("Mon, 02 Mar 2026 10:01:30 -0000", 90.0),  # a date without a zone is UTC
        ("Mon, 02 Mar 2026 09:00:00 GMT", 0.0),  # already past: no wait, never a negative one
        ("-30", 0.0),
        ("soon", None),
        ("nan", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_http_dates(value: str | None, seconds: float | None) -> None:
    headers = {} if value is None else {"Retry-After": value}
    assert retry_after_seconds(headers, NOW) == seconds


@pytest.mark.parametrize("value", ["99999999999", "1e400", "Fri, 01 Jan 2100 00:00:00 GMT"])
def test_a_huge_retry_after_is_capped_at_a_day(value: str) -> None:
    after = retry_after_seconds({"Retry-After": value}, NOW)
    assert after == backoff.MAX_RETRY_AFTER
    # ... and the account is tried again within a day (plus jitter), not silenced for ever.
    assert backoff.failure_delay(1, random.Random(1), retry_after=after) <= backoff.MAX_RETRY_AFTER * 1.2


def test_html_becomes_lines_of_text() -> None:
    markup = "<p>Oui,&nbsp;le   samedi!<br />Bonne journée &lt;3</p>\n<p>Hello</p>world<script>alert(1)</script><style>p{}</style>"
    assert text_of_html(markup) == "Oui, le samedi!\nBonne journée <3\nHello\nworld"
    assert one_line_of_html(markup) == "Oui, le samedi! Bonne journée <3 Hello world"
    assert text_of_html("") == "" and one_line_of_html("<b></b>") == ""


def test_source_line_breaks_are_spaces_unless_asked() -> None:
    assert text_of_html("ligne un\nligne deux") == "ligne un ligne deux"  # HTML wraps lines freely
    assert text_of_html("ligne un\nligne deux", newlines=True) == "ligne un\nligne deux"


def test_blockquotes_read_as_mail_quotes_when_asked() -> None:
    markup = "<p>Merci!</p><blockquote><p>Votre commande</p><blockquote>est prête</blockquote></blockquote>"
    assert [line for line in html_lines(markup, quotes=True) if line] == ["Merci!", "> Votre commande", "> > est prête"]
    assert text_of_html(markup) == "Merci!\nVotre commande\nest prête"
