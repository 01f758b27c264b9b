"""Team workflow on items: status, snooze, assignment, tags, notes, corrections, replies' bookkeeping.

Every function takes the brand id, touches only that brand's items, bumps `updated_at` (live
resume reads it), writes the audit log and NOTIFYs the change so every web process updates.
Lists of ids make each action a bulk action too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from inbox.db import Conn
from inbox.notify import notify_items

STATUSES = ("new", "open", "pending", "done")
SENTIMENTS = ("negative", "neutral", "positive")
LANGS = ("fr", "en")


class WorkflowError(ValueError):
    """An action the brand's data does not allow (unknown status, non-member assignee...)."""


async def _changed(conn: Conn, brand_id: int, user_id: int | None, action: str,
                   ids: list[int], details: dict[str, Any]) -> list[int]:
    if ids:
        await conn.execute(
            """insert into audit_log (brand_id, user_id, action, target_type, target_id, details)
               select $1, $2, $3, 'item', unnest($4::bigint[]), $5""",
            brand_id, user_id, action, ids, details,
        )
        await notify_items(conn, brand_id, [], ids)
    return ids


async def _update(conn: Conn, brand_id: int, ids: list[int], set_sql: str, *args: Any, where_sql: str = "true") -> list[int]:
    rows = await conn.fetch(
        f"update items set {set_sql}, updated_at = now()"
        f" where brand_id = $1 and id = any($2::bigint[]) and ({where_sql}) returning id",
        brand_id, ids, *args,
    )
    return [r["id"] for r in rows]


async def set_status(conn: Conn, brand_id: int, ids: list[int], status: str, user_id: int | None) -> list[int]:
    """Move items to a status; ending a snooze when reopened. Returns the ids changed."""
    if status not in STATUSES:
        raise WorkflowError(f"unknown status {status!r}")
    async with conn.transaction():
        changed = await _update(conn, brand_id, ids, "status = $3, snoozed_until = null", status)
        return await _changed(conn, brand_id, user_id, "status", changed, {"status": status})


async def snooze(conn: Conn, brand_id: int, ids: list[int], until: datetime | None, user_id: int | None) -> list[int]:
    """Hide items from the default view until a time (None: wake them now)."""
    async with conn.transaction():
        changed = await _update(conn, brand_id, ids, "snoozed_until = $3", until)
        return await _changed(conn, brand_id, user_id, "snooze", changed, {"until": until.isoformat() if until else None})


async def unsnooze(conn: Conn, brand_id: int, ids: list[int], user_id: int | None) -> list[int]:
    """Cancel a snooze: the item is back in the list at once, open (someone snoozed it: it was read).

    Only items still snoozed change (an item whose snooze already ended has nothing to cancel).
    """
    async with conn.transaction():
        rows = await conn.fetch(
            """update items set snoozed_until = null, updated_at = now(), status = 'open'
               where brand_id = $1 and id = any($2::bigint[]) and snoozed_until > now() returning id""",
            brand_id, ids)
        changed = [r["id"] for r in rows]
        return await _changed(conn, brand_id, user_id, "unsnooze", changed, {})


async def assign(conn: Conn, brand_id: int, ids: list[int], assignee_id: int | None, user_id: int | None) -> list[int]:
    """Give items to a member of the brand (None: unassign)."""
    async with conn.transaction():
        if assignee_id is not None:
            ok = await conn.fetchval(
                "select 1 from memberships where brand_id = $1 and user_id = $2", brand_id, assignee_id)
            if not ok:
                raise WorkflowError("that person does not work on this brand")
        changed = await _update(conn, brand_id, ids, "assignee_id = $3", assignee_id)
        return await _changed(conn, brand_id, user_id, "assign", changed, {"assignee": assignee_id})


async def tag(conn: Conn, brand_id: int, ids: list[int], name: str, user_id: int | None, *, remove: bool = False) -> list[int]:
    """Add (or remove) a tag on items, creating the brand's tag on first use."""
    name = " ".join(name.split())[:40]
    if not name:
        raise WorkflowError("a tag needs a name")
    async with conn.transaction():
        if remove:
            rows = await conn.fetch(
                """delete from item_tags it using tags t, items i
                   where it.tag_id = t.id and t.brand_id = $1 and t.name = $3
                     and it.item_id = i.id and i.brand_id = $1 and i.id = any($2::bigint[])
                   returning it.item_id""", brand_id, ids, name)
        else:
            tag_id = await conn.fetchval(
                """insert into tags (brand_id, name) values ($1, $2)
                   on conflict (brand_id, name) do update set name = excluded.name returning id""",
                brand_id, name)
            rows = await conn.fetch(
                """insert into item_tags (item_id, tag_id)
                   select id, $3 from items where brand_id = $1 and id = any($2::bigint[])
                   on conflict do nothing returning item_id""", brand_id, ids, tag_id)
        changed = [r["item_id"] for r in rows]
        if changed:
            await conn.execute("update items set updated_at = now() where id = any($1::bigint[])", changed)
        return await _changed(conn, brand_id, user_id, "untag" if remove else "tag", changed, {"tag": name})


