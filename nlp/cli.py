"""`jasette analyze`: JSON Lines in (text, id, platform, author_followers), one JSON line out per input.

Each output line holds id, lang, lang_confidence, sentiment, polarity, priority, reasons (stable
codes), reasons_text (the same reasons as staff read them, French unless `--ui-lang en`) and
spam. A line that is not UTF-8, not JSON, or has no text yields {"id", "line", "error"} in its
place: one bad line never stops the stream. Order is kept; `--workers N` analyses in N processes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, BinaryIO

from .encoder import EncoderMissing
from .pool import Analyzer
from .reasons import describe
from .types import Document

_BATCH = 512
_FIELDS = ("lang", "lang_confidence", "sentiment", "polarity", "priority", "reasons", "spam")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the analyze command's options to parser."""
    parser.add_argument("--workers", type=int, default=0, help="worker processes (0: analyse in this process)")
    parser.add_argument("--ui-lang", choices=("fr", "en"), default="fr", help="language of reasons_text")
    parser.add_argument("--model", choices=("fast", "full"), default="fast",
                        help="fast: the learned layer (ingest's path); full: blended with the sentence encoder, slower")
    parser.add_argument("--expected-langs", default="fr,en", help="the brand's languages, comma-separated")


def _parse(number: int, raw: bytes, expected: tuple[str, ...]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Return (document, None) for a good line or (None, error object) for a bad one."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {"id": None, "line": number, "error": "invalid_utf8"}
    try:
        obj = json.loads(line)
    except ValueError:
        return None, {"id": None, "line": number, "error": "invalid_json"}
    if not isinstance(obj, dict):
        return None, {"id": None, "line": number, "error": "not_an_object"}
    ident = obj.get("id")
    if not isinstance(ident, (str, int, float, type(None))) or isinstance(ident, bool):
        ident = None
    text = obj.get("text")
    if not isinstance(text, str):
        return None, {"id": ident, "line": number, "error": "missing_text"}
    followers = obj.get("author_followers", obj.get("followers"))
    if not isinstance(followers, (int, float)) or isinstance(followers, bool):
        followers = None
    # Odd values of the optional fields are passed as given: analyze() reads them tolerantly.
    doc = Document(
        text, followers=None if followers is None else int(followers), already_replied=obj.get("already_replied", False),
        age_seconds=obj.get("age_seconds"), expected_langs=expected,
    )
    return {"id": ident, "doc": doc}, None


def _dump(obj: dict[str, Any]) -> bytes:
    try:
        return (json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(obj) + "\n").encode("ascii")


async def _stream(args: argparse.Namespace, source: BinaryIO, sink: BinaryIO) -> None:
    expected = tuple(x.strip() for x in args.expected_langs.split(",") if x.strip()) or ("fr", "en")
    async with Analyzer(workers=args.workers, model=getattr(args, "model", "fast")) as analyzer:
        batch: list[tuple[dict[str, Any] | None, dict[str, Any] | None]] = []
        number = 0

        async def flush() -> None:
            docs = [item["doc"] for item, _ in batch if item is not None]
            results = iter(await analyzer.analyze_batch(docs))
            for item, error in batch:
                if item is None:
                    sink.write(_dump(error or {}))
                    continue
                result = next(results)
                out = {"id": item["id"]}
                out.update({k: getattr(result, k) for k in _FIELDS})
                out["reasons_text"] = [describe(code, args.ui_lang) for code in result.reasons]
                sink.write(_dump(out))
            sink.flush()
            batch.clear()

        for raw in source:
            number += 1
            raw = raw.rstrip(b"\r\n")
            if not raw.strip():
                continue
            batch.append(_parse(number, raw, expected))
            if len(batch) >= _BATCH:
                await flush()
        if batch:
            await flush()


def run(args: argparse.Namespace) -> int:
    """Analyse JSON Lines from stdin to stdout; return the exit status."""
    try:
        asyncio.run(_stream(args, sys.stdin.buffer, sys.stdout.buffer))
    except BrokenPipeError:
        return 0
    except EncoderMissing as exc:
        print(f"jasette analyze: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m nlp.cli`."""
    parser = argparse.ArgumentParser(prog="jasette analyze", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
