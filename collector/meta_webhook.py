"""Meta's webhook deliveries for Pages and Instagram accounts (platform-apis.md 1.7 and 2.5):
the verification handshake, the `X-Hub-Signature-256` check, and changes stored at once.

Polling stays the backfill: Meta does not guarantee delivery, and a change carries only some
fields (no permalink, sometimes no text); the next poll completes what a change lacked. Items
arrive unanalysed; the worker's re-analysis loop analyses them.

This module is Meta's own, like a collector module: the envelope's `object` names which of the
two Meta platforms a delivery is for.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime
from typing import Any

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from inbox.credentials import Vault
from inbox.ingest import ingest_batch
from inbox.notify import notify_items
from inbox.types import Author, NewItem

log = logging.getLogger(__name__)

PATH = "/webhooks/meta"
# Envelope `object` -> the platform name of the accounts it concerns.
OBJECTS = {"page": "facebook", "instagram": "instagram"}
# Meta's deliveries are small; anything this large is not Meta.
MAX_BODY = 1_000_000
# A change has no permalink; this address opens any Page object by id (the collector's fallback
# too). Ingest keeps the first URL it stored, so it must work.
PAGE_LINK = "https://www.facebook.com"
# 1.7: visitor posts arrive as feed changes with these `item` values.
POST_ITEMS = ("post", "status", "photo", "video")


def signature_ok(app_secret: str | None, body: bytes, header: str | None) -> bool:
    """True when `header` is sha256=<HMAC-SHA256 of the raw body with the app secret>."""
    if not app_secret or not header:
        return False
    expected = "sha256=" + hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), header.strip().encode("utf-8", "replace"))


def _time(value: Any) -> datetime | None:
    # 1.7: unix seconds in webhooks, sometimes milliseconds; Graph strings elsewhere.
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        seconds = value / 1000 if value > 10**11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
    return None


def _str(value: Any) -> str | None:
    return str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value) else None


def _sender(value: dict[str, Any]) -> tuple[Author | None, str | None]:
    sender = value.get("from")
    if not isinstance(sender, dict):
        return None, None
    ident, handle = _str(sender.get("id")), _str(sender.get("username")) or ""
    if not ident and not handle:
        return None, None
    author = Author(external_id=ident or handle, name=_str(sender.get("name")) or handle, handle=handle)
    return author, ident


def page_change(platform: str, owner: str, field: str, value: dict[str, Any]) -> tuple[str, NewItem | None]:
    """One `feed` change of a Page as (verb, item); item None when it is not an inbox item."""
    verb = str(value.get("verb") or "add")
    kind = value.get("item")
    author, sender_id = _sender(value)
    if field != "feed":
        return verb, None
    if kind == "comment" and _str(value.get("comment_id")):
        post, parent = _str(value.get("post_id")), _str(value.get("parent_id"))
        return verb, NewItem(
            platform=platform, external_id=str(value["comment_id"]),
            kind="reply" if parent and parent != post else "comment",
            body=_str(value.get("message")) or "", created_at=_time(value.get("created_time")), author=author,
            parent_external_id=parent or post, thread_external_id=post,
            url=f"{PAGE_LINK}/{value['comment_id']}",
            from_business=sender_id == owner, deleted=verb == "remove", raw=value,
        )
    if kind in POST_ITEMS and _str(value.get("post_id")) and sender_id != owner:
        return verb, NewItem(
            platform=platform, external_id=str(value["post_id"]), kind="post",
            body=_str(value.get("message")) or "", created_at=_time(value.get("created_time")), author=author,
            thread_external_id=str(value["post_id"]), url=f"{PAGE_LINK}/{value['post_id']}",
            deleted=verb == "remove", raw=value,
        )
    return verb, None


def instagram_change(platform: str, owner: str, field: str, value: dict[str, Any]) -> tuple[str, NewItem | None]:
    """One `comments` or `mentions` change of an Instagram account as (verb, item)."""
    if field == "comments" and _str(value.get("id")):
        author, sender_id = _sender(value)
        media: dict[str, Any] = value["media"] if isinstance(value.get("media"), dict) else {}
        media_id, parent = _str(media.get("id")), _str(value.get("parent_id"))
        return "add", NewItem(
            platform=platform, external_id=str(value["id"]), kind="reply" if parent else "comment",
            body=_str(value.get("text")) or "", created_at=_time(value.get("timestamp")), author=author,
            parent_external_id=parent or media_id, thread_external_id=media_id,
            from_business=sender_id == owner, raw=value,
        )
    if field == "mentions" and (_str(value.get("comment_id")) or _str(value.get("media_id"))):
        # 2.5: a mention carries ids only; the next poll brings the text and the author.
        ident = _str(value.get("comment_id")) or str(value["media_id"])
        return "add", NewItem(
            platform=platform, external_id=ident, kind="mention", body="", created_at=None,
            thread_external_id=_str(value.get("media_id")), raw=value,
        )
    return "add", None


MAPPERS = {"page": page_change, "instagram": instagram_change}


async def _store(conn: asyncpg.Connection, platform: str, owner: str, changes: list[tuple[str, NewItem]]) -> int:
    accounts = await conn.fetch(
        "select id, brand_id from accounts where platform = $1 and external_id = $2 and enabled", platform, owner
    )
    if not accounts:
        log.info("webhook for %s account %s that no brand has connected; ignored", platform, owner)
        return 0
    stored = 0
    for account in accounts:
        items, moderation = [], []
        for verb, item in changes:
            if verb in ("hide", "unhide"):
                moderation.append((item.external_id, verb == "hide"))
            else:
                items.append(item)
        if any(i.deleted for i in items):
            # A removal of something never stored is no news: do not create a tombstone for it.
            known = {
                r["external_id"]
                for r in await conn.fetch(
                    "select external_id from items where brand_id = $1 and platform = $2 and external_id = any($3::text[])",
                    account["brand_id"], platform, [i.external_id for i in items if i.deleted],
                )
            }
            items = [i for i in items if not i.deleted or i.external_id in known]
        if items:
            result = await ingest_batch(conn, brand_id=account["brand_id"], account_id=account["id"], items=items)
            stored += len(result.new_ids) + len(result.changed_ids)
        for external_id, hidden in moderation:
            async with conn.transaction():
                ids = await conn.fetch(
                    "update items set hidden = $4, updated_at = now() where brand_id = $1 and platform = $2"
                    " and external_id = $3 and hidden <> $4 returning id",
                    account["brand_id"], platform, external_id, hidden,
                )
                if ids:
                    await notify_items(conn, account["brand_id"], [], [r["id"] for r in ids])
                    stored += len(ids)
    return stored


def routes(pool: asyncpg.Pool, *, app_secret: str | None, verify_token: str | None, vault: Vault | None) -> list[Route]:
    """Starlette routes for GET (verification) and POST (deliveries) at /webhooks/meta."""
    # vault: part of the mounting contract; deliveries need no credentials, since what a change
    # lacks is left to the next poll rather than fetched with the account's token here.
    del vault

    async def verify(request: Request) -> Response:
        q = request.query_params
        token, challenge = q.get("hub.verify_token", ""), q.get("hub.challenge", "")
        if (
            q.get("hub.mode") == "subscribe" and verify_token and challenge
            and hmac.compare_digest(token.encode("utf-8"), verify_token.encode("utf-8"))
        ):
            return PlainTextResponse(challenge)
        return PlainTextResponse("verification refused", status_code=403)

    async def deliver(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("too large", status_code=413)
        if not signature_ok(app_secret, body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", status_code=403)
        try:
            payload = json.loads(body)
        except ValueError:
            return PlainTextResponse("not JSON", status_code=400)
        envelope = payload.get("object") if isinstance(payload, dict) else None
        if envelope not in OBJECTS:
            return JSONResponse({"stored": 0, "ignored": "object"})
        platform, mapper = OBJECTS[envelope], MAPPERS[envelope]
        by_owner: dict[str, list[tuple[str, NewItem]]] = {}
        for entry in payload.get("entry") or []:
            if not isinstance(entry, dict) or not _str(entry.get("id")):
                continue
            owner = str(entry["id"])
            for change in entry.get("changes") or []:
                if not isinstance(change, dict) or not isinstance(change.get("value"), dict):
                    continue
                verb, item = mapper(platform, owner, str(change.get("field") or ""), change["value"])
                if item is not None:
                    by_owner.setdefault(owner, []).append((verb, item))
        stored = 0
        async with pool.acquire() as conn:
            for owner, changes in by_owner.items():
                stored += await _store(conn, platform, owner, changes)
        return JSONResponse({"stored": stored})

    return [Route(PATH, verify, methods=["GET"]), Route(PATH, deliver, methods=["POST"])]