async def mark_spam(conn: Conn, brand_id: int, ids: list[int], spam: bool, user_id: int | None) -> list[int]:
    """Move items into (or out of) Spam, and teach the brand: their authors' next items follow.

    Marking spam also marks the author as this brand's spammer; "not spam" forgives them.
    """
    async with conn.transaction():
        changed = await _update(conn, brand_id, ids, "spam_override = $3", spam)
        authors = [r["author_id"] for r in await conn.fetch(
            "select distinct author_id from items where id = any($1::bigint[]) and author_id is not null", changed)]
        if spam:
            await conn.execute(
                """insert into brand_spammers (brand_id, author_id, marked_by)
                   select $1, unnest($2::bigint[]), $3 on conflict do nothing""", brand_id, authors, user_id)
        else:
            await conn.execute("delete from brand_spammers where brand_id = $1 and author_id = any($2::bigint[])",
                               brand_id, authors)
        return await _changed(conn, brand_id, user_id, "spam", changed, {"spam": spam})


async def add_note(conn: Conn, brand_id: int, item_id: int, body: str, user_id: int | None) -> int | None:
    """An internal note on the brand's item; its id, or None when the item is not the brand's."""
    body = body.strip()
    if not body:
        raise WorkflowError("a note cannot be empty")
    async with conn.transaction():
        note_id: int | None = await conn.fetchval(
            """insert into notes (brand_id, item_id, user_id, body)
               select brand_id, id, $3, $4 from items where brand_id = $1 and id = $2 returning id""",
            brand_id, item_id, user_id, body[:5000])
        if note_id is not None:
            await _update(conn, brand_id, [item_id], "status = status")
            await _changed(conn, brand_id, user_id, "note", [item_id], {"note": note_id})
        return note_id


async def correct(conn: Conn, brand_id: int, item_id: int, user_id: int | None, *,
                  lang: str | None = None, sentiment: str | None = None) -> bool:
    """Store staff's correction of the detected language and/or sentiment (kept beside the machine's)."""
    if lang is not None and lang not in LANGS:
        raise WorkflowError(f"unknown language {lang!r}")
    if sentiment is not None and sentiment not in SENTIMENTS:
        raise WorkflowError(f"unknown sentiment {sentiment!r}")
    async with conn.transaction():
        changed = await _update(
            conn, brand_id, [item_id],
            "lang_override = coalesce($3, lang_override), sentiment_override = coalesce($4, sentiment_override),"
            " corrected_by = $5", lang, sentiment, user_id)
        await _changed(conn, brand_id, user_id, "correct", changed, {"lang": lang, "sentiment": sentiment})
        return bool(changed)


async def answered_since(conn: Conn, brand_id: int, item_id: int, user_id: int, since: datetime) -> str | None:
    """Name of someone else who replied to the item after `since` (collision control), or None."""
    row = await conn.fetchrow(
        """select coalesce(nullif(u.name, ''), u.email, '?') as name from replies r
           left join users u on u.id = r.user_id
           where r.brand_id = $1 and r.item_id = $2 and r.action = 'reply' and r.state <> 'failed'
             and r.user_id is distinct from $3 and r.created_at > $4
           order by r.created_at limit 1""",
        brand_id, item_id, user_id, since)
    return row["name"] if row else None


async def open_on_reply(conn: Conn, brand_id: int, item_id: int) -> None:
    """Move a new item to open once a reply is queued for it.

    The first response time is not stamped here: only a reply the platform accepted counts
    (outbox.mark_sent stamps it), so a failed reply never flatters the response times.
    """
    async with conn.transaction():
        changed = await _update(
            conn, brand_id, [item_id], "status = case when status = 'new' then 'open' else status end")
        await notify_items(conn, brand_id, [], changed)


async def reopen_after_failed_reply(conn: Conn, brand_id: int, item_id: int) -> list[int]:
    """A reply given up on brings its item back into the inbox: "send and mark done" (or a
    teammate closing the item meanwhile) must not bury a customer nobody answered. Written to
    the history with no person, the reason in `details`."""
    changed = await _update(conn, brand_id, [item_id],
                            "status = 'open', snoozed_until = null", where_sql="status = 'done' or snoozed_until is not null")
    return await _changed(conn, brand_id, None, "status", changed, {"status": "open", "reason": "reply_failed"})
