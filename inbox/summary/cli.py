"""`jasette summary --brand SLUG --week 2026-W47 [--format json|csv|html|text]`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime

import asyncpg

from inbox.alerts.message import Describe
from inbox.summary import labels, query, render
from inbox.summary.period import SummaryError, last_complete_week
from inbox.zones import zone


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `jasette summary`."""
    parser.add_argument("--brand", required=True, help="brand slug, e.g. cafe-du-plateau")
    parser.add_argument("--week", help="ISO week such as 2026-W47 (default: the last complete week)")
    parser.add_argument("--format", choices=("json", "csv", "html", "text"), default="json",
                        help="json (default), csv, html (the e-mail) or text (its plain part)")
    parser.add_argument("--lang", choices=("fr", "en"), help="language of html/text (default: the brand's)")


async def run(args: argparse.Namespace, pool: asyncpg.Pool, *, base_url: str = "http://127.0.0.1:8000",
              now: datetime | None = None, describe: Describe | None = None,
              platform_name: Describe | None = None) -> int:
    """Print the summary (html and text as the owners' e-mail: names and reasons in words, given
    `describe` and `platform_name`); 2 with a one-line reason on a bad brand or week."""
    now = now or datetime.now(UTC)
    try:
        async with pool.acquire() as conn:
            brand = await query.brand_row(conn, args.brand)
            week = args.week or last_complete_week(now, zone(brand["timezone"])).label
            summary = await query.compute(conn, brand, week, now)
    except SummaryError as exc:
        print(f"jasette: {exc}", file=sys.stderr)
        return 2
    lang = args.lang or brand["lang"]
    if args.format == "json":
        out = json.dumps(summary, ensure_ascii=False, indent=2) + "\n"
    elif args.format == "csv":
        out = render.to_csv(summary)
    elif args.format == "html":
        out = render.email_html(labels.named(summary, lang, platform_name, describe), lang, base_url)
    else:
        out = render.text(labels.named(summary, lang, platform_name, describe), lang, base_url)
    sys.stdout.write(out)
    return 0
