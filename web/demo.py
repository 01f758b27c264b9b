"""`jasette demo`: every platform emulator on loopback, a demo brand connected to each, a
generator of bilingual comments, and the live inbox, on the embedded database."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import random
import secrets
import time
from datetime import datetime, timezone
from dataclasses import replace
from typing import Any, Awaitable

import asyncpg

from collector import registry
from collector.emulators.base import serve
from inbox import embedded
from web.settings import Settings

log = logging.getLogger("jasette.demo")

BRAND_SLUG = "cafe-du-plateau"
BRAND_NAME = "Café du Plateau"
SAVED_REPLIES = [
    ("fr", "Merci!", "Merci beaucoup {first_name}! Toute l'équipe de {business} vous remercie. 😊"),
    ("fr", "Désolé", "Bonjour {first_name}, nous sommes vraiment désolés. Écrivez-nous en privé et on règle ça rapidement. — {business}"),
    ("en", "Thanks!", "Thank you so much {first_name}! The whole {business} team appreciates it. 😊"),
    ("en", "Sorry", "Hi {first_name}, we are truly sorry. Please message us privately and we will make it right. — {business}"),
]


def demo_settings(settings: Settings) -> Settings:
    """The demo works with nothing configured: a secret key is made once and kept."""
    if settings.secret_key:
        return settings
    key_file = embedded.jasette_home() / "demo-secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    return replace(settings, secret_key=key_file.read_text().strip())


async def _ensure_brand_and_admin(conn: asyncpg.Connection, email: str, password: str) -> int:
    from inbox import users
    from web.auth import hash_password

    brand_id = await users.create_brand(conn, BRAND_SLUG, BRAND_NAME, lang="fr")
    user_id = await users.ensure_user(conn, email, "Admin démo", hash_password(password), ui_lang="fr")
    await conn.execute("update users set password_hash = $2 where id = $1", user_id, hash_password(password))
    await users.add_membership(conn, user_id, brand_id, "owner")
    if not await conn.fetchval("select exists(select 1 from saved_replies where brand_id = $1)", brand_id):
        await conn.executemany(
            "insert into saved_replies (brand_id, lang, title, body) values ($1, $2, $3, $4)",
            [(brand_id, lang, title, body) for lang, title, body in SAVED_REPLIES],
        )
    return brand_id


async def _start_emulators() -> tuple[dict[str, str], dict[str, Any], list[Any]]:
    urls: dict[str, str] = {}
    demo_accounts: dict[str, Any] = {}
    runners = []
    # The emulators forget everything when the demo stops, but the database keeps the last
    # run's items and cursors: ids must keep growing from one run to the next.
    id_offset = (int(time.time()) - 1_767_225_600) * 100_000
    for platform in registry.platforms():
        app = registry.emulator_factory(platform)(id_offset=id_offset)
        runner, url = await serve(app)
        runners.append(runner)
        urls[platform] = url
        module = importlib.import_module(registry.EMULATORS[platform].split(":")[0])
        # An emulator not reached over HTTP (mail) says where its servers listen once started.
        account_for = getattr(module, "demo_account", None)
        demo_accounts[platform] = account_for(app) if account_for else module.DEMO_ACCOUNT
    return urls, demo_accounts, runners


async def prepare(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace, stop: asyncio.Event) -> list[Awaitable[Any]]:
    """Set up the demo brand and emulators; return the background jobs the demo runs."""
    from collector.traffic import run_traffic, seed_history
    from inbox.accounts import add_account
    from inbox.credentials import Vault

    password = args.admin_password or secrets.token_urlsafe(9)
    async with pool.acquire() as conn:
        brand_id = await _ensure_brand_and_admin(conn, args.admin_email, password)
    urls, demo_accounts, runners = await _start_emulators()
    vault = Vault(settings.secret_key)
    async with pool.acquire() as conn:
        for platform, url in urls.items():
            acct = demo_accounts[platform]
            await add_account(
                conn, vault, brand_id=brand_id, platform=platform, name=acct["name"],
                external_id=acct["external_id"], base_url=acct.get("base_url", url), credentials=acct["credentials"],
                settings=acct.get("settings") or {}, poll_interval_seconds=5,
            )
    async with pool.acquire() as conn:
        first_run = not await conn.fetchval("select exists(select 1 from items where brand_id = $1)", brand_id)
    if first_run and not args.no_traffic:
        # Two weeks of past comments: the weekly summary and the spike baseline have something to show.
        await seed_history(urls, rng=random.Random(2026), now=datetime.now(timezone.utc))
    print(f"jasette demo: log in at {settings.base_url}/ as {args.admin_email} / {password}", flush=True)
    print("jasette demo: platform emulators: " + ", ".join(f"{p} {u}" for p, u in urls.items()), flush=True)

    async def cleanup() -> None:
        await stop.wait()
        for runner in runners:
            await runner.cleanup()

    jobs: list[Awaitable[Any]] = [cleanup()]
    if not args.no_traffic:
        jobs.append(run_traffic(urls, rate_per_minute=args.rate, rng=random.Random(), stop=stop))
    return jobs
