"""`jasette users add EMAIL --name NAME --brand SLUG --role owner|agent` (password on standard
input; an existing account only joins the brand), `jasette users invite EMAIL --brand SLUG
--role R` (prints the invitation link) and `jasette users list`: scripted installs without the web."""

from __future__ import annotations

import argparse
import getpass
import sys

import asyncpg

from inbox import invitations, users
from web import passwords
from web.routes_setup import EMAIL, check_person


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `jasette users`."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a user on a brand (password read from standard input), "
                                     "or give an existing user a role on another brand")
    add.add_argument("email")
    add.add_argument("--name", required=True, help="display name shown to colleagues")
    add.add_argument("--brand", required=True, help="slug of an existing brand (see jasette brands list)")
    add.add_argument("--role", choices=users.ROLES, required=True, help="owner (settings, connections) or agent")
    add.add_argument("--lang", choices=("fr", "en"), default="fr", help="interface language (default fr)")
    invite = sub.add_parser("invite", help="invite an e-mail address to a brand; prints the link to send them")
    invite.add_argument("email")
    invite.add_argument("--brand", required=True, help="slug of an existing brand (see jasette brands list)")
    invite.add_argument("--role", choices=users.ROLES, required=True, help="owner (settings, connections) or agent")
    invite.add_argument("--lang", choices=("fr", "en"), default="fr", help="language of the invitation page (default fr)")
    sub.add_parser("list", help="list users with their brands and roles")


def _fail(message: str) -> int:
    print(f"jasette: error: {message}", file=sys.stderr)
    return 2


def _read_password() -> str:
    # One line from standard input: `printf '%s\n' "$PW" | jasette users add ...` in scripts.
    line = sys.stdin.readline()
    return line[:-1] if line.endswith("\n") else line


async def _invite(args: argparse.Namespace, pool: asyncpg.Pool, base_url: str) -> int:
    email = args.email.strip()
    if not EMAIL.match(email):
        return _fail(f"{email!r} is not a valid e-mail address")
    async with pool.acquire() as conn:
        brand_id = await users.brand_id_by_slug(conn, args.brand)
        if brand_id is None:
            return _fail(f"no brand {args.brand!r}: create it with jasette brands add {args.brand} --name ...")
        existing = await users.user_by_email(conn, email)
        if existing is not None and await users.member(conn, existing["id"], brand_id) is not None:
            return _fail(f"{email} is already on {args.brand}")
        _id, token = await invitations.invite(conn, brand_id=brand_id, email=email, role=args.role, lang=args.lang,
                                              invited_by=None)
    print(f"{base_url.rstrip('/')}/invite/{token}")
    print(f"(works once, for {invitations.INVITE_DAYS} days; inviting {email} again makes a new link)", file=sys.stderr)
    return 0


async def run(args: argparse.Namespace, pool: asyncpg.Pool, *, base_url: str = "http://127.0.0.1:8000") -> int:
    """Add, invite or list users; 2 with one line on a mistake."""
    if args.action == "list":
        async with pool.acquire() as conn:
            for row in await users.all_users(conn):
                print(f"{row['email']}\t{row['name']}\t{','.join(row['brands']) or '-'}")
        return 0
    if args.action == "invite":
        return await _invite(args, pool, base_url)
    email, name = args.email.strip(), args.name.strip()
    async with pool.acquire() as conn:
        brand_id = await users.brand_id_by_slug(conn, args.brand)
        if brand_id is None:
            return _fail(f"no brand {args.brand!r}: create it with jasette brands add {args.brand} --name ...")
        existing = await users.user_by_email(conn, email)
        if existing is not None:
            # One person, one account: an existing user only gets the role on this brand too.
            if await users.member(conn, existing["id"], brand_id) is not None:
                return _fail(f"a user with the e-mail {email!r} already exists on {args.brand}")
            await users.add_membership(conn, existing["id"], brand_id, args.role)
            print(f"existing user {existing['email']} added to {args.brand} as {args.role}")
            return 0
    # At a terminal the password is typed without echo; in scripts it is one line of stdin.
    password = getpass.getpass("Password (at least 10 characters): ") if sys.stdin.isatty() else _read_password()
    if not password:
        return _fail("no password on standard input: printf '%s\\n' \"$PASSWORD\" | jasette users add ...")
    problem = check_person(email, name, password)
    if problem is not None:
        return _fail(problem)
    pw_hash = await passwords.hash_async(password)
    async with pool.acquire() as conn, conn.transaction():
        user_id = await users.create_user(conn, email, name, pw_hash, args.lang)
        await users.add_membership(conn, user_id, brand_id, args.role)
    print(f"user {email} added to {args.brand} as {args.role}")
    return 0
