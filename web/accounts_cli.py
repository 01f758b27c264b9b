"""`jasette accounts add|list|set|poll-now`: platform connections without the web form, with the
form's rules (address schemes, a new host needs the credentials again). Credentials are JSON read
from standard input, never from the command line, which other users can read in `ps`."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import socket
import sys
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from starlette.exceptions import HTTPException

from inbox import accounts, netguard, users
from inbox.credentials import Vault
from inbox.db import Conn
from web import account_form, i18n
from web.account_form import checked_urls, moves_host
from web.account_form import platforms as _platforms
from web.account_form import url_settings as _url_settings
from web.claims import claim_refused

MIN_INTERVAL, MAX_INTERVAL = accounts.MIN_POLL_INTERVAL, accounts.MAX_POLL_INTERVAL
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Mistake(Exception):
    """A user mistake: one line, exit 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Sub-commands of `jasette accounts`."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="connections with their health and next poll")
    listing.add_argument("--brand", help="only this brand's (slug)")
    add = sub.add_parser("add", help="connect a platform account; credentials are JSON on standard input")
    add.add_argument("--brand", required=True, help="slug of an existing brand")
    add.add_argument("--platform", required=True, help="platform (see the settings page's list)")
    add.add_argument("--name", required=True, help="name shown in the inbox")
    add.add_argument("--external-id", required=True, help="the page, channel, site or mailbox id on the platform")
    add.add_argument("--base-url", default="",
                     help="the platform's API address (or feed site, or imaps://server); leave out for the platform's own")
    _common(add)
    edit = sub.add_parser("set", help="change a connection; new credentials (JSON) on stdin with --credentials")
    edit.add_argument("id", type=int)
    edit.add_argument("--name")
    edit.add_argument("--base-url", help="a new API address (a new server needs --credentials too)")
    _common(edit)
    edit.add_argument("--credentials", action="store_true", help="read new credentials (JSON) from standard input")
    state = edit.add_mutually_exclusive_group()
    state.add_argument("--enable", dest="enabled", action="store_const", const=True, help="resume polling")
    state.add_argument("--disable", dest="enabled", action="store_const", const=False, help="pause polling")
    now = sub.add_parser("poll-now", help="poll a connection at once (the next free worker takes it)")
    now.add_argument("id", type=int)


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--setting", action="append", default=[], metavar="KEY=VALUE", help="a setting (repeatable)")
    p.add_argument("--poll-interval", type=int, metavar="SECONDS", help=f"seconds between polls ({MIN_INTERVAL}-{MAX_INTERVAL})")


def _read_credentials() -> dict[str, str]:
    text = sys.stdin.read(65_536)
    try:
        found = json.loads(text)
    except ValueError:
        raise Mistake('credentials must be a JSON object on standard input, e.g. {"access_token": "..."}') from None
    if not isinstance(found, dict) or not found or not all(
            isinstance(k, str) and isinstance(v, str) and k.strip() and v for k, v in found.items()):
        raise Mistake('credentials must be a non-empty JSON object of strings, e.g. {"access_token": "..."}')
    return {k.strip()[:60]: v[:4000] for k, v in found.items()}


