"""The WordPress comment parser against bodies in the REST API's real shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector import wordpress

FIXTURES = Path(__file__).parent.parent / "fixtures" / "wordpress"


def _items(name: str) -> list:
    return wordpress.parse((FIXTURES / name).read_bytes())


def test_ids_kinds_parents_and_threads() -> None:
    items = _items("comments_page1.json")
    assert [(i.external_id, i.kind, i.parent_external_id, i.thread_external_id) for i in items] == [
        ("812", "comment", None, "77"),
        ("813", "reply", "812", "77"),
        ("815", "comment", None, "78"),
    ]
    assert all(i.platform == "wordpress" for i in items)


def test_text_is_plain_with_entities_decoded_and_markup_dropped() -> None:
    first, second, third = _items("comments_page1.json")
    assert first.body == "Est-ce que vous livrez \u00e0 Verdun ? \u201cMerci\u201d \U0001f950"
    assert second.body == "Oui, le samedi!\nBonne journ\u00e9e <3"
    # The script's text survives as text (escaped at display); the tag itself is gone.
    assert third.body.startswith("\u0645\u0631\u062d\u0628\u0627 great bread")
    assert "<script>" not in third.body


def test_timestamps_come_from_date_gmt_and_are_aware() -> None:
    first, _, third = _items("comments_page1.json")
    assert first.created_at == datetime(2026, 3, 2, 10, 1, tzinfo=UTC)
    # The local date is on the 3rd, the GMT one on the 4th: GMT wins.
    assert third.created_at == datetime(2026, 3, 4, 0, 59, 59, tzinfo=UTC)


def test_authors_visitor_user_and_deleted() -> None:
    first, second, third = _items("comments_page1.json")
    assert (first.author.external_id, first.author.name) == ("Lena Tremblay", "Lena Tremblay")
    assert first.author.avatar_url == "https://secure.gravatar.com/avatar/x?s=48"
    assert (second.author.external_id, second.author.url) == ("1", "https://boulangerie.example")
    assert third.author.name == ""
    assert first.url == "https://boulangerie.example/nouveau-pain/#comment-812"


def test_business_replies_are_flagged_when_the_site_user_is_known() -> None:
    raw = wordpress.parse((FIXTURES / "comments_page1.json").read_bytes())[1].raw
    assert wordpress.map_comment(raw, business_user_id=1).from_business
    assert not wordpress.map_comment(raw, business_user_id=2).from_business


def test_a_malformed_entry_is_skipped_and_the_rest_flows() -> None:
    items = _items("comments_one_malformed.json")
    assert [i.external_id for i in items] == ["900"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"<html>502 Bad Gateway</html>", "not JSON"),
        ((FIXTURES / "error_login_required.json").read_bytes(), "rest_comment_login_required"),
        (b'{"comments": []}', "JSON array"),
        (b'[{"id": "x"}]', "no comment could be read"),
    ],
)
def test_bodies_it_does_not_understand_raise_a_clear_value_error(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        wordpress.parse(body)


def test_an_empty_page_is_no_items() -> None:
    assert wordpress.parse(b"[]") == []
