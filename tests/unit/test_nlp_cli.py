"""`python -m nlp.cli` (jasette analyze): JSON Lines in, one line out per input, bad lines as errors."""

import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIELDS = {"id", "lang", "lang_confidence", "sentiment", "polarity", "priority", "reasons", "reasons_text", "spam"}


def run(stdin: bytes, *args: str) -> list[dict]:
    done = subprocess.run(
        [sys.executable, "-m", "nlp.cli", *args], input=stdin, cwd=ROOT, capture_output=True, timeout=120, check=True
    )
    return [json.loads(line) for line in done.stdout.decode("utf-8").splitlines()]


def test_lines_in_order_with_errors_in_place():
    stdin = (
        b"\n".join(
            [
                json.dumps({"id": "a", "text": "Je veux un remboursement!!!", "author_followers": 5000}).encode(),
                b"this is not json",
                b"\xff\xfe\xfa not utf-8",
                json.dumps({"id": 7, "text": "Love it", "platform": "any"}).encode(),
                b"[1, 2]",
                json.dumps({"id": "no-text"}).encode(),
                json.dumps({"id": "c", "text": "😡"}, ensure_ascii=False).encode(),
            ]
        )
        + b"\n"
    )
    out = run(stdin)
    assert [o.get("id") for o in out] == ["a", None, None, 7, None, "no-text", "c"]
    assert [o.get("error") for o in out] == [
        None,
        "invalid_json",
        "invalid_utf8",
        None,
        "not_an_object",
        "missing_text",
        None,
    ]
    assert set(out[0]) == FIELDS
    assert "urgent:refund" in out[0]["reasons"] and "Demande de remboursement" in out[0]["reasons_text"]
    assert out[0]["sentiment"] == "negative" and out[3]["sentiment"] == "positive"
    assert out[1]["line"] == 2


def test_workers_and_english_reasons_give_the_same_analysis():
    lines = [
        json.dumps({"id": i, "text": t})
        for i, t in enumerate(["Service full lent", "Where is my order?", "Merci!", "DM for followers"] * 200)
    ]
    stdin = ("\n".join(lines) + "\n").encode()
    one = run(stdin, "--ui-lang", "en")
    two = run(stdin, "--workers", "2", "--ui-lang", "en")
    assert one == two and len(one) == 800
    assert "Question awaiting an answer" in one[1]["reasons_text"]
