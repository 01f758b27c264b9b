"""Columns sealed by the Vault: the brand's alert webhook secrets, moving secrets written in clear
by earlier versions into them, and resealing every sealed column with the current key (rotation).

Sealed columns: accounts.credentials (platform tokens, passwords), brands.secrets (the alert
webhook's address, which may carry a token, and its signing secret), oauth_flows.pending (the
tokens of a sign-in waiting for the owner's pick). A new sealed column is added
to SEALED, so `jasette secrets reseal` rotates it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from inbox.credentials import CredentialsUnreadable, Vault
from inbox.db import Conn

# (table, sealed column): every column that holds Vault output. Each table has a primary key `id`
# (any ordered type: bigint, or the text of oauth_flows).
SEALED: tuple[tuple[str, str], ...] = (
    ("accounts", "credentials"), ("brands", "secrets"),
    ("oauth_flows", "pending"),  # a sign-in's tokens while the owner picks a Page (minutes)
    ("web_push_keys", "private_sealed"),  # the VAPID key that signs pushes to the brand's browsers
)
# Brand settings earlier versions kept in clear, and now keep sealed in brands.secrets.
CLEAR_BRAND_SECRETS = ("webhook_url", "webhook_secret")


def origin(url: str | None) -> str:
    """scheme://host[:port] of an address: what may be shown and logged of it (never its path or
    query, where webhook tokens live)."""
    if not url:
        return ""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return "(invalid address)"
    host = parts.netloc.rpartition("@")[2]  # never credentials, should any be there
    return f"{parts.scheme}://{host}"


async def brand_secrets(conn: Conn, vault: Vault | None, brand_id: int) -> dict[str, Any]:
    """The brand's secrets, opened; values still in clear settings (not yet moved) count too."""
    row = await conn.fetchrow("select settings, secrets from brands where id = $1", brand_id)
    if row is None:
        return {}
    return opened(vault, row["secrets"], row["settings"] or {})


def opened(vault: Vault | None, sealed: bytes | None, settings: dict[str, Any]) -> dict[str, Any]:
    """Open a brand's sealed secrets, falling back on clear values an earlier version wrote."""
    found = {k: settings[k] for k in CLEAR_BRAND_SECRETS if settings.get(k)}
    if sealed:
        if vault is None:
            raise CredentialsUnreadable("JASETTE_SECRET_KEY is needed to open the brand's secrets")
        found.update(vault.open(sealed))
    return found


async def save_brand_secrets(conn: Conn, vault: Vault, brand_id: int, values: dict[str, Any]) -> None:
    """Replace the brand's secrets (None or "" values dropped), sealed; no clear copy remains."""
    kept = {k: v for k, v in values.items() if v}
    await conn.execute(
        "update brands set secrets = $2, settings = settings - $3::text[] where id = $1",
        brand_id, vault.seal(kept) if kept else None, list(CLEAR_BRAND_SECRETS),
    )


async def seal_clear(conn: Conn, vault: Vault) -> int:
    """Move secrets earlier versions wrote in clear (brands.settings) into brands.secrets; how
    many brands had some. Idempotent: a second run finds none."""
    moved = 0
    rows = await conn.fetch(
        "select id from brands where settings ?| $1::text[] order by id", list(CLEAR_BRAND_SECRETS))
    for row in rows:
        async with conn.transaction():
            locked = await conn.fetchrow("select settings, secrets from brands where id = $1 for update", row["id"])
            if locked is None:
                continue
            settings = locked["settings"] or {}
            values = opened(vault, locked["secrets"], settings)
            host = origin(values.get("webhook_url")) if values.get("webhook_url") else None
            await save_brand_secrets(conn, vault, row["id"], values)
            if host:
                await conn.execute("update brands set settings = settings || $2::jsonb where id = $1",
                                   row["id"], {"webhook_host": host})
            moved += 1
    return moved


@dataclass
class Resealed:
    """What `reseal` did to one sealed column."""

    column: str
    resealed: int = 0
    current: int = 0
    unreadable: list[Any] = field(default_factory=list)


async def reseal(conn: Conn, vault: Vault, *, batch: int = 200,
                 progress: Callable[[Resealed], None] | None = None) -> list[Resealed]:
    """Seal every sealed value again with the current key, `batch` rows a transaction.

    Idempotent and resumable: values already sealed with the current key are left alone, so a run
    stopped halfway is finished by running it again. A row changed meanwhile (an owner saving new
    credentials) keeps the new value: the update applies only if the column still holds what was read.
    """
    done: list[Resealed] = []
    for table, column in SEALED:  # identifiers from the constant above, never from input
        counts = Resealed(f"{table}.{column}")
        last: Any = None
        while True:
            if last is None:
                rows = await conn.fetch(
                    f"select id, {column} as sealed from {table} where {column} is not null order by id limit $1", batch)
            else:
                rows = await conn.fetch(
                    f"select id, {column} as sealed from {table} where id > $1 and {column} is not null order by id limit $2",
                    last, batch,
                )
            if not rows:
                break
            last = rows[-1]["id"]
            async with conn.transaction():
                for row in rows:
                    sealed = bytes(row["sealed"])
                    if vault.is_current(sealed):
                        counts.current += 1
                        continue
                    try:
                        fresh = vault.reseal(sealed)
                    except CredentialsUnreadable:
                        counts.unreadable.append(row["id"])
                        continue
                    status = await conn.execute(
                        f"update {table} set {column} = $2 where id = $1 and {column} = $3", row["id"], fresh, sealed)
                    if status.endswith(" 1"):
                        counts.resealed += 1
                    else:
                        counts.current += 1  # changed meanwhile: sealed with the current key by whoever saved it
            if progress is not None:
                progress(counts)
        done.append(counts)
    return done
