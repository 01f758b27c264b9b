"""`jasette demo`: a demo brand and its owner in the database, connected to every platform's
emulator, with bilingual comments arriving live."""

from __future__ import annotations

import argparse
import asyncio
import random
import secrets
from collections.abc import Awaitable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import aiohttp
import asyncpg

from collector.oauth import OAuthApp
from collector.registry import oauth_platforms, oauth_provider
from emulators import catalog
from emulators.demo import start_all
from emulators.oauth import default_client
from emulators.traffic import run_traffic, seed_history
from inbox import embedded, queries, saved_replies, users
from inbox.accounts import add_account
from inbox.db import Conn
from web.auth import hash_password
from web.settings import Settings

BRAND_SLUG = "cafe-du-plateau"
BRAND_NAME = "Café du Plateau"
# Each saved reply with its translation: the pane offers the text in the comment's language.
SAVED_REPLIES = [
    {"fr": ("Merci!", "Merci beaucoup {first_name}! Toute l'équipe de {business} vous remercie. 😊"),
     "en": ("Thanks!", "Thank you so much {first_name}! The whole {business} team appreciates it. 😊")},
    {"fr": ("Désolé", "Bonjour {first_name}, nous sommes vraiment désolés. Écrivez-nous en privé et on règle ça rapidement. — {business}"),
     "en": ("Sorry", "Hi {first_name}, we are truly sorry. Please message us privately and we will make it right. — {business}")},
    {"fr": ("Heures d'ouverture",
            "Bonjour {first_name}! Nous sommes ouverts du lundi au vendredi de 7 h à 18 h, et la fin de semaine de 8 h à 17 h. — {business}"),
     "en": ("Opening hours", "Hi {first_name}! We are open Monday to Friday from 7 a.m. to 6 p.m., and weekends from 8 a.m. to 5 p.m. — {business}")},
]


# The demo's emulators listen on free loopback ports of this machine (emulators/demo.py).
DEMO_ALLOWED_HOSTS = ("127.0.0.1",)


def demo_settings(settings: Settings) -> Settings:
    """The demo works with nothing configured: a secret key is made once and kept; the emulators,
    on loopback, are allowed the way an administrator allows a private host (JASETTE_ALLOWED_HOSTS)."""
    settings = replace(settings, policy=settings.policy.with_hosts(DEMO_ALLOWED_HOSTS))
    if settings.secret_key:
        return settings
    key_file = embedded.jasette_home() / "demo-secret.key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32))
        key_file.chmod(0o600)
    return replace(settings, secret_key=key_file.read_text().strip())


async def _ensure_brand_and_admin(conn: Conn, email: str, password: str) -> int:
    brand_id = await users.create_brand(conn, BRAND_SLUG, BRAND_NAME, lang="fr")
    password_hash = hash_password(password)
    user_id = await users.create_user(conn, email, "Admin démo", password_hash, ui_lang="fr")
    await users.set_password(conn, user_id, password_hash)  # the admin of an earlier run gets this run's password
    await users.add_membership(conn, user_id, brand_id, "owner")
    await saved_replies.seed(conn, brand_id, SAVED_REPLIES)
    return brand_id


async def _point_webhooks(urls: dict[str, str], callback: str) -> None:
    """Platforms that push (Meta) deliver to the demo's own webhook endpoint, as the administrator's
    app dashboard would be set up; subscribing a Page happens when the owner connects it."""
    async with aiohttp.ClientSession() as session:
        for platform in oauth_platforms():
            provider = oauth_provider(platform)
            if provider is not None and provider.signs_webhooks and platform in urls:
                async with session.post(f"{urls[platform]}/_control/webhook", json={"url": callback}) as answer:
                    answer.raise_for_status()


async def prepare(pool: asyncpg.Pool, settings: Settings, args: argparse.Namespace, stop: asyncio.Event) -> list[Awaitable[Any]]:
    """Set up the demo brand and emulators; return the background jobs the demo runs."""
    password = args.admin_password or secrets.token_urlsafe(9)
    async with pool.acquire() as conn:
        brand_id = await _ensure_brand_and_admin(conn, args.admin_email, password)
    sites = await start_all()
    # "Connecter …" works out of the box: each emulator's own application, rooted at the emulator,
    # unless the administrator configured a real one.
    for platform in oauth_platforms():
        site = sites.urls.get(catalog.OAUTH_HOSTED.get(platform, platform))
        if settings.oauth.get(platform) is None and site is not None:
            settings.oauth.configure(platform, OAuthApp(*default_client(platform), root=site))
    await _point_webhooks(sites.urls, f"{settings.base_url}/webhooks/meta")
    vault = settings.vault()
    async with pool.acquire() as conn:
        for platform, acct in sites.accounts.items():
            await add_account(
                conn, vault, brand_id=brand_id, platform=platform, name=acct["name"],
                external_id=acct["external_id"], base_url=acct["base_url"], credentials=acct["credentials"],
                settings=acct.get("settings") or {}, poll_interval_seconds=5,
            )
        first_run = not await queries.brand_has_items(conn, brand_id)
    if first_run and not args.no_traffic:
        # Two weeks of past comments: the weekly summary and the spike baseline have something to show.
        await seed_history(sites.urls, rng=random.Random(2026), now=datetime.now(UTC))
    print(f"jasette demo: log in at {settings.base_url}/ as {args.admin_email} / {password}", flush=True)
    print("jasette demo: platform emulators: " + ", ".join(f"{p} {u}" for p, u in sites.urls.items()), flush=True)

    async def cleanup() -> None:
        await stop.wait()
        await sites.close()

    jobs: list[Awaitable[Any]] = [cleanup()]
    if not args.no_traffic:
        jobs.append(run_traffic(sites.urls, rate_per_minute=args.rate, rng=random.Random(), stop=stop))
    return jobs
