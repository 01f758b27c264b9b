"""The inbox's reads: the filtered, searched, keyset-paginated stream and one item in full.

Every query takes the brand id and filters on it: the brand boundary lives in SQL, not callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from inbox.db import Conn

STATUSES = ("new", "open", "pending", "done")
SENTIMENTS = ("negative", "neutral", "positive")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MAX_ID = 2**63 - 1  # items.id is a bigint

# Columns every listing returns: the item, its author and assignee, its tags.
_SELECT = """
select i.id, i.brand_id, i.platform, i.kind, i.body, i.url, i.created_at, i.updated_at,
       i.lang as lang_auto, i.sentiment as sentiment_auto,
       coalesce(i.lang_override, i.lang) as lang,
       coalesce(i.sentiment_override, i.sentiment) as sentiment,
       (i.lang_override is not null or i.sentiment_override is not null) as corrected,
       i.priority, i.reasons, i.status, i.assignee_id, au.name as assignee_name,
       -- A review's stars (1-5), normalised into raw.rating by the platform's collector.
       case when jsonb_typeof(i.raw->'rating') = 'number' then (i.raw->>'rating')::numeric::int end as rating,
       i.spam, i.snoozed_until, i.hidden, i.deleted_at, i.first_response_at, i.first_response_seconds,
       i.parent_external_id, i.thread_external_id, i.external_id, i.account_id, i.from_business,
       a.id as author_id, a.name as author_name, a.handle as author_handle,
       a.followers as author_followers, a.url as author_url, a.avatar_url as author_avatar,
       coalesce((select array_agg(t.name order by t.name) from item_tags it
                 join tags t on t.id = it.tag_id where it.item_id = i.id), '{}') as tags
from items i
left join authors a on a.id = i.author_id
left join users au on au.id = i.assignee_id
"""


@dataclass(slots=True)
class Filters:
    """What the inbox shows; empty fields mean "any"."""

    platform: str | None = None
    lang: str | None = None
    sentiment: str | None = None
    status: str | None = None  # None: everything not done and not snoozed; "snoozed"; "all"
    assignee: int | str | None = None  # user id, "none"
    tag: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    q: str | None = None
    spam: bool = False  # the Spam view: only what the NLP, a rule or a person marked as spam
    stars: tuple[int, int] | None = None  # reviews rated from .. to stars (both included)


@dataclass(slots=True)
class Cursor:
    """Keyset position: the last row of the previous page."""

    priority: int
    created_at: datetime
    id: int

    def encode(self) -> str:
        """Opaque text for a URL."""
        return f"{self.priority}_{self.created_at.timestamp():.6f}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse what `encode` produced; ValueError on anything else."""
        p, ts, i = text.split("_")
        priority, item_id = int(p), int(i)
        # Priorities are 0-100 and ids bigints: anything past that would overflow in the query.
        if not (-_MAX_ID <= priority <= _MAX_ID and 0 <= item_id <= _MAX_ID):
            raise ValueError("cursor out of range")
        try:
            return cls(priority, datetime.fromtimestamp(float(ts), UTC), item_id)
        except (OverflowError, OSError):
            raise ValueError("time out of range") from None


@dataclass(frozen=True, slots=True)
class ChangeCursor:
    """Catch-up position: the (updated_at, id) of the last changed item seen."""

    updated_at: datetime
    id: int

    @classmethod
    def since(cls, moment: datetime) -> ChangeCursor:
        """The position just after every item changed at or before `moment`."""
        return cls(moment, _MAX_ID)

    @classmethod
    def of(cls, row: Any) -> ChangeCursor:
        """The position of an item row."""
        return cls(row["updated_at"], row["id"])

    def encode(self) -> str:
        """Opaque text for a URL: whole microseconds, so a position never moves by rounding."""
        delta = self.updated_at - _EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}_{self.id}"

    @classmethod
    def decode(cls, text: str) -> ChangeCursor:
        """Parse what `encode` produced; ValueError on anything else."""
        micros, item_id = (int(part) for part in text.split("_"))
        if not 0 <= item_id <= _MAX_ID:
            raise ValueError("item id out of range")
        try:
            return cls(_EPOCH + timedelta(microseconds=micros), item_id)
        except OverflowError:
            raise ValueError("time out of range") from None


