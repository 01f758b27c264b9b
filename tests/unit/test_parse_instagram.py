"""The Instagram parser against recorded Graph responses and our own fixtures."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from shared_paths import shared_root

from collector.instagram import parse

SHARED = shared_root() / "api-fixtures" / "instagram" / "python-facebook" / "instagram"
OWN = Path(__file__).resolve().parents[1] / "fixtures" / "instagram"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"recorded fixtures not present at {SHARED}")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@needs_shared
def test_recorded_comment_pages() -> None:
    first = parse((SHARED / "apidata/medias/comments_p1.json").read_bytes())
    assert [(i.external_id, i.body, i.created_at) for i in first] == [
        ("17858154961981086", "Beautiful!", utc(2020, 6, 1, 10, 56, 52)),
        ("17874875428706419", "Beautiful!", utc(2020, 6, 1, 10, 16, 39)),
    ]
    second = parse((SHARED / "apidata/medias/comments_p2.json").read_bytes())
    assert [i.external_id for i in second] == ["17892250648466172", "17914413430382429"]
    assert second[0].body == "@ikroskun  Hey, guys"


@needs_shared
def test_recorded_comment_model_with_nested_reply() -> None:
    top, reply = parse((SHARED / "models/ig_comment.json").read_bytes())
    assert top.external_id == "17892250648466172"
    assert top.kind == "comment"
    assert top.author is not None and (top.author.handle, top.author.external_id) == ("ikroskun", "17841406338772941")
    assert top.parent_external_id == "17846368219941692"  # its media
    assert top.created_at == utc(2020, 2, 24, 9, 15, 16)
    assert reply.external_id == "17845747489952795"
    assert reply.kind == "reply"
    assert reply.parent_external_id == "17892250648466172"
    assert reply.thread_external_id == "17846368219941692"
    assert reply.body == "@ikroskun Nice"
    assert reply.created_at == utc(2020, 2, 24, 9, 18, 8)


@needs_shared
def test_recorded_mention_lookups() -> None:
    [comment] = parse((SHARED / "apidata/users/mentioned_comment.json").read_bytes())
    assert (comment.external_id, comment.body) == ("17967008497439572", "@ikroskun good")
    assert comment.author is not None and comment.author.handle == "ikroskun"
    assert comment.created_at == utc(2021, 8, 19, 9, 14, 16)
    [media] = parse((SHARED / "apidata/users/mentioned_media.json").read_bytes())
    assert (media.external_id, media.kind, media.body) == ("17889114512354744", "mention", "@ikroskun hey")
    assert media.created_at == utc(2021, 8, 19, 9, 0, 22)


@needs_shared
def test_recorded_tagged_media_are_mentions() -> None:
    items = parse((SHARED / "apidata/users/tagged_medias.json").read_bytes())
    assert items[0].external_id == "17892354025952911"
    assert items[0].kind == "mention"
    assert items[0].body == "publish test"
    assert items[0].url == "https://www.instagram.com/p/CMeo7rcJvTi/"
    assert items[0].created_at == utc(2021, 3, 16, 12, 2, 14)


@needs_shared
def test_recorded_replies_and_ids_map() -> None:
    [reply] = parse((SHARED / "apidata/comments/replies.json").read_bytes())
    assert (reply.external_id, reply.body) == ("17847314687296283", "@lixiangguodu123 nihao")
    both = parse((SHARED / "apidata/comments/comments_fields.json").read_bytes())
    assert {i.external_id for i in both} == {"17892250648466172", "17858154961981086"}


def test_own_page_with_replies_rtl_and_a_broken_entry() -> None:
    items = parse((OWN / "comments_with_replies.json").read_bytes())
    assert [i.external_id for i in items] == ["17850000000000011", "17850000000000012", "17850000000000013"]
    top, ours, rtl = items
    assert top.body == "C'est du lait d'avoine? 🥛"
    assert top.author is not None and top.author.external_id == "17841400000000099"
    assert ours.kind == "reply" and ours.parent_external_id == "17850000000000011"
    assert ours.thread_external_id == "17900000000000001"
    assert rtl.body == "שלום, יש לכם משלוחים?"
    assert rtl.author is not None and rtl.author.name == ""  # no username: deleted or hidden author
    assert rtl.raw["hidden"] is True


@pytest.mark.parametrize(
    "body, reason",
    [
        (b"{", "not JSON"),
        (b'"text"', "JSON object"),
        (b'{"error": {"message": "(#10) no permission", "code": 10}}', "Graph API error"),
        (b'{"meta": {"result_count": 0}}', "not an Instagram Graph body"),
    ],
)
def test_bodies_it_does_not_understand(body: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse(body)
