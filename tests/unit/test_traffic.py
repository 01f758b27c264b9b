"""The demo traffic's comments: deterministic for a seed, varied, bilingual, realistic authors."""

from __future__ import annotations

import random
from collections import Counter, deque

from emulators import traffic
from emulators import traffic_phrases as words


def _many(seed: int, count: int = 600) -> list[dict]:
    rng = random.Random(seed)
    return [traffic.make_comment(rng) for _ in range(count)]


def test_same_seed_same_comments_other_seed_other_comments() -> None:
    assert _many(7, 50) == _many(7, 50)
    assert _many(7, 50) != _many(8, 50)


def test_both_languages_every_tone_and_every_business_appear() -> None:
    comments = _many(1)
    langs = Counter(c["lang"] for c in comments)
    assert langs["fr"] > langs["en"] > 100  # French first, English well present
    assert {c["tone"] for c in comments} == {t for t, _ in words.TONES}
    assert {c["business"] for c in comments} == {b["name"] for b in words.BUSINESSES}
    assert len({c["text"] for c in comments}) > 250


def test_texts_are_filled_in_and_tones_match_ratings() -> None:
    for comment in _many(2):
        assert "{" not in comment["text"] and comment["text"].strip()
        assert 1 <= comment["rating"] <= 5
        if comment["tone"] == "angry":
            assert comment["rating"] <= 2
        if comment["tone"] == "praise":
            assert comment["rating"] >= 4


def test_authors_are_stable_people_and_spammers_look_like_spammers() -> None:
    comments = _many(3)
    by_handle: dict[str, set] = {}
    for c in comments:
        by_handle.setdefault(c["author_handle"], set()).add((c["author_name"], c["author_id"], c["followers"]))
        assert c["author_handle"].isascii() and c["author_handle"]
    assert all(len(identities) == 1 for identities in by_handle.values())
    assert sum(1 for c in comments if c["followers"] >= 10_000) >= 1
    assert any(" " in c["author_name"] and not c["author_name"].isascii() for c in comments)  # Côté, Bélanger...
    spam = [c for c in comments if c["tone"] == "spam"]
    assert spam and all(c["author_name"] in words.SPAM_NAMES and c["followers"] < 30 for c in spam)


def test_a_reply_names_the_person_it_answers() -> None:
    rng = random.Random(4)
    parent = traffic.make_comment(rng)
    reply = traffic.make_comment(rng, reply_to=parent)
    assert reply["tone"] == "reply"
    assert reply["text"].startswith("@" + parent["author_handle"])


def test_payloads_follow_the_kinds_an_emulator_declares() -> None:
    rng = random.Random(5)
    recent: deque = deque([("c1", {"author_handle": "julie.roy"})])
    review_only = [traffic._payload(rng, ["review"], recent) for _ in range(200)]
    assert {p["kind"] for p in review_only} == {"review"}
    with_mentions = [traffic._payload(rng, ["comment", "reply", "mention"], recent) for _ in range(400)]
    kinds = Counter(p["kind"] for p in with_mentions)
    assert kinds["comment"] > kinds["reply"] > 0 and kinds["mention"] > 0
    assert all(p["parent"] == "c1" for p in with_mentions if p["kind"] == "reply")
    # An emulator that does not declare kinds gets its default kind and replies with parents.
    silent = [traffic._payload(rng, None, recent) for _ in range(200)]
    assert {p.get("kind") for p in silent} == {None, "reply"}
    assert set(silent[0]) >= set(traffic.INJECT_FIELDS)