def _settings(pairs: list[str], platform: str, base_url: str | None) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The checked base URL, all settings, and the URL ones (checked by the form's rules)."""
    form: dict[str, str] = {"base_url": base_url or ""}
    other: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not _KEY.match(key) or not value or len(value) > 500:
            raise Mistake(f"--setting {pair[:80]!r}: expected key=value (a lower-case key, a value up to 500 characters)")
        if key == "base_url":
            raise Mistake("use --base-url for the API address")
        if key in dict(_url_settings()):
            form[key] = value
        else:
            other[key] = int(value) if value.isascii() and value.isdigit() else value
    # Settings the platform declares are checked as the form checks them (kind, limits, pattern).
    declared = {f.key for f in account_form.declared(platform).setting_fields}
    typed = {account_form.setting_name(platform, k): str(v) for k, v in other.items() if k in declared}
    try:
        url, urls = checked_urls(platform, form)
        checked, _cleared = account_form.checked_settings(platform, typed)
    except HTTPException as exc:
        raise Mistake(str(exc.detail)) from None
    return url, {**other, **checked, **urls}, urls


async def _reachable(url: str, policy: netguard.Policy) -> None:
    """Refuse an address the outbound guard would refuse (private, loopback...) unless allowed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or {"https": 443, "http": 80, "imaps": 993, "imap": 143}.get(parts.scheme)
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return  # not resolvable from here yet: every connection is still checked when it is made
    try:
        netguard.check(policy, host, port, [str(info[4][0]) for info in infos])
    except netguard.AddressNotAllowed:
        raise Mistake(f"{host}: {netguard.NOT_ALLOWED} (a private or local address; "
                      f"the administrator can allow it in {netguard.ENV})") from None


def _interval(seconds: int | None) -> int | None:
    if seconds is not None and not MIN_INTERVAL <= seconds <= MAX_INTERVAL:
        raise Mistake(f"--poll-interval must be between {MIN_INTERVAL} and {MAX_INTERVAL} seconds")
    return seconds


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


def _print(rows: list[dict[str, Any]]) -> None:
    print("id\tbrand\tplatform\tname\thealth\tlast_success\tnext_poll\tlast_error")
    for r in rows:
        health = r["health"] if r["enabled"] else f"{r['health']},paused"
        error = " ".join(str(r["last_error"] or "-").split())[:200]
        print(f"{r['id']}\t{r['brand']}\t{r['platform']}\t{r['name'] or r['external_id']}\t{health}\t"
              f"{_when(r['last_success_at'])}\t{_when(r['next_poll_at'])}\t{error}")


async def _add(args: argparse.Namespace, conn: Conn, vault: Vault, policy: netguard.Policy) -> str:
    brand_id = await users.brand_id_by_slug(conn, args.brand)
    if brand_id is None:
        raise Mistake(f"no brand {args.brand!r} (see jasette brands list)")
    if args.platform not in _platforms():
        raise Mistake(f"unknown platform {args.platform!r}: one of {', '.join(_platforms())}")
    name, external_id = args.name.strip()[:120], args.external_id.strip()[:200]
    if not external_id:
        raise Mistake("--external-id is empty")
    interval = _interval(args.poll_interval) or 60
    base_url, settings, urls = _settings(args.setting, args.platform, args.base_url)
    for url in (base_url, *urls.values()):
        if url:  # empty: the platform's own public address
            await _reachable(url, policy)
    refused = await claim_refused(conn, brand_id=brand_id, platform=args.platform, external_id=external_id, lang="en")
    if refused:
        raise Mistake(refused)
    credentials = _read_credentials()
    account_id = await accounts.add_account(conn, vault, brand_id=brand_id, platform=args.platform, name=name,
                                            external_id=external_id, base_url=base_url, credentials=credentials,
                                            settings=settings, poll_interval_seconds=interval)
    return f"account {account_id} ({args.platform} {external_id}) on {args.brand}"


async def _set(args: argparse.Namespace, conn: Conn, vault: Vault, policy: netguard.Policy) -> str:
    brand_id = await accounts.brand_of(conn, args.id)
    found = await accounts.get_account(conn, brand_id, args.id) if brand_id is not None else None
    if brand_id is None or found is None:
        raise Mistake(f"no account {args.id} (see jasette accounts list)")
    interval = _interval(args.poll_interval)
    base_url, settings, urls = _settings(args.setting, found["platform"], args.base_url or found["base_url"])
    if args.base_url is not None or urls:
        for url in (base_url, *urls.values()):
            await _reachable(url, policy)
    credentials = _read_credentials() if args.credentials else {}
    if not credentials and moves_host(found, base_url, urls):
        # The stored token never follows a new address (the settings form's rule).
        raise Mistake("the address now points to another server: give the credentials again (--credentials, JSON on stdin)")
    name = found["name"] if args.name is None else args.name.strip()[:120]
    async with conn.transaction():
        await accounts.update_details(conn, brand_id=brand_id, account_id=args.id, name=name, base_url=base_url,
                                      settings=settings)
        if interval is not None:
            await accounts.set_poll_interval(conn, brand_id=brand_id, account_id=args.id, seconds=interval)
        if args.enabled is not None:
            await accounts.set_enabled(conn, brand_id=brand_id, account_id=args.id, enabled=args.enabled)
        if credentials:
            await accounts.update_credentials(conn, vault, brand_id=brand_id, account_id=args.id, credentials=credentials)
    return f"account {args.id} updated"


async def _poll_now(args: argparse.Namespace, conn: Conn) -> str:
    brand_id = await accounts.brand_of(conn, args.id)
    state = await accounts.poll_now(conn, brand_id=brand_id, account_id=args.id) if brand_id is not None else None
    if state is None:
        raise Mistake(f"no account {args.id} (see jasette accounts list)")
    if not state["enabled"]:
        return f"account {args.id} is paused: it is polled once enabled (jasette accounts set {args.id} --enable)"
    if state["health"] == "reauth":
        return f"account {args.id} needs new credentials before it is polled (jasette accounts set {args.id} --credentials)"
    return f"account {args.id} is due now: the next free worker polls it"


async def run(args: argparse.Namespace, pool: asyncpg.Pool, vault: Vault | None = None,
              policy: netguard.Policy | None = None) -> int:
    """List, add, change or poll accounts; 2 with one line on a mistake."""
    i18n.current_lang.set("en")  # the shared form checks speak the operator's language: English here
    try:
        async with pool.acquire() as conn:
            if args.action == "list":
                brand_id = None
                if args.brand is not None and (brand_id := await users.brand_id_by_slug(conn, args.brand)) is None:
                    raise Mistake(f"no brand {args.brand!r} (see jasette brands list)")
                _print(await accounts.list_everywhere(conn, brand_id))
                return 0
            if args.action == "poll-now":
                print(await _poll_now(args, conn))
                return 0
            if vault is None:
                raise Mistake("JASETTE_SECRET_KEY is not set: it encrypts the credentials")
            policy = policy or netguard.Policy.from_env()
            print(await (_add if args.action == "add" else _set)(args, conn, vault, policy))
    except Mistake as exc:
        print(f"jasette: error: {exc}", file=sys.stderr)
        return 2
    return 0
