"""Make platform items safe to store: every rule here names what it changed, in plain words."""

from __future__ import annotations

import json
import math
import re
from datetime import UTC, datetime
from typing import Any

from inbox.types import KINDS, NewItem, Rejected

# Long enough for any real comment or review; a 100 KB "comment" is an attack or a bug.
MAX_BODY = 20_000
MAX_ID = 512
# authors.followers is a PostgreSQL integer: a larger count cannot be stored (and is not real).
MAX_FOLLOWERS = 2**31 - 1
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> tuple[str, bool]:
    """Drop NUL bytes (PostgreSQL text cannot hold them) and replace lone surrogates."""
    changed = False
    if "\x00" in text:
        text = text.replace("\x00", "")
        changed = True
    if _SURROGATE.search(text):
        # A lone surrogate cannot be encoded as UTF-8: show the usual replacement mark instead.
        text = _SURROGATE.sub("\ufffd", text)
        changed = True
    return text, changed


def clean_json(value: Any) -> Any:
    """The raw payload with every string cleaned the same way (jsonb refuses \\u0000 too)."""
    if isinstance(value, str):
        return clean_text(value)[0]
    if isinstance(value, float) and not math.isfinite(value):
        return None  # Python's JSON reader accepts NaN and Infinity; jsonb refuses them
    if isinstance(value, dict):
        return {clean_text(str(k))[0]: clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def raw_json(raw: Any) -> str:
    """The raw payload as JSON that jsonb accepts: serialised once, and cleaned only when needed."""
    text = json.dumps(raw or {}, ensure_ascii=False, default=str)
    # Most payloads are clean: walking every one of them string by string cost more than the
    # upsert's Python side. A NUL, a lone surrogate or NaN shows in the serialised text.
    if "\\u0000" in text or "NaN" in text or "Infinity" in text or _SURROGATE.search(text):
        text = json.dumps(clean_json(json.loads(text)), ensure_ascii=False)
    return text


def _as_text(value: Any) -> str:
    """A platform value meant as text: numbers become their digits, anything else nothing."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return ""


def _clean_optional(value: Any) -> str | None:
    """Clean an optional text field; an empty result (or a value that is no text) becomes None."""
    value = _as_text(value)
    if not value:
        return None
    return clean_text(value)[0][:2_000] or None


def normalize(items: list[NewItem], now: datetime) -> tuple[list[NewItem], list[Rejected]]:
    """Valid items (deduplicated, last one wins) and the problems met, in plain words."""
    problems: list[Rejected] = []
    kept: dict[tuple[str, str], NewItem] = {}
    for item in items:
        ext = clean_text(item.external_id)[0].strip() if isinstance(item.external_id, str) else ""
        if not ext:
            problems.append(Rejected(None, "item has no external id; it cannot be deduplicated, so it was dropped", False))
            continue
        if len(ext) > MAX_ID:
            problems.append(Rejected(ext[:40], f"external id longer than {MAX_ID} characters; dropped", False))
            continue
        if item.kind not in KINDS:
            problems.append(Rejected(ext, f"unknown kind {item.kind!r}; dropped", False))
            continue
        notes = []
        body, changed = clean_text(_as_text(item.body))
        if changed:
            notes.append("removed NUL bytes or invalid characters from the text")
        if len(body) > MAX_BODY:
            body = body[:MAX_BODY]
            notes.append(f"text longer than {MAX_BODY} characters; truncated")
        created = item.created_at
        if created is None:
            created = now
            notes.append("no timestamp; used the time it was collected")
        elif created.tzinfo is None:
            # Platforms that send naive times send UTC (WordPress date_gmt, RSS without zone).
            created = created.replace(tzinfo=UTC)
            notes.append("timestamp had no time zone; read as UTC")
        item.external_id = ext
        item.body = body
        item.created_at = created
        item.url = _clean_optional(item.url)
        item.parent_external_id = _clean_optional(item.parent_external_id)
        item.thread_external_id = _clean_optional(item.thread_external_id)
        if item.author is not None:
            author = item.author
            author.external_id = clean_text(_as_text(author.external_id))[0][:MAX_ID]
            author.name = clean_text(_as_text(author.name))[0][:300]
            author.handle = clean_text(_as_text(author.handle))[0][:300]
            author.url = _clean_optional(author.url)
            author.avatar_url = _clean_optional(author.avatar_url)
            followers = author.followers
            if followers is not None and (
                isinstance(followers, bool) or not isinstance(followers, int) or not 0 <= followers <= MAX_FOLLOWERS
            ):
                author.followers = None
                notes.append("follower count out of range; left out")
        key = (item.platform, ext)
        if key in kept:
            notes.append("duplicate inside one batch; the later copy was kept")
        kept[key] = item
        problems.extend(Rejected(ext, note, True) for note in notes)
    return list(kept.values()), problems