def _where(brand_id: int, f: Filters, user_id: int | None) -> tuple[list[str], list[Any]]:
    clauses = ["i.brand_id = $1", "i.spam" if f.spam else "not i.spam", "i.kind <> 'post'", "not i.from_business"]
    args: list[Any] = [brand_id]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.status in STATUSES:
        clauses.append(f"i.status = {arg(f.status)}")
    elif f.status == "snoozed":
        clauses.append("i.snoozed_until > now()")
    elif f.status != "all":
        clauses.append("i.status <> 'done' and (i.snoozed_until is null or i.snoozed_until <= now())")
    if f.platform:
        clauses.append(f"i.platform = {arg(f.platform)}")
    if f.lang:
        clauses.append(f"coalesce(i.lang_override, i.lang) = {arg(f.lang)}")
    if f.sentiment in SENTIMENTS:
        clauses.append(f"coalesce(i.sentiment_override, i.sentiment) = {arg(f.sentiment)}")
    if f.assignee == "none":
        clauses.append("i.assignee_id is null")
    elif f.assignee == "me" and user_id is not None:
        clauses.append(f"i.assignee_id = {arg(user_id)}")
    elif isinstance(f.assignee, int):
        clauses.append(f"i.assignee_id = {arg(f.assignee)}")
    if f.tag:
        clauses.append(
            f"exists (select 1 from item_tags it join tags t on t.id = it.tag_id"
            f" where it.item_id = i.id and t.brand_id = $1 and t.name = {arg(f.tag)})"
        )
    if f.stars:
        # Only items with stars (reviews) match; the rating is read as the listing reads it.
        low, high = arg(f.stars[0]), arg(f.stars[1])
        clauses.append(f"jsonb_typeof(i.raw->'rating') = 'number'"
                       f" and round((i.raw->>'rating')::numeric) between {low}::int and {high}::int")
    if f.since:
        clauses.append(f"i.created_at >= {arg(f.since)}")
    if f.until:
        clauses.append(f"i.created_at < {arg(f.until)}")
    if f.q and f.q.strip():
        # The stored vector uses the item's own language; stem the query both ways (and
        # unstemmed for items of no known language) so "remboursé" finds "remboursement".
        # Both sides are folded by jasette_fold (migration 0800): "cafe" finds "café".
        p = f"jasette_fold({arg(f.q.strip()[:200])}::text)"
        clauses.append(
            f"i.search @@ (websearch_to_tsquery('french', {p}) || websearch_to_tsquery('english', {p})"
            f" || websearch_to_tsquery('simple', {p}))"
        )
    return clauses, args


