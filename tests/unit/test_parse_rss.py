"""The feed parser against Atom (Google Alerts shape) and RSS 2.0 documents, and hostile XML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from collector import rss

FIXTURES = Path(__file__).parent.parent / "fixtures" / "rss"


def _items(name: str) -> list:
    return rss.parse((FIXTURES / name).read_bytes())


def test_atom_entries_are_mentions_with_ids_links_and_plain_text() -> None:
    first, second = _items("google_alerts.atom")
    assert first.external_id == "tag:google.com,2013:googlealerts/feed:1740573820136402839:entry:9f8e"
    assert (first.kind, first.platform, first.parent_external_id) == ("mention", "rss", None)
    # The Google redirect is unwrapped so the same story from two alerts dedupes.
    assert first.url == "https://nouvelles.example/local/cafe-saint-laurent-deuxieme"
    assert first.body == "Café Saint-Laurent ouvre une deuxième succursale\n\nLe Café Saint-Laurent ouvrira au printemps…"
    assert "alert(1)" not in first.body
    assert second.body == "Best croissant in Montreal? 🥐\n\nWe tried twelve bakeries."


def test_atom_times_and_authors() -> None:
    first, second = _items("google_alerts.atom")
    assert first.created_at == datetime(2026, 3, 2, 7, 45, tzinfo=UTC)
    assert second.created_at == datetime(2026, 3, 2, 3, 10, 5, 250000, tzinfo=UTC)
    assert second.created_at.utcoffset() == timedelta(0)
    # No author name: the publication's site stands for the author.
    assert (first.author.external_id, first.author.name) == ("nouvelles.example", "nouvelles.example")
    assert (second.author.external_id, second.author.name) == ("blog.example", "Ana Blogger")
    assert second.raw["version"] == "2026-03-01T23:00:00-05:00"


def test_rss_items_guid_fallbacks_dates_and_a_skipped_item() -> None:
    items, problems = rss.parse_feed((FIXTURES / "news_search.rss").read_bytes())
    assert [i.external_id for i in items] == [
        "journal-example-88231", "https://arabic.example/news/1", "https://journal.example/brief",
    ]
    assert problems == ["skipped entry #4: entry has neither id, link nor title"]
    first, arabic, undated = items
    assert first.body == "La Quincaillerie Rosemont fête ses 50 ans\n\nUne institution du quartier…"
    assert first.author.name == "Marie-Ève Gagnon"
    assert first.created_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert arabic.body == "مقال عن المتجر\n\nنص المقال"
    assert arabic.created_at == datetime(2026, 3, 1, 13, 30, tzinfo=UTC)
    assert undated.created_at is None


def test_hash_identity_when_only_a_title_is_given() -> None:
    body = b'<rss version="2.0"><channel><item><title>Seul un titre</title></item></channel></rss>'
    (item,) = rss.parse(body)
    assert item.external_id.startswith("sha1:") and item.url is None
    assert rss.parse(body)[0].external_id == item.external_id


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("billion_laughs.xml", "unsafe XML"),
        ("truncated.rss", "not well-formed"),
        ("not_a_feed.xml", "neither <rss> nor Atom"),
    ],
)
def test_hostile_or_foreign_documents_raise_a_clear_value_error(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _items(name)


def test_an_rss_without_channel_and_an_empty_feed() -> None:
    with pytest.raises(ValueError, match="without <channel>"):
        rss.parse(b'<rss version="2.0"></rss>')
    assert rss.parse('<feed xmlns="http://www.w3.org/2005/Atom"><title>vide</title></feed>') == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Mon, 02 Mar 2026 10:00:00 GMT", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("Mon, 02 Mar 2026 10:00:00 -0000", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("2026-03-02T10:00:00Z", datetime(2026, 3, 2, 10, tzinfo=UTC)),
        ("hier", None),
        ("", None),
    ],
)
def test_dates(value: str, expected: datetime | None) -> None:
    assert rss.parse_date(value) == expected


def test_unwrap_leaves_ordinary_links_alone() -> None:
    assert rss.unwrap("https://www.google.com/url?q=https://a.example/x&sa=U") == "https://a.example/x"
    assert rss.unwrap("https://www.google.com/search?q=x") == "https://www.google.com/search?q=x"
    assert rss.unwrap("https://www.google.com/url?url=javascript:alert(1)").startswith("https://www.google.com/")


def test_without_a_guid_the_link_is_the_identity() -> None:
    body = (FIXTURES / "news_search.rss").read_bytes()
    items, _ = rss.parse_feed(body.replace(b"<guid isPermaLink=\"false\">journal-example-88231</guid>", b""))
    assert items[0].external_id == "https://journal.example/rosemont/quincaillerie-50-ans"


def test_a_title_repeated_in_the_summary_is_shown_once():
    from collector.rss import _body

    cut = "Worst experience ever. Chloé was rude and the"
    summary = "Olivia Nguyen: Worst experience ever. Chloé was rude and the manager didn't care."
    assert _body(cut, summary) == summary
    assert _body(cut + " …", summary) == summary
    assert _body("Café X opens in Verdun", "The new café on Wellington") == "Café X opens in Verdun\n\nThe new café on Wellington"
