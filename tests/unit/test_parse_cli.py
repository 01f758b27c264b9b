"""`jasette parse PLATFORM FILE`: one JSON line per item; exit 2 with one line otherwise."""

from __future__ import annotations

import argparse
import io
import json
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from collector import parse_cli, registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REQUIRED = {
    "platform",
    "external_id",
    "kind",
    "text",
    "author_name",
    "author_handle",
    "created_at",
    "url",
    "parent_external_id",
}


def run(platform: str, path: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    parse_cli.add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    status = parse_cli.run(parser.parse_args([platform, path]), out, err)
    return status, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    "platform, name, count",
    [
        ("facebook", "facebook/comments_stream.json", 4),
        ("instagram", "instagram/comments_with_replies.json", 3),
        ("x", "x/mentions_expanded.json", 2),
        ("youtube", "youtube/threads_with_replies.json", 3),
        ("linkedin", "linkedin/comments_on_post.json", 3),
    ],
)
def test_prints_one_json_object_per_item(platform: str, name: str, count: int) -> None:
    status, out, err = run(platform, str(FIXTURES / name))
    assert (status, err) == (0, "")
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == count
    for record in records:
        assert REQUIRED <= set(record)
        assert record["platform"] == platform
        assert datetime.fromisoformat(record["created_at"]).tzinfo is not None


def test_every_platform_has_a_parser_the_command_can_load() -> None:
    for platform in registry.platforms():
        assert callable(registry.parser(platform)), platform


def test_text_keeps_emoji_and_right_to_left_script() -> None:
    _, out, _ = run("facebook", str(FIXTURES / "facebook/comments_stream.json"))
    texts = [json.loads(line)["text"] for line in out.splitlines()]
    assert "Merci Dana! 🙏" in texts and "هل أنتم مفتوحون يوم الأحد؟" in texts


def test_unknown_platform_is_exit_2_with_one_line() -> None:
    status, out, err = run("myspace", str(FIXTURES / "x/empty.json"))
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "unknown platform 'myspace'" in err


def test_a_body_of_another_platform_is_exit_2_with_the_reason(tmp_path: Path) -> None:
    status, out, err = run("youtube", str(FIXTURES / "facebook/comments_stream.json"))
    assert (status, out) == (2, "")
    assert err.count("\n") == 1 and "not a youtube body" in err


def test_a_missing_file_is_exit_2(tmp_path: Path) -> None:
    status, _, err = run("x", str(tmp_path / "absent.json"))
    assert status == 2 and "cannot read" in err


def test_runs_as_a_module_without_traceback(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_bytes(b"\x00\x01 not json")
    done = subprocess.run(
        [sys.executable, "-m", "collector.parse_cli", "instagram", str(garbage)],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    ok = subprocess.run(
        [sys.executable, "-m", "collector.parse_cli", "x", str(FIXTURES / "x/mentions_expanded.json")],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert ok.returncode == 0 and len(ok.stdout.splitlines()) == 2


def hostile_bodies(seed: int, count: int) -> list[str]:
    """Random JSON made of the platforms' own key names, nested at random: what a broken proxy or
    a changed API could send."""
    rng = random.Random(seed)
    keys = [
        "data",
        "id",
        "message",
        "text",
        "from",
        "parent",
        "permalink_url",
        "created_time",
        "timestamp",
        "replies",
        "paging",
        "items",
        "kind",
        "snippet",
        "topLevelComment",
        "authorChannelId",
        "publishedAt",
        "includes",
        "users",
        "meta",
        "author_id",
        "edit_history_tweet_ids",
        "referenced_tweets",
        "username",
        "mentioned_comment",
        "caption",
        "error",
        "textOriginal",
        "videoId",
        "comments",
        "response",
        "body",
    ]
    leaves = [None, 1, -2.5, 1e30, True, "", "x", "2026-03-02T10:01:07+0000", "not a time", [], {}]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 3 or roll < 0.3:
            return rng.choice(leaves)
        if roll < 0.6:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        shape = {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 6))}
        if rng.random() < 0.2:
            shape["kind"] = rng.choice(["youtube#commentThreadListResponse", "youtube#commentListResponse"])
        return shape

    return [json.dumps(value(0)) for _ in range(count)]


@pytest.mark.parametrize("platform", ["facebook", "instagram", "x", "youtube"])
def test_hostile_bodies_are_items_or_a_clear_refusal(platform: str) -> None:
    parse = registry.parser(platform)
    for body in hostile_bodies(seed=len(platform), count=3000):
        try:
            items = parse(body)
        except ValueError:
            continue
        assert all(isinstance(item.external_id, str) and item.external_id for item in items)
