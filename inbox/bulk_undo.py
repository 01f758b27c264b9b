"""Undo of a bulk action: what each item was before, kept a short while, restored on request.

The web layer takes a snapshot of the selection before and after the action, in the action's
transaction; `record` keeps, per changed item, only the fields the action changed (before and
after), under a secret token's digest, for that brand and person. `undo` restores an item only
while those fields still hold what the action set: an item someone else changed in between is
left as they made it and counted as skipped. Nothing here trusts the browser for a previous state.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from inbox import links
from inbox.db import Conn
from inbox.notify import notify_items

# The page offers Undo for 8 seconds; the server keeps it a little longer for a slow network.
KEEP_SECONDS = 30
# Compared and restored as they were; `spam` (what the trigger derives) is restored with
# spam_override, never compared (a re-reading may move it while the override holds).
FIELDS = ("status", "snoozed_until", "assignee_id", "spam_override")

Snapshot = dict[int, dict[str, Any]]


class UndoRefused(LookupError):
    """Why an undo cannot run: "unknown" (not this brand's or person's), "expired" or "done"."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


@dataclass(frozen=True)
class Undone:
    action: str
    restored: list[int]
    skipped: list[int]


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


async def snapshot(conn: Conn, brand_id: int, ids: list[int], *, lock: bool = False) -> Snapshot:
    """The undoable state of the brand's items among `ids` (other brands' ids are ignored)."""
    rows = await conn.fetch(
        f"""select i.id, i.status, i.snoozed_until, i.assignee_id, i.spam, i.spam_override, i.author_id,
                   array(select t.name from item_tags it join tags t on t.id = it.tag_id
                         where it.item_id = i.id order by t.name) as tags,
                   (select jsonb_build_object('marked_by', s.marked_by, 'marked_at', s.marked_at)
                    from brand_spammers s where s.brand_id = i.brand_id and s.author_id = i.author_id) as spammer
            from items i where i.brand_id = $1 and i.id = any($2::bigint[]) order by i.id
            {"for update of i" if lock else ""}""",
        brand_id, [int(i) for i in ids])
    return {r["id"]: {k: _plain(v) for k, v in dict(r).items()} for r in rows}


def _entry(item_id: int, before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any] | None:
    fields = [f for f in FIELDS if before[f] != after[f]]
    added = sorted(set(after["tags"]) - set(before["tags"]))
    removed = sorted(set(before["tags"]) - set(after["tags"]))
    if not fields and not added and not removed:
        return None
    return {"id": item_id, "before": {f: before[f] for f in fields} | ({"spam": before["spam"]} if "spam_override" in fields else {}),
            "after": {f: after[f] for f in fields}, "tags_added": added, "tags_removed": removed}


async def record(conn: Conn, brand_id: int, user_id: int, action: str, before: Snapshot, after: Snapshot) -> str | None:
    """Keep what the action changed; the token that undoes it (None when nothing changed)."""
    entries = [e for i in sorted(after) if i in before and (e := _entry(i, before[i], after[i]))]
    if not entries:
        return None
    # Marking spam also marks (and "not spam" forgives) the brand's spammers: undo puts back
    # exactly the marks this action made or removed, with who made a removed mark and when.
    was = {s["author_id"]: s["spammer"] for i, s in before.items() if i in after and s["spammer"]}
    now = {s["author_id"] for s in after.values() if s["spammer"]}
    spammers = {"added": sorted(now - set(was)),
                "removed": [{"author_id": a} | m for a, m in sorted(was.items()) if a not in now]}
    token = links.new_token()
    await conn.execute("delete from bulk_undos where expires_at < now() - interval '1 hour'")
    await conn.execute(
        """insert into bulk_undos (digest, brand_id, user_id, action, entries, spammers, expires_at)
           values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))""",
        links.digest(token), brand_id, user_id, action, entries, spammers, KEEP_SECONDS)
    return token


def _still_as_left(entry: dict[str, Any], current: dict[str, Any] | None) -> bool:
    """True when nobody changed what the action changed (the item can go back safely)."""
    if current is None:
        return False
    tags = set(current["tags"])
    return (all(current[f] == v for f, v in entry["after"].items())
            and set(entry["tags_added"]) <= tags and not set(entry["tags_removed"]) & tags)


