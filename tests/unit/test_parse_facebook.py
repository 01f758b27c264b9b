"""The Facebook parser against recorded Graph responses and our own fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shared_paths import shared_root

from collector.facebook import map_comment, parse

SHARED = shared_root() / "api-fixtures" / "facebook" / "python-facebook"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "facebook"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"recorded fixtures not present at {SHARED}")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@needs_shared
def test_recorded_comment_page_without_ids_takes_them_from_permalinks() -> None:
    items = parse((SHARED / "facebook/apidata/comments/comments_p1.json").read_bytes())
    assert len(items) == 10
    first = items[0]
    assert first.external_id == "10158407654328553_10158407835073553"
    assert first.kind == "comment"
    assert first.body == "Boa noite peço ajuda  Como faço para usar a minha página como meu perfil?"
    assert first.created_at == utc(2021, 8, 10, 18, 45, 3)
    assert first.parent_external_id == "19292868552_10158407654328553"
    assert first.author is not None and first.author.name == ""  # no Page token: no `from`
    reply = items[5]
    assert reply.external_id == "10158407654328553_10158409983033553"
    assert reply.kind == "reply"
    assert reply.parent_external_id == "10158407654328553_10158407903973553"
    assert reply.body.startswith("Hi, please access the Instagram Help Center")
    assert reply.created_at == utc(2021, 8, 11, 23, 22, 14)


@needs_shared
def test_recorded_second_comment_page() -> None:
    items = parse((SHARED / "facebook/apidata/comments/comments_p2.json").read_bytes())
    assert len(items) == 5
    assert items[0].external_id == "10158407654328553_10158412899928553"
    assert items[0].body == "how can i get invited to the Commerce Manager api ?"
    assert items[1].kind == "reply" and items[1].parent_external_id == "10158407654328553_10158412899928553"


@needs_shared
def test_recorded_comment_model_with_author() -> None:
    [item] = parse((SHARED / "facebook/models/comment.json").read_text())
    assert item.external_id == "2954961744718970_2966313500250461"
    assert item.body == "My Nice Car "
    assert item.author is not None
    assert (item.author.external_id, item.author.name) == ("2711636948859886", "Kun Liu")
    assert item.created_at == utc(2021, 7, 23, 8, 35, 18)
    assert item.url == "https://www.facebook.com/2121008874780932/posts/2954961744718970/?comment_id=2966313500250461"
    assert item.parent_external_id == "2121008874780932_2954961744718970"


@needs_shared
def test_recorded_single_comment_and_ids_map_and_create_response() -> None:
    [created] = parse((SHARED / "facebook/apidata/comments/create_resp.json").read_bytes())
    assert created.external_id == "245778718206154_229887283291835"
    assert created.body == "Message from api and updated"
    assert created.created_at == utc(2023, 7, 14, 10, 45, 55)
    many = parse((SHARED / "facebook/apidata/comments/comments_info.json").read_bytes())
    assert [i.external_id for i in many] == [
        "10158371815748553_10158371930463553",
        "10158371815748553_10158372268858553",
    ]


@needs_shared
def test_recorded_feed_posts() -> None:
    items = parse((SHARED / "facebook/apidata/posts/feed_fields_p1.json").read_bytes())
    assert len(items) == 5
    assert items[0].external_id == "4_10113477241177441"
    assert items[0].kind == "post"
    assert items[0].body == "Happy July 4th! 🇺🇸"
    assert items[0].created_at == utc(2021, 7, 4, 19, 50, 58)


@needs_shared
@pytest.mark.parametrize("name", ["error.json", "base/error_data.json"])
def test_recorded_errors_are_refused_with_the_reason(name: str) -> None:
    with pytest.raises(ValueError, match=r"Graph API error.*\(#100\)"):
        parse((SHARED / name).read_bytes())


def test_own_stream_page_maps_replies_authors_and_problems() -> None:
    items = parse((OWN / "comments_stream.json").read_bytes())
    by_id = {i.external_id: i for i in items}
    assert list(by_id) == [
        "444555666_900000003",
        "444555666_900000002",
        "444555666_900000001",
        "444555666_900000000",
    ]  # the entry without id or permalink is skipped
    ours = by_id["444555666_900000003"]
    assert ours.kind == "reply" and ours.parent_external_id == "444555666_900000001"
    assert ours.body == "Merci Dana! 🙏"
    rtl = by_id["444555666_900000002"]
    assert rtl.body == "هل أنتم مفتوحون يوم الأحد؟"
    assert rtl.author is not None and rtl.author.name == "سارة"
    assert rtl.raw["is_hidden"] is True
    top = by_id["444555666_900000001"]
    assert top.kind == "comment" and top.parent_external_id == "111222333_444555666"
    assert top.created_at == utc(2026, 3, 2, 10, 1, 7)
    gone = by_id["444555666_900000000"]
    assert gone.author is not None and (gone.author.external_id, gone.author.name) == ("", "")


def test_own_visitor_post() -> None:
    [post] = parse((OWN / "visitor_feed.json").read_bytes())
    assert (post.external_id, post.kind, post.body) == ("111222333_444555700", "post", "Meilleur café en ville ☕")
    assert post.author is not None and post.author.name == "Léa Tremblay"
    assert post.url == "https://www.facebook.com/111222333/posts/444555700"


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"not json", "not JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"kind": "youtube#commentThreadListResponse", "items": []}', "not a Facebook Graph body"),
        (b'{"data": [{"message": "x"}]}', "no entry"),
        (b"\xff\xfe", "UTF-8"),
    ],
)
def test_bodies_it_does_not_understand(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse(body)


def test_an_empty_page_has_no_items() -> None:
    assert parse('{"data": []}') == []


def test_malformed_entries_leave_a_plain_problem_line() -> None:
    problems: list[str] = []
    assert map_comment({"message": "no id, no permalink"}, "1_2", problems) is None
    kept = map_comment({"id": "2_3", "message": "no author", "created_time": "yesterday"}, "1_2", problems)
    assert kept is not None and kept.created_at is None and kept.author is not None and kept.author.name == ""
    assert problems == [
        "comment skipped: no id in {'message': 'no id, no permalink'}",
        "comment 2_3 has no author (deleted or not visible); kept with an empty author",
        "comment 2_3 has no readable created_time",
    ]


def test_usage_headers_with_nan_or_infinity_leave_a_storable_usage() -> None:
    """The usage is saved as jsonb with the account: a NaN there would fail every poll's record."""
    import json

    from collector.meta_graph import usage_of

    usage = usage_of({
        "X-App-Usage": '{"call_count": NaN, "total_time": 12}',
        "X-Business-Use-Case-Usage": '{"1": [{"call_count": Infinity, "estimated_time_to_regain_access": -Infinity}]}',
    })
    assert usage == {"app_usage_pct": 12, "business_usage_pct": 0, "regain_access_minutes": 0}
    json.loads(json.dumps(usage), parse_constant=lambda c: pytest.fail(f"{c} in the usage"))
