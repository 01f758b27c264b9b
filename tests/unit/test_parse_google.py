"""The Google Business Profile review parser against bodies in the v4 API's shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector import google

FIXTURES = Path(__file__).parent.parent / "fixtures" / "google"


def _items(name: str) -> list:
    return google.parse((FIXTURES / name).read_bytes())


def test_reviews_and_the_business_reply_become_items() -> None:
    items = _items("reviews_page1.json")
    assert [(i.external_id, i.kind, i.parent_external_id, i.from_business) for i in items] == [
        ("AbFvOqnReview1", "review", None, False),
        ("AbFvOqnReview1/reply", "reply", "AbFvOqnReview1", True),
        ("AbFvOqnReview2", "review", None, False),
        ("AbFvOqnReview3", "review", None, False),
    ]
    assert {i.thread_external_id for i in items[:2]} == {"AbFvOqnReview1"}


def test_texts_ratings_and_rating_only_reviews() -> None:
    review, reply, rating_only, rtl = _items("reviews_page1.json")
    assert review.body == "Personnel sympathique, mais le Wi-Fi est lent. \U0001f615"
    assert reply.body == "Merci! Nouveau routeur la semaine prochaine."
    assert (review.raw["rating"], rating_only.raw["rating"], rtl.raw["rating"]) == (4, 1, None)
    assert rating_only.body == ""
    assert rtl.body == "\u05e9\u05d9\u05e8\u05d5\u05ea \u05de\u05e2\u05d5\u05dc\u05d4"


def test_timestamps_are_aware_and_nanoseconds_are_cut() -> None:
    review, reply, rating_only, _ = _items("reviews_page1.json")
    assert review.created_at == datetime(2026, 3, 1, 18, 20, 11, 532000, tzinfo=UTC)
    assert reply.created_at == datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    assert rating_only.created_at == datetime(2026, 2, 27, 9, 0, tzinfo=UTC)
    assert google.parse_time("2026-02-28T10:15:30.123456789Z").microsecond == 123456


def test_authors_named_and_anonymous() -> None:
    review, _, anonymous, rtl = _items("reviews_page1.json")
    assert (review.author.name, review.author.avatar_url) == ("K. Meyer", "https://lh3.googleusercontent.com/a-/x")
    assert (anonymous.author.external_id, anonymous.author.name) == ("", "")
    assert rtl.author.name == "\u05e0\u05d5\u05e2\u05d4"


def test_an_edit_changes_the_review_key() -> None:
    raw = _items("reviews_page1.json")[0].raw
    edited = {**raw, "updateTime": "2026-03-04T00:00:00Z"}
    assert google.review_key(raw) != google.review_key(edited)


def test_a_malformed_review_is_skipped_and_an_empty_list_is_no_items() -> None:
    assert [i.external_id for i in _items("reviews_one_malformed.json")] == ["Good1"]
    assert _items("reviews_empty.json") == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not JSON"),
        ((FIXTURES / "error_resource_exhausted.json").read_bytes(), "RESOURCE_EXHAUSTED"),
        (b'{"items": []}', "not a reviews list"),
        (b'{"reviews": [{"reviewId": 5}]}', "no review could be read"),
        (b"[]", "JSON object"),
    ],
)
def test_bodies_it_does_not_understand_raise_a_clear_value_error(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        google.parse(body)


@pytest.mark.parametrize("reviewer", [1e30, -1, "anonyme", True, [1, 2]])
def test_a_reviewer_that_is_not_an_object_skips_nothing_else(reviewer: object) -> None:
    """The poll maps a page with the same code: one odd review must not sink the page."""
    import json

    data = json.loads((FIXTURES / "reviews_page1.json").read_text())
    data["reviews"][0]["reviewer"] = reviewer
    items = google.parse(json.dumps(data))
    assert data["reviews"][1]["reviewId"] in {i.external_id for i in items}
