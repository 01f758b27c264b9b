"""`jasette brands add SLUG --name NAME [--lang fr|en] [--timezone America/Montreal]` and `jasette brands list`."""

from __future__ import annotations

import argparse
import re
import sys
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import asyncpg

from inbox import users

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `jasette brands`."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a brand (a business whose comments Jasette reads)")
    add.add_argument("slug", help="short name in lowercase letters, digits and dashes, e.g. cafe-du-plateau")
    add.add_argument("--name", required=True, help="the business's name as people see it")
    add.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of its customers (default fr)")
    add.add_argument("--timezone", default="America/Montreal", help="IANA time zone (default America/Montreal)")
    sub.add_parser("list", help="list the brands")


def _fail(message: str) -> int:
    print(f"jasette: error: {message}", file=sys.stderr)
    return 2


async def run(args: argparse.Namespace, pool: asyncpg.Pool) -> int:
    """Create or list brands; 2 with one line on a mistake."""
    async with pool.acquire() as conn:
        if args.action == "list":
            for row in await users.all_brands(conn):
                print(f"{row['slug']}\t{row['name']}\t{row['lang']}\t{row['timezone']}")
            return 0
        if not SLUG.match(args.slug):
            return _fail(f"{args.slug!r} is not a valid slug: use lowercase letters, digits and dashes, e.g. cafe-du-plateau")
        name = args.name.strip()
        if not name or len(name) > 200:
            return _fail("--name must not be empty (200 characters at most)")
        try:
            ZoneInfo(args.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            return _fail(f"unknown time zone {args.timezone!r}: use a name like America/Montreal")
        if await users.brand_id_by_slug(conn, args.slug) is not None:
            return _fail(f"a brand {args.slug!r} already exists")
        await users.create_brand(conn, args.slug, name, args.lang, args.timezone)
    print(f"brand {args.slug} created")
    return 0