async def list_items(
    conn: Conn, brand_id: int, filters: Filters, *, after: Cursor | None = None,
    limit: int = 50, user_id: int | None = None,
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """One page of the brand's stream by priority then time, and the cursor of the next page."""
    clauses, args = _where(brand_id, filters, user_id)
    if after is not None:
        n = len(args)
        args += [after.priority, after.created_at, after.id]
        clauses.append(f"(i.priority, i.created_at, i.id) < (${n + 1}, ${n + 2}, ${n + 3})")
    args.append(max(1, min(200, limit)) + 1)
    sql = (f"{_SELECT} where {' and '.join(clauses)}"
           f" order by i.priority desc, i.created_at desc, i.id desc limit ${len(args)}")
    rows = [dict(r) for r in await conn.fetch(sql, *args)]
    nxt = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        nxt = Cursor(last["priority"], last["created_at"], last["id"])
    return rows, nxt


async def spam_count(conn: Conn, brand_id: int) -> int:
    """How many of the brand's listed items are in Spam (the tab's count)."""
    return int(await conn.fetchval(
        "select count(*) from items i where i.brand_id = $1 and i.spam and i.kind <> 'post' and not i.from_business",
        brand_id))


async def items_by_ids(conn: Conn, brand_id: int, ids: list[int]) -> list[dict[str, Any]]:
    """The listed items of the brand (others' ids, posts and the business's own words are left out,
    as the list leaves them out: the live stream must not show what the list never does)."""
    rows = await conn.fetch(f"{_SELECT} where i.brand_id = $1 and i.id = any($2::bigint[])"
                            " and i.kind <> 'post' and not i.from_business", brand_id, ids)
    return [dict(r) for r in rows]


async def changed_after(conn: Conn, brand_id: int, position: ChangeCursor, limit: int = 500) -> list[dict[str, Any]]:
    """Listed items of the brand changed after `position`, in (updated_at, id) order (catch-up)."""
    # Paged on the pair, not on time alone: a bulk action stamps hundreds of items with one
    # transaction time, and a page ending in the middle of them must not lose the rest.
    rows = await conn.fetch(
        f"{_SELECT} where i.brand_id = $1 and i.updated_at >= $2 and (i.updated_at, i.id) > ($2, $3)"
        " and i.kind <> 'post' and not i.from_business order by i.updated_at, i.id limit $4",
        brand_id, position.updated_at, position.id, limit,
    )
    return [dict(r) for r in rows]


async def item_detail(conn: Conn, brand_id: int, item_id: int) -> dict[str, Any] | None:
    """One item with its parent, thread, author history, replies, notes; None if not the brand's."""
    row = await conn.fetchrow(f"{_SELECT} where i.brand_id = $1 and i.id = $2", brand_id, item_id)
    if row is None:
        return None
    item = dict(row)
    item["parent"] = None
    if item["parent_external_id"]:
        parent = await conn.fetchrow(
            f"{_SELECT} where i.brand_id = $1 and i.account_id = $2 and i.external_id = $3",
            brand_id, item["account_id"], item["parent_external_id"],
        )
        item["parent"] = dict(parent) if parent else None
    thread_key = item["thread_external_id"] or item["parent_external_id"]
    item["thread"] = []
    if thread_key:
        item["thread"] = [dict(r) for r in await conn.fetch(
            f"{_SELECT} where i.brand_id = $1 and i.account_id = $2 and i.id <> $4"
            " and (i.thread_external_id = $3 or i.external_id = $3 or i.parent_external_id = $3)"
            " order by i.created_at limit 50",
            brand_id, item["account_id"], thread_key, item_id,
        )]
    # The business's own post the thread hangs from (its caption or text), when the collector
    # keeps it: the thread's key itself (Facebook, Instagram, LinkedIn), or the post the thread's
    # first comment answers when each comment is its own thread (YouTube: the video).
    item["post"] = None
    if thread_key:
        post = await conn.fetchrow(
            f"{_SELECT} where i.brand_id = $1 and i.account_id = $2 and i.from_business and i.external_id <> $4"
            " and (i.external_id = $3 or (i.kind = 'post' and i.external_id = (select r.parent_external_id"
            " from items r where r.brand_id = $1 and r.account_id = $2 and r.external_id = $3"
            " and r.kind <> 'post' limit 1))) limit 1",
            brand_id, item["account_id"], thread_key, item["external_id"],
        )
        item["post"] = dict(post) if post else None
    item["history"] = []
    if item["author_id"] is not None:
        # The same person across platforms: same author row, or same display name elsewhere.
        item["history"] = [dict(r) for r in await conn.fetch(
            f"{_SELECT} where i.brand_id = $1 and i.id <> $2 and (a.id = $3 or"
            " (a.platform <> $5 and lower(a.name) = lower($4) and $4 <> ''))"
            " order by i.created_at desc limit 20",
            brand_id, item_id, item["author_id"], item["author_name"] or "", item["platform"],
        )]
    item["replies"] = [dict(r) for r in await conn.fetch(
        f"""select {_REPLY_COLUMNS}
           from replies r join items i on i.id = r.item_id left join users u on u.id = r.user_id
           where r.brand_id = $1 and r.item_id = $2 order by r.created_at, r.id""",
        brand_id, item_id,
    )]
    item["notes"] = [dict(r) for r in await conn.fetch(
        """select n.id, n.body, n.created_at, u.name as user_name from notes n
           left join users u on u.id = n.user_id
           where n.brand_id = $1 and n.item_id = $2 order by n.created_at, n.id""",
        brand_id, item_id,
    )]
    # The latest spam mark, for "marked as spam by ..." in the pane (the audit log is the history).
    item["spam_mark"] = await conn.fetchrow(
        """select (l.details->>'spam')::boolean as spam, l.at, u.name as user_name from audit_log l
           left join users u on u.id = l.user_id
           where l.brand_id = $1 and l.target_type = 'item' and l.target_id = $2 and l.action = 'spam'
           order by l.at desc, l.id desc limit 1""",
        brand_id, item_id,
    )
    # What was done to the item and by whom (a person, or an automation rule named in details).
    item["activity"] = [dict(r) for r in await conn.fetch(
        """select l.action, l.details, l.at, l.user_id, u.name as user_name,
                  case when l.action = 'assign' then (
                      select coalesce(nullif(p.name, ''), p.email) from users p
                      where p.id::text = coalesce(l.details->>'value', l.details->>'assignee')) end as assignee_name,
                  case when l.action = 'alert' and jsonb_typeof(l.details->'value') = 'number' then (
                      select coalesce(nullif(p.name, ''), p.email) from users p
                      where p.id::text = l.details->>'value') end as alerted_name
           from audit_log l
           left join users u on u.id = l.user_id
           where l.brand_id = $1 and l.target_type = 'item' and l.target_id = $2
           order by l.at desc, l.id desc limit 50""",
        brand_id, item_id,
    )]
    item["loaded_at"] = await conn.fetchval("select now()")
    return item


async def item_exists(conn: Conn, brand_id: int, item_id: int) -> bool:
    """True when the item is the brand's (presence must not leak another brand's ids)."""
    return bool(await conn.fetchval("select 1 from items where brand_id = $1 and id = $2", brand_id, item_id))


async def item_platform(conn: Conn, brand_id: int, item_id: int) -> str | None:
    """The platform of the brand's item; None when it is not the brand's."""
    value: str | None = await conn.fetchval("select platform from items where brand_id = $1 and id = $2", brand_id, item_id)
    return value


# What a reply's state in words needs (web/reply_words.py): the outcome, the reason's code and
# the platform's words, when a retry is due, and the platform to name.
_REPLY_COLUMNS = """r.id, r.action, r.body, r.state, r.error, r.error_code, r.error_detail, r.outcome,
                  r.delivered_at, r.next_attempt_at, r.created_at, r.sent_at, r.user_id,
                  u.name as user_name, i.platform"""


async def reply_row(conn: Conn, brand_id: int, reply_id: int) -> dict[str, Any] | None:
    """One outbox row of the brand, with its author's name."""
    row = await conn.fetchrow(
        f"""select r.item_id, {_REPLY_COLUMNS}
           from replies r join items i on i.id = r.item_id left join users u on u.id = r.user_id
           where r.brand_id = $1 and r.id = $2""",
        brand_id, reply_id,
    )
    return dict(row) if row else None


async def tag_names(conn: Conn, brand_id: int) -> list[str]:
    """The brand's tags (for the filter menu)."""
    return [r["name"] for r in await conn.fetch("select name from tags where brand_id = $1 order by name", brand_id)]


async def platforms_in_use(conn: Conn, brand_id: int) -> list[str]:
    """Platforms the brand has accounts or items on (for the filter menu)."""
    rows = await conn.fetch(
        "select platform from accounts where brand_id = $1 union select distinct platform from items where brand_id = $1 order by 1",
        brand_id,
    )
    return [r["platform"] for r in rows]


async def brand_has_items(conn: Conn, brand_id: int) -> bool:
    """Whether any item was ever stored for the brand."""
    return bool(await conn.fetchval("select exists(select 1 from items where brand_id = $1)", brand_id))
