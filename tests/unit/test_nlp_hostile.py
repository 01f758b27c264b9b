"""Hostile and odd input never breaks the stage, and the same input always gives the same output."""

import json
import os
import subprocess
import sys

import pytest

from nlp import analyze

KEYS = ["lang", "lang_confidence", "sentiment", "polarity", "priority", "reasons", "spam", "evidence"]
HOSTILE = [
    "",
    " \n\t ",
    "😂😂😂🔥🔥💯",
    "👨‍👩‍👧‍👦🏳️‍🌈🇨🇦",
    "a" * 100_000,
    ("Service horrible! " * 6000),
    "Le café est bon. Кофе хороший. القهوة جيدة. 咖啡很好.",
    "evil\x00null\x07bell\x1b[31mred\x1b[0m\u202eright-to-left\u200bzero",
    "lone surrogate \ud800 here",
    "<script>alert('x')</script> &amp; &lt;b&gt;",
    "!!!???...",
    "\u0092\u009c damaged",
    "@a @b @c #d #e https://x.y/z",
    "ＦＵＬＬ ＷＩＤＴＨ ｔｅｘｔ",
    "z̷̢͔̈́a̶̰͝l̵̗̓g̸̱̈o̵̳͝",
]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_text_gives_a_well_formed_result(text):
    result = analyze(text)
    assert list(result.to_dict()) == KEYS
    assert isinstance(result.lang, str) and 2 <= len(result.lang) <= 3
    assert 0.0 <= result.lang_confidence <= 1.0
    assert result.sentiment in ("negative", "neutral", "positive")
    assert -1.0 <= result.polarity <= 1.0
    assert isinstance(result.priority, int) and 0 <= result.priority <= 100
    assert all(isinstance(r, str) for r in result.reasons)
    assert isinstance(result.spam, bool)
    assert all(isinstance(e, str) for e in result.evidence) and len(result.evidence) <= 20
    json.dumps(result.to_dict())


def test_empty_and_emoji_only_are_und():
    assert analyze("").lang == "und"
    assert analyze("😂😂😂🔥🔥💯").lang == "und"
    assert analyze("😂😂😂🔥🔥💯").sentiment == "positive"


def test_odd_arguments_are_tolerated():
    result = analyze("Bon service", followers="lots", age_seconds="soon", expected_langs=("en",))
    assert result.priority >= 0
    assert analyze(None).lang == "und"  # type: ignore[arg-type]


def test_same_input_same_output_in_this_process():
    texts = ["Service full lent, c'est plate", "Love it!!!", "bon", "Je veux un remboursement 😡"]
    assert [analyze(t) for t in texts] == [analyze(t) for t in texts]


def test_same_output_across_processes_and_hash_seeds():
    texts = ["Service full lent, c'est plate", "Thanks for nothing 🙄", "Das ist gut", "bon", "I want a refund"]
    code = (
        "import json,sys; from nlp import analyze; "
        "print(json.dumps([analyze(t).to_dict() for t in json.loads(sys.argv[1])], sort_keys=True))"
    )
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run(
            [sys.executable, "-c", code, json.dumps(texts)],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert json.loads(outputs.pop()) == json.loads(json.dumps([analyze(t).to_dict() for t in texts], sort_keys=True))


def test_expected_languages_given_as_a_string_or_list():
    text = "Le service était excellent, merci!"
    assert analyze(text, expected_langs="fr,en") == analyze(text, expected_langs=["fr", "en"]) == analyze(text)
