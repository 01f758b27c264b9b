"""Summary rendering without a database: SVG, page, e-mail, text, CSV, ISO weeks and the Monday hour."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from inbox.summary import render, svg
from inbox.summary.period import SummaryError, last_complete_week, parse_week
from inbox.summary.schedule import due_week, send_hour
from inbox.summary.words import duration, percent, signed

MONTREAL = ZoneInfo("America/Montreal")
HOSTILE = '<script>alert("x")</script> & "=cmd|calc"'


def summary(**over) -> dict:
    base = {
        "brand": "cafe", "brand_name": "Café <Test>", "week": "2026-W47", "timezone": "America/Montreal",
        "start": "2026-11-16T00:00:00-05:00", "end": "2026-11-23T00:00:00-05:00", "partial": False,
        "volume": {"total": 3, "previous_total": 1, "change": 2, "spam": 0,
                   "by_platform": {HOSTILE: 2, "google": 1}, "by_lang": {"fr": 3},
                   "by_day": [{"date": f"2026-11-{16 + d}", "negative": d % 2, "neutral": 0, "positive": 1,
                               "unanalyzed": 0} for d in range(7)]},
        "sentiment": {"analyzed": 3, "counts": {"negative": 1, "neutral": 1, "positive": 1},
                      "shares": {"negative": 0.3333, "neutral": 0.3333, "positive": 0.3333}, "average": 0.1,
                      "previous": {"analyzed": 1, "counts": {"negative": 0, "neutral": 0, "positive": 1},
                                   "shares": {"negative": 0.0, "neutral": 0.0, "positive": 1.0}, "average": 0.5},
                      "change": {"average": -0.4, "shares": {"negative": 0.3333, "neutral": 0.3333, "positive": -0.6667}}},
        "terms": {"negative": [{"term": "=HYPERLINK", "count": 2}], "positive": []},
        "urgent": [{"id": 9, "platform": "google", "kind": "review", "author": HOSTILE, "excerpt": HOSTILE,
                    "priority": 90, "reasons": ["urgent:legal"], "sentiment": "negative", "status": "open",
                    "url": None, "created_at": "2026-11-17T10:00:00-05:00", "first_response_seconds": None}],
        "response": {"answered": 0, "median_seconds": None, "p90_seconds": None, "unanswered": 3},
        "alerts": {"total": 0, "by_kind": {}, "recent": []},
    }
    base.update(over)
    return base


def test_svg_charts_are_well_formed_and_escape_labels():
    s = summary()
    for chart in render.charts(s, "fr").values():
        root = ET.fromstring(str(chart))  # parses: nothing unescaped broke the markup
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert "<script" not in str(chart)
    bars = svg.horizontal_bars([(HOSTILE, 2)], "t")
    assert "&lt;script&gt;" in bars
    empty = svg.daily_columns([], [], [("negative", "N")], "vide")
    ET.fromstring(empty)


def test_page_and_email_escape_everything_from_platforms():
    s = summary()
    for html in (str(render.page_fragment(s, "en", "https://i.test")), render.email_html(s, "fr", "https://i.test")):
        assert "<script>" not in html and "&lt;script&gt;" in html
        assert "Café &lt;Test&gt;" in html
        assert "https://i.test/items/9" in html


def test_text_part_in_both_languages():
    fr = render.text(summary(), "fr", "https://i.test")
    en = render.text(summary(), "en", "https://i.test")
    assert fr.startswith("Résumé de la semaine 2026-W47") and "Sentiment moyen: 0,10 (variation −0,40)" in fr
    assert en.startswith("Weekly summary 2026-W47") and "Average sentiment: 0.10 (change −0.40)" in en
    assert "https://i.test/summaries?week=2026-W47" in en and "https://i.test/items/9" in en


def test_csv_defuses_formulas_and_keeps_the_figures():
    rows = list(csv.reader(io.StringIO(render.to_csv(summary()))))
    assert ["volume", "total", "3"] in rows
    assert ["terms_negative", "'=HYPERLINK", "2"] in rows
    assert ["response", "median_seconds", ""] in rows


def test_formatting_helpers():
    assert duration(None, "fr") == "—" and duration(42, "fr") == "42 s" and duration(1200, "en") == "20 min"
    assert duration(5580, "fr") == "1 h 33" and duration(3 * 86400, "fr") == "3 j" and duration(3 * 86400, "en") == "3 d"
    assert signed(4, "fr") == "+4" and signed(-0.12, "fr", 2) == "−0,12" and signed(None, "en") == "—"
    assert percent(0.4286, "fr") == "43 %" and percent(0.4286, "en") == "43%"


def test_iso_weeks_in_the_brand_zone():
    w = parse_week("2026-W47", MONTREAL)
    assert w.start.isoformat() == "2026-11-16T00:00:00-05:00" and w.end.isoformat() == "2026-11-23T00:00:00-05:00"
    assert w.previous().label == "2026-W46"
    spring = parse_week("2026-W10", MONTREAL)  # daylight saving starts on Sunday 8 March 2026
    utc = UTC
    assert (spring.end.astimezone(utc) - spring.start.astimezone(utc)).total_seconds() == 7 * 86400 - 3600
    assert parse_week("2027-W01", MONTREAL).monday.isoformat() == "2027-01-04"
    for bad in ("2026-47", "W47", "2026-W7", "2025-W53"):
        with pytest.raises(SummaryError):
            parse_week(bad, MONTREAL)
    sunday_night = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)  # 23:30 Sunday in Montreal
    assert last_complete_week(sunday_night, MONTREAL).label == "2026-W46"


def test_monday_hour_decides_when_last_week_is_due():
    assert due_week(datetime(2026, 11, 23, 12, 59, tzinfo=UTC), "America/Montreal", 8) is None
    assert due_week(datetime(2026, 11, 23, 13, 0, tzinfo=UTC), "America/Montreal", 8) == "2026-W47"
    assert due_week(datetime(2026, 11, 27, 13, 0, tzinfo=UTC), "America/Montreal", 8) == "2026-W47"
    assert due_week(datetime(2026, 11, 23, 7, 0, tzinfo=UTC), "Europe/Paris", 8) == "2026-W47"
    assert send_hour({"summary_hour": 6}) == 6 and send_hour({"summary_hour": "x"}) == 8 and send_hour({}) == 8
    assert send_hour({"summary_hour": 30}) == 8


def test_people_read_platform_and_language_names_not_codes():
    from inbox.summary.labels import named

    summary = {
        "volume": {"by_platform": {"google": 2, "x": 1}, "by_lang": {"fr": 2, "und": 1}, "total": 3},
        "urgent": [{"platform": "google", "priority": 90}],
    }
    names = {"google": "Google (avis)", "x": "X"}
    shown = named(summary, "fr", lambda code, lang: names[code])
    assert shown["volume"]["by_platform"] == {"Google (avis)": 2, "X": 1}
    assert shown["volume"]["by_lang"] == {"français": 2, "indéterminée": 1}
    assert shown["urgent"][0]["platform"] == "Google (avis)"
    assert named(summary, "en")["volume"]["by_lang"] == {"French": 2, "undetermined": 1}
    assert summary["volume"]["by_platform"] == {"google": 2, "x": 1}, "the stored summary keeps its codes"
