"""The YouTube parser against recorded Data API v3 responses and our own fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shared_paths import shared_root

from collector.youtube import parse, seconds_to_pacific_midnight

SHARED = shared_root() / "api-fixtures" / "youtube" / "python-youtube"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "youtube"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"recorded fixtures not present at {SHARED}")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@needs_shared
def test_recorded_threads_related_to_channel() -> None:
    items = parse((SHARED / "apidata/comment_threads/comment_threads_all_to_me.json").read_bytes())
    assert [i.external_id for i in items] == [
        "UgyWeTdgc4sc1xgmbld4AaABAg",
        "Ugw5zYU6n9pmIgAZWvN4AaABAg",
        "Ugy0FhSzKMNMT9qs6zt4AaABAg",
        "UgwSRpgkjCe6OHHe3IJ4AaABAg",
    ]
    first = items[0]
    assert first.kind == "comment"
    assert first.body == "Hope to go next time. yah!"
    assert first.author is not None
    assert (first.author.external_id, first.author.name) == ("UCNvMBmCASzTNNX8lW3JRMbw", "kun liu")
    assert first.created_at == utc(2019, 12, 1, 3, 36, 55)
    assert first.parent_external_id == "JE8xdDp5B8Q"
    assert first.url == "https://www.youtube.com/watch?v=JE8xdDp5B8Q&lc=UgyWeTdgc4sc1xgmbld4AaABAg"
    assert items[2].author is not None and items[2].author.name == "杨佳名"


@needs_shared
def test_recorded_thread_with_included_reply() -> None:
    top, reply = parse((SHARED / "modeldata/comments/comment_thread_info.json").read_bytes())
    assert top.external_id == "UgydxWWoeA7F1OdqypJ4AaABAg"
    assert top.created_at == utc(2019, 6, 23, 8, 24, 24)
    assert reply.external_id == "UgydxWWoeA7F1OdqypJ4AaABAg.8wWQ3tdHcFx8xcDheui-qb"
    assert reply.kind == "reply"
    assert reply.parent_external_id == "UgydxWWoeA7F1OdqypJ4AaABAg"
    assert reply.author is not None and reply.author.name == "Dian Anggraeni"
    assert reply.created_at == utc(2019, 7, 20, 20, 22, 27)


@needs_shared
def test_recorded_replies_list_and_insert_responses() -> None:
    replies = parse((SHARED / "apidata/comments/comments_by_parent_paged_1.json").read_bytes())
    assert replies[0].external_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg.91zT3cYb5B291za6voUoRh"
    assert replies[0].parent_external_id == "Ugw5zYU6n9pmIgAZWvN4AaABAg"
    assert replies[0].body == "this is the third reply!"
    assert replies[0].created_at == utc(2019, 12, 1, 4, 46, 31)
    [inserted] = parse((SHARED / "apidata/comments/insert_response.json").read_bytes())
    assert inserted.external_id == "Ugy_CAftKrIUCyPr9GR4AaABAg.9iPXEClD9lW9iPXLqKy_Pt"
    assert inserted.created_at == utc(2022, 11, 14, 10, 23, 2)
    [thread] = parse((SHARED / "apidata/comment_threads/insert_response.json").read_bytes())
    assert (thread.external_id, thread.body) == ("Ugx_5P8rmn4vKbN6wwt4AaABAg", "Sun from the api")


@needs_shared
@pytest.mark.parametrize(
    "name", ["error_response.json", "apidata/error_permission_resp.json", "error_response_simple.json"]
)
def test_recorded_errors(name: str) -> None:
    with pytest.raises(ValueError, match="YouTube error"):
        parse((SHARED / name).read_bytes())


def test_own_threads_original_text_deleted_author_and_broken_thread() -> None:
    items = parse((OWN / "threads_with_replies.json").read_bytes())
    assert [i.external_id for i in items] == ["UgzAbCdEf123", "UgzAbCdEf123.9xYz", "UgzDeleted456"]
    top, reply, orphan = items
    assert top.body == "Super recette! <3"  # textOriginal, not the HTML-escaped textDisplay
    assert top.author is not None and top.author.handle == "@cookfan"
    assert reply.body == "Merci! 🙏" and reply.parent_external_id == "UgzAbCdEf123"
    assert orphan.body == "تعليق من حساب محذوف"
    assert orphan.author is not None and (orphan.author.external_id, orphan.author.name) == ("", "")


@pytest.mark.parametrize(
    "body, reason",
    [(b"nope", "not JSON"), (b'{"data": []}', "not a YouTube comment body"), (b"1", "JSON object")],
)
def test_bodies_it_does_not_understand(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse(body)


@pytest.mark.parametrize(
    "now, expected",
    [
        (utc(2026, 11, 24, 7, 59, 0), 60.0),  # 23:59 PST
        (utc(2026, 7, 1, 6, 30, 0), 30 * 60.0),  # 23:30 PDT
        (utc(2026, 3, 8, 8, 0, 0), 23 * 3600.0),  # 00:00 PST on the day clocks spring forward
    ],
)
def test_quota_resets_at_pacific_midnight(now: datetime, expected: float) -> None:
    assert seconds_to_pacific_midnight(now) == expected


@pytest.mark.parametrize("snippet", [None, [], 1e30, "", True])
def test_a_top_comment_without_a_snippet_object_does_not_sink_its_replies(snippet: object) -> None:
    import json

    body = {"kind": "youtube#commentThreadListResponse", "items": [
        {"kind": "youtube#commentThread", "id": "T1", "snippet": {"videoId": "V1", "topLevelComment": {
            "kind": "youtube#comment", "id": "T1", "snippet": snippet}},
         "replies": {"comments": [{"kind": "youtube#comment", "id": "T1.r1", "snippet": {
             "videoId": "V1", "parentId": "T1", "textOriginal": "merci", "publishedAt": "2026-03-01T10:00:00Z"}}]}},
    ]}
    items = parse(json.dumps(body))
    assert "T1.r1" in {i.external_id for i in items}
