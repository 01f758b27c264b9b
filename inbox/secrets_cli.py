"""`jasette secrets reseal`: after rotating JASETTE_SECRET_KEY (the old key moved to
JASETTE_SECRET_KEY_PREVIOUS), seal every stored secret again with the new key, in batches, and say
how many; then the old key can be dropped. Secrets earlier versions kept in clear are sealed first."""

from __future__ import annotations

import argparse
import sys

import asyncpg

from inbox import sealed
from inbox.credentials import Vault


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `secrets` sub-commands."""
    sub = parser.add_subparsers(dest="secrets_command", metavar="ACTION", required=True)
    reseal = sub.add_parser("reseal", help="seal every stored secret with the current JASETTE_SECRET_KEY (resumable)")
    reseal.add_argument("--batch", type=int, default=200, metavar="ROWS", help="rows per transaction (default 200)")


async def run(args: argparse.Namespace, pool: asyncpg.Pool, *, vault: Vault | None) -> int:
    """Reseal; one line per sealed column; exit 1 when some value opens with no key given."""
    if vault is None:
        print("jasette: JASETTE_SECRET_KEY is not set: it is the key secrets are sealed with", file=sys.stderr)
        return 2
    if not 1 <= args.batch <= 10_000:
        print("jasette: --batch must be between 1 and 10000", file=sys.stderr)
        return 2
    async with pool.acquire() as conn:
        moved = await sealed.seal_clear(conn, vault)
        print(f"clear secrets sealed: {moved} brand(s)")
        results = await sealed.reseal(conn, vault, batch=args.batch)
    unreadable = False
    for r in results:
        line = f"{r.column}: {r.resealed} resealed, {r.current} already current, {len(r.unreadable)} unreadable"
        if r.unreadable:
            unreadable = True
            shown = ", ".join(str(i) for i in r.unreadable[:20]) + (" ..." if len(r.unreadable) > 20 else "")
            line += f" (ids {shown}: add the key they were sealed with to JASETTE_SECRET_KEY_PREVIOUS and run again)"
        print(line)
    if unreadable:
        return 1
    print("done: every secret is sealed with the current key; JASETTE_SECRET_KEY_PREVIOUS can be removed")
    return 0
