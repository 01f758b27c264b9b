"""The LinkedIn parser against Rest.li collection bodies in the Community Management API's shape."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from collector import linkedin, linkedin_items

FIXTURES = Path(__file__).parent.parent / "fixtures" / "linkedin"
POST = "urn:li:activity:7300000000000000009"
TOP = f"urn:li:comment:({POST},7300000000000000100)"


def _items(name: str) -> list:
    return linkedin_items.parse((FIXTURES / name).read_bytes())


def test_comment_urns_kinds_parents_and_threads() -> None:
    items = _items("comments_on_post.json")
    assert [(i.external_id, i.kind, i.parent_external_id, i.thread_external_id) for i in items] == [
        (TOP, "comment", None, POST),
        (f"urn:li:comment:({POST},7300000000000000101)", "reply", TOP, POST),
        (f"urn:li:comment:({POST},7300000000000000102)", "comment", None, POST),
    ]
    assert items[0].url == f"https://www.linkedin.com/feed/update/{POST}/"


def test_texts_times_and_authors() -> None:
    first, reply, anonymous = _items("comments_on_post.json")
    assert first.body == "Est-ce que le poste est en télétravail? 🤔"
    assert anonymous.body == "مرحبا — great studio"
    assert first.created_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert anonymous.created_at == datetime(2026, 3, 2, 10, 8, 20, 123000, tzinfo=UTC)
    assert (first.author.external_id, first.author.handle, first.author.name) == ("urn:li:person:AbC123xyz", "AbC123xyz", "")
    # A deleted member's comment has no actor: an author without id or name.
    assert (anonymous.author.external_id, anonymous.author.name) == ("", "")
    assert reply.author.external_id == "urn:li:organization:123"


def test_the_organisation_own_comments_are_from_the_business() -> None:
    raw = _items("comments_on_post.json")[1].raw
    assert linkedin_items.map_comment(raw, "urn:li:organization:123").from_business
    assert not linkedin_items.map_comment(raw, "urn:li:organization:999").from_business


def test_mentioning_posts_become_mentions_with_plain_text() -> None:
    (item,) = _items("posts_mentioning.json")
    assert (item.external_id, item.kind) == ("urn:li:share:7300000000000000001", "mention")
    assert item.body == "Meilleur cours de yoga à Verdun, merci @Studio Yoga Verdun! 🧘"
    assert item.created_at == datetime(2026, 3, 2, 9, 50, tzinfo=UTC)
    assert item.author.external_id == "urn:li:person:Qx7ab"


def test_urns_are_fully_encoded_for_paths() -> None:
    assert linkedin.urn_in_path(TOP) == "urn%3Ali%3Acomment%3A%28urn%3Ali%3Aactivity%3A7300000000000000009%2C7300000000000000100%29"


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("error_daily_limit.json", "status 429"),
        ("error_version_missing.json", "status 400"),
        ("notifications.json", "no element could be read"),
    ],
)
def test_bodies_it_does_not_understand_raise_a_clear_value_error(name: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        _items(name)


@pytest.mark.parametrize(("body", "reason"), [(b"{oops", "not JSON"), (b"[]", "Rest.li collection")])
def test_non_collections(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        linkedin_items.parse(body)


def test_a_time_past_any_calendar_skips_that_element_only() -> None:
    """1e30 ms or Infinity overflow the C time functions (OverflowError, OSError, not ValueError):
    one such element must not sink the page with it."""
    import json

    good = json.loads((FIXTURES / "comments_on_post.json").read_text())["elements"][0]
    odd = [dict(good, commentUrn=f"urn:li:comment:({POST},{n})", created={"time": t})
           for n, t in ((1, 1e30), (2, 1e20), (3, float("inf")))]
    items = linkedin_items.parse(json.dumps({"elements": odd + [good]}))
    assert [i.external_id for i in items] == [good["commentUrn"]]


@pytest.mark.parametrize(("field", "value"), [("actor", 1), ("actor", {"a": 1}), ("created", "hier"), ("created", [1, 2]), ("message", "texte")])
def test_fields_of_the_wrong_type_skip_or_blank_that_element_only(field: str, value: object) -> None:
    import json

    data = json.loads((FIXTURES / "comments_on_post.json").read_text())
    data["elements"][0][field] = value
    others = {i.external_id for i in _items("comments_on_post.json")} - {data["elements"][0]["commentUrn"]}
    assert {i.external_id for i in linkedin_items.parse(json.dumps(data))} >= others