_RESTORE = """update items set
    status = case when $3::bool then $4::text else status end,
    snoozed_until = case when $5::bool then $6::timestamptz else snoozed_until end,
    assignee_id = case when $7::bool then $8::bigint else assignee_id end,
    spam_override = case when $9::bool then $10::boolean else spam_override end,
    spam = case when $9::bool then $11::boolean else spam end,
    updated_at = now()
    where brand_id = $1 and id = $2"""


def _when(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


async def _restore(conn: Conn, brand_id: int, entry: dict[str, Any]) -> None:
    was = entry["before"]
    await conn.execute(
        _RESTORE, brand_id, entry["id"],
        "status" in was, was.get("status"), "snoozed_until" in was, _when(was.get("snoozed_until")),
        "assignee_id" in was, was.get("assignee_id"), "spam_override" in was, was.get("spam_override"), was.get("spam"))
    if entry["tags_added"]:
        await conn.execute(
            """delete from item_tags it using tags t where it.tag_id = t.id and t.brand_id = $1
               and it.item_id = $2 and t.name = any($3::text[])""", brand_id, entry["id"], entry["tags_added"])
    for name in entry["tags_removed"]:
        await conn.execute(
            """insert into item_tags (item_id, tag_id)
               select $2, id from tags where brand_id = $1 and name = $3 on conflict do nothing""",
            brand_id, entry["id"], name)


async def _restore_spammers(conn: Conn, brand_id: int, spammers: dict[str, Any], authors: set[int]) -> None:
    """The brand's spammer marks as they were, for the authors of the items put back."""
    added = [a for a in spammers.get("added", []) if a in authors]
    if added:
        await conn.execute("delete from brand_spammers where brand_id = $1 and author_id = any($2::bigint[])", brand_id, added)
    for mark in spammers.get("removed", []):
        if mark["author_id"] in authors:
            await conn.execute(
                """insert into brand_spammers (brand_id, author_id, marked_by, marked_at)
                   values ($1, $2, $3, $4) on conflict do nothing""",
                brand_id, mark["author_id"], mark.get("marked_by"), _when(mark.get("marked_at")))


async def undo(conn: Conn, brand_id: int, user_id: int, token: str) -> Undone:
    """Put the brand's items back as they were before the bulk action, once, before expiry.

    Refused (UndoRefused) for a token of another brand or person, an expired one, or one used.
    """
    async with conn.transaction():
        row = await conn.fetchrow(
            """select action, entries, spammers, undone_at is not null as used, expires_at <= now() as expired
               from bulk_undos where digest = $1 and brand_id = $2 and user_id = $3 for update""",
            links.digest(token), brand_id, user_id)
        if row is None:
            raise UndoRefused("unknown")
        if row["used"]:
            raise UndoRefused("done")
        if row["expired"]:
            raise UndoRefused("expired")
        entries = row["entries"]
        current = await snapshot(conn, brand_id, [e["id"] for e in entries], lock=True)
        back = [e for e in entries if _still_as_left(e, current.get(e["id"]))]
        # Spammer marks first: the spam trigger reads them when the items are written back.
        await _restore_spammers(conn, brand_id, row["spammers"],
                                {current[e["id"]]["author_id"] for e in back if current[e["id"]]["author_id"] is not None})
        for entry in back:
            await _restore(conn, brand_id, entry)
        restored = [e["id"] for e in back]
        if restored:
            await conn.execute(
                """insert into audit_log (brand_id, user_id, action, target_type, target_id, details)
                   select $1, $2, 'undo', 'item', unnest($3::bigint[]), $4""",
                brand_id, user_id, restored, {"undid": row["action"]})
            await conn.execute("update items set updated_at = now() where id = any($1::bigint[])", restored)
            await notify_items(conn, brand_id, [], restored)
        await conn.execute("update bulk_undos set undone_at = now() where digest = $1", links.digest(token))
        return Undone(row["action"], restored, [e["id"] for e in entries if e not in back])
