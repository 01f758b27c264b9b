"""The X parser against recorded API v2 responses (tweepy cassettes) and our own fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from shared_paths import shared_root

from collector.x import parse

SHARED = shared_root() / "api-fixtures" / "x" / "tweepy"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "x"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"recorded fixtures not present at {SHARED}")


def recorded_body(name: str, index: int = 0) -> str:
    """The response body of one recorded request of a cassette."""
    return json.dumps(json.loads((SHARED / name).read_text())[index]["response"]["body"])


@needs_shared
def test_recorded_mentions_page() -> None:
    items = parse(recorded_body("test_client_get_users_mentions.json"))
    assert len(items) == 10
    first = items[0]
    assert first.external_id == "1578516295611748353"
    assert first.kind == "mention"
    assert first.body.startswith("@Twitter @TwitterSupport this is my ENTIRE feed")
    # Recorded without tweet.fields/expansions: no time, no author, both said plainly.
    assert first.created_at is None
    assert first.author is not None and first.author.name == ""
    assert first.url == "https://x.com/i/web/status/1578516295611748353"
    assert items[-1].external_id == "1578516107798884353"


@needs_shared
def test_recorded_search_and_lookups() -> None:
    found = parse(recorded_body("test_client_search_recent_tweets.json"))
    assert found[0].external_id == "1578516068309794817"
    assert found[0].body == "2022-10-07 22:42:12.637103 tweepy"
    [one] = parse(recorded_body("test_client_get_tweet.json"))
    assert one.external_id == "1293593516040269825"
    assert one.body.startswith("It’s finally here! 🥁 Say hello to the new #TwitterAPI.")
    [created] = parse(recorded_body("test_client_create_and_delete_tweet.json"))
    assert (created.external_id, created.body) == ("1456012973835788293", "Test Tweet")


@needs_shared
def test_a_whole_cassette_file_is_read_too() -> None:
    items = parse((SHARED / "test_asyncclient_get_users_mentions.json").read_bytes())
    assert [i.external_id for i in items] == ["1578522401263919106", "1578522395434192896"]


def test_own_expanded_page_authors_metrics_edits_and_threads() -> None:
    items = parse((OWN / "mentions_expanded.json").read_bytes())
    assert len(items) == 2  # the entry without id is skipped
    edited, rtl = items
    assert edited.external_id == "1897000000000000002"  # edits keep the first version's id
    assert edited.body == "@cafe_example vous livrez à Laval? 🚲"
    assert edited.created_at == datetime(2026, 3, 2, 10, 11, 12, tzinfo=UTC)
    assert edited.author is not None
    assert (edited.author.external_id, edited.author.name, edited.author.handle) == ("4200000001", "Ari P", "ari_p")
    assert edited.author.followers == 120
    assert edited.parent_external_id == "1897000000000000001"
    assert edited.thread_external_id == "1897000000000000001"
    assert edited.url == "https://x.com/ari_p/status/1897000000000000005"
    assert rtl.body == "@cafe_example مرحبا"
    assert rtl.author is not None and (rtl.author.external_id, rtl.author.name) == ("4200000002", "")


def test_empty_page() -> None:
    assert parse((OWN / "empty.json").read_bytes()) == []


@pytest.mark.parametrize(
    "body, reason",
    [
        ((OWN / "reply_forbidden.json").read_bytes(), "X API error.*not been mentioned"),
        (b"<html>", "not JSON"),
        (b'{"items": []}', "not an X API v2 body"),
        (b"[]", "not an X API v2 body"),
    ],
)
def test_bodies_it_does_not_understand(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse(body)
