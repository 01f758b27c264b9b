"""`jasette parse PLATFORM FILE`: map one raw platform response body and print its items.

One JSON object per line per item. A platform it does not know or a file its parser does not
understand ends with exit status 2 and one plain line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from collector import registry
from inbox.types import NewItem

EXIT_UNDERSTOOD = 0
EXIT_NOT_UNDERSTOOD = 2


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare PLATFORM and FILE on `parser`."""
    parser.add_argument("platform", metavar="PLATFORM", help="one of: " + ", ".join(registry.platforms()))
    parser.add_argument("file", metavar="FILE", help="a file holding one raw response body ('-' reads stdin)")


def item_record(item: NewItem) -> dict[str, Any]:
    """The printed fields of one item."""
    author = item.author
    return {
        "platform": item.platform,
        "external_id": item.external_id,
        "kind": item.kind,
        "text": item.body,
        "author_name": author.name if author else "",
        "author_handle": author.handle if author else "",
        "author_id": author.external_id if author else "",
        "author_followers": author.followers if author else None,
        "created_at": item.created_at.isoformat() if item.created_at else None,
        "url": item.url,
        "parent_external_id": item.parent_external_id,
        "thread_external_id": item.thread_external_id,
        "from_business": item.from_business,
        "deleted": item.deleted,
    }


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Parse args.file with args.platform's parser; print items; 0, or 2 when not understood."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        parse = registry.parser(args.platform)
    except registry.UnknownPlatform as exc:
        print(f"jasette parse: {exc}", file=err)
        return EXIT_NOT_UNDERSTOOD
    except (ImportError, AttributeError) as exc:
        print(f"jasette parse: no parser for {args.platform!r} in this install ({exc})", file=err)
        return EXIT_NOT_UNDERSTOOD
    try:
        if args.file == "-":
            body: bytes = sys.stdin.buffer.read()
        else:
            with open(args.file, "rb") as handle:
                body = handle.read()
    except OSError as exc:
        print(f"jasette parse: cannot read {args.file}: {exc.strerror or exc}", file=err)
        return EXIT_NOT_UNDERSTOOD
    try:
        items = parse(body)
    except ValueError as exc:
        print(f"jasette parse: {args.file} is not a {args.platform} body this parser understands: {exc}", file=err)
        return EXIT_NOT_UNDERSTOOD
    except Exception as exc:  # a parser bug must still end in one line, not a traceback
        print(
            f"jasette parse: the {args.platform} parser failed on {args.file}: {exc.__class__.__name__}: {exc}",
            file=err,
        )
        return EXIT_NOT_UNDERSTOOD
    try:
        for item in items:
            out.write(json.dumps(item_record(item), ensure_ascii=False) + "\n")
        out.flush()
    except BrokenPipeError:
        # The reader (e.g. `head`) has enough: stop quietly, as Unix tools do.
        return EXIT_UNDERSTOOD
    return EXIT_UNDERSTOOD


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m collector.parse_cli`."""
    parser = argparse.ArgumentParser(prog="jasette parse", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
