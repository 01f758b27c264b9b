"""Automation rules (Settings → Règles): a brand's ordered rules, and applying them to items.

A rule is "when these conditions hold (inbox/rule_match.py), do these actions": assign, tag,
set a status, mark as spam, hide on the platform, raise an alert (to the brand's alert channels
or to one person of the team). The brand's enabled rules run
in their order on items just stored (ingest) and on items whose reading changed (a late analysis,
the full re-scoring), inside the caller's transaction, so an item is never seen half-processed.

Each action a rule does is written to the item's history (audit_log, user null, the rule named)
and is done once per rule and item: a reading that changes again does not re-assign an item
staff have since given to someone else, nor raise the alert twice.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from inbox import outbox
from inbox.alerts import person as alert_person
from inbox.alerts import store as alert_store
from inbox.db import Conn
from inbox.notify import notify_items
from inbox.rule_match import LIST_KEYS, matches
from inbox.workflow import SENTIMENTS, STATUSES

log = logging.getLogger(__name__)

ACTIONS = ("assign", "tag", "status", "spam", "hide", "alert")
# Conditions on the NLP reading: an item stored unanalysed (the stage off or failing) holds only
# defaults there ("neutral", priority 0), so rules with these wait for its first reading.
READING_KEYS = ("langs", "sentiments", "min_priority", "reasons", "spam")
PREVIEW_ITEMS = 500
MAX_RULES = 100
# The alert kind rules raise (inbox/alerts/message.py words it).
ALERT_KIND = "automation_rule"


class RuleError(ValueError):
    """A rule the brand cannot hold (no name, no action, too many rules)."""


def clean_conditions(raw: Any) -> dict[str, Any]:
    """Only the known condition keys, in their shapes (stored JSON is never trusted blindly)."""
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {}
    for key in LIST_KEYS:
        values = [" ".join(str(v).split())[:80] for v in raw.get(key) or [] if str(v).strip()]
        if values:
            out[key] = values[:50]
    sentiments = [s for s in out.pop("sentiments", []) if s in SENTIMENTS]
    if sentiments:
        out["sentiments"] = sentiments
    priority = raw.get("min_priority")
    if isinstance(priority, int) and not isinstance(priority, bool) and 0 <= priority <= 100:
        out["min_priority"] = priority
    author = " ".join(str(raw.get("author") or "").split())[:80]
    if author:
        out["author"] = author
    if isinstance(raw.get("spam"), bool):
        out["spam"] = raw["spam"]
    return out


def clean_actions(raw: Any) -> dict[str, Any]:
    """Only the known actions; an empty dict means the rule would do nothing."""
    raw = raw if isinstance(raw, dict) else {}
    out: dict[str, Any] = {}
    if isinstance(raw.get("assign"), int) and not isinstance(raw.get("assign"), bool):
        out["assign"] = raw["assign"]
    tag = " ".join(str(raw.get("tag") or "").split())[:40]
    if tag:
        out["tag"] = tag
    if raw.get("status") in STATUSES:
        out["status"] = raw["status"]
    if raw.get("spam") is True:
        out["spam"] = True
    if raw.get("hide") is True:
        # Which platforms let Jasette hide is the collectors' knowledge (inbox may not import
        # them): the web layer stores the list with the rule, and only those items are hidden.
        out["hide"] = True
        out["hide_platforms"] = [str(p) for p in raw.get("hide_platforms") or []][:20]
    if raw.get("alert") is True:
        out["alert"] = True
        # "Alert someone": one member of the team instead of the brand's alert channels.
        person = raw.get("alert_person")
        if isinstance(person, int) and not isinstance(person, bool):
            out["alert_person"] = person
    return out


def _rule(row: Any) -> dict[str, Any]:
    rule = dict(row)
    rule["conditions"] = clean_conditions(rule["conditions"])
    rule["actions"] = clean_actions(rule["actions"])
    return rule


async def list_rules(conn: Conn, brand_id: int, *, enabled_only: bool = False) -> list[dict[str, Any]]:
    """The brand's rules in the order they run."""
    rows = await conn.fetch(
        "select id, name, position, enabled, conditions, actions, updated_at from automation_rules"
        " where brand_id = $1 and (enabled or not $2) order by position, id", brand_id, enabled_only)
    return [_rule(r) for r in rows]


async def get_rule(conn: Conn, brand_id: int, rule_id: int) -> dict[str, Any] | None:
    """One of the brand's rules; None when it is not the brand's."""
    row = await conn.fetchrow(
        "select id, name, position, enabled, conditions, actions, updated_at from automation_rules"
        " where brand_id = $1 and id = $2", brand_id, rule_id)
    return _rule(row) if row else None


def _checked(name: str, actions: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = " ".join(name.split())[:80]
    if not name:
        raise RuleError("a rule needs a name")
    actions = clean_actions(actions)
    if not actions:
        raise RuleError("a rule needs at least one action")
    return name, actions


async def create(conn: Conn, brand_id: int, name: str, conditions: dict[str, Any], actions: dict[str, Any],
                 user_id: int | None) -> int:
    """Add a rule at the end of the brand's list (it runs last); its id."""
    name, actions = _checked(name, actions)
    async with conn.transaction():
        # The brand row's lock keeps two owners adding at once from taking the same position.
        await conn.execute("select 1 from brands where id = $1 for update", brand_id)
        count = await conn.fetchval("select count(*) from automation_rules where brand_id = $1", brand_id)
        if count >= MAX_RULES:
            raise RuleError("too many rules")
        rule_id: int = await conn.fetchval(
            """insert into automation_rules (brand_id, name, position, conditions, actions, created_by)
               select $1, $2, coalesce(max(position), 0) + 1, $3, $4, $5 from automation_rules where brand_id = $1
               returning id""",
            brand_id, name, clean_conditions(conditions), actions, user_id)
        return rule_id


async def update(conn: Conn, brand_id: int, rule_id: int, name: str, conditions: dict[str, Any],
                 actions: dict[str, Any]) -> bool:
    """Change a rule's name, conditions and actions; False when it is not the brand's."""
    name, actions = _checked(name, actions)
    status = await conn.execute(
        "update automation_rules set name = $3, conditions = $4, actions = $5, updated_at = now()"
        " where brand_id = $1 and id = $2", brand_id, rule_id, name, clean_conditions(conditions), actions)
    return status.endswith(" 1")


async def set_enabled(conn: Conn, brand_id: int, rule_id: int, enabled: bool) -> bool:
    """Turn a rule on or off; False when it is not the brand's."""
    status = await conn.execute(
        "update automation_rules set enabled = $3, updated_at = now() where brand_id = $1 and id = $2",
        brand_id, rule_id, enabled)
    return status.endswith(" 1")


async def delete(conn: Conn, brand_id: int, rule_id: int) -> bool:
    """Remove a rule (what it did stays in the items' history); False when it is not the brand's."""
    status = await conn.execute("delete from automation_rules where brand_id = $1 and id = $2", brand_id, rule_id)
    return status.endswith(" 1")


async def move(conn: Conn, brand_id: int, rule_id: int, step: int) -> bool:
    """Move a rule one place earlier (step -1) or later (+1); False when it is not the brand's."""
    async with conn.transaction():
        rows = await conn.fetch(
            "select id from automation_rules where brand_id = $1 order by position, id for update", brand_id)
        order = [r["id"] for r in rows]
        if rule_id not in order:
            return False
        at = order.index(rule_id)
        to = max(0, min(len(order) - 1, at + (1 if step > 0 else -1)))
        order[at], order[to] = order[to], order[at]
        await conn.execute(
            "update automation_rules r set position = t.pos, updated_at = now()"
            " from unnest($2::bigint[], $3::int[]) as t(id, pos) where r.brand_id = $1 and r.id = t.id",
            brand_id, order, list(range(1, len(order) + 1)))
        return True


# What matching reads of an item: the staff's corrections win over the machine's reading.
_ITEMS = """
select i.id, i.platform, coalesce(i.lang_override, i.lang) as lang,
       coalesce(i.sentiment_override, i.sentiment) as sentiment, i.priority, i.reasons, i.body, i.spam,
       i.status, i.assignee_id, i.hidden, i.created_at, i.analyzed_at, a.name as author_name, a.handle as author_handle
from items i left join authors a on a.id = i.author_id
where i.brand_id = $1 and i.deleted_at is null and not i.from_business and i.kind <> 'post'
"""


async def preview_many(conn: Conn, brand_id: int, conditions: list[dict[str, Any]], *,
                       limit: int = PREVIEW_ITEMS) -> tuple[list[int], int]:
    """How many of the brand's `limit` newest items each set of conditions matches, and how many
    items were looked at (fewer than `limit` for a young brand). One read serves every rule."""
    if not conditions:
        return [], 0
    rows = [dict(r) for r in await conn.fetch(_ITEMS + " order by i.created_at desc, i.id desc limit $2", brand_id, limit)]
    wanted = [clean_conditions(c) for c in conditions]
    return [sum(1 for r in rows if matches(w, r)) for w in wanted], len(rows)


async def _log(conn: Conn, brand_id: int, rule: dict[str, Any], action: str, item_id: int, value: Any) -> None:
    await conn.execute(
        "insert into audit_log (brand_id, user_id, action, target_type, target_id, details)"
        " values ($1, null, $2, 'item', $3, $4)",
        brand_id, action, item_id, {"rule_id": rule["id"], "rule": rule["name"], "value": value})


async def _done_before(conn: Conn, brand_id: int, ids: list[int]) -> set[tuple[int, int, str]]:
    rows = await conn.fetch(
        "select target_id, (details->>'rule_id')::bigint as rule_id, action from audit_log"
        " where brand_id = $1 and target_type = 'item' and target_id = any($2::bigint[]) and details ? 'rule_id'",
        brand_id, ids)
    return {(r["target_id"], r["rule_id"], r["action"]) for r in rows}


async def _do(conn: Conn, brand_id: int, rule: dict[str, Any], action: str, item: dict[str, Any],
              now: datetime) -> bool:
    """One action of a rule on one item; True when it changed something."""
    acts, item_id = rule["actions"], item["id"]
    if action == "assign":
        if item["assignee_id"] is not None or not await conn.fetchval(
                "select 1 from memberships where brand_id = $1 and user_id = $2", brand_id, acts["assign"]):
            return False  # someone already has it, or the person left the brand
        await conn.execute("update items set assignee_id = $2, updated_at = now() where id = $1", item_id, acts["assign"])
        item["assignee_id"] = acts["assign"]
    elif action == "tag":
        tag_id = await conn.fetchval(
            "insert into tags (brand_id, name) values ($1, $2)"
            " on conflict (brand_id, name) do update set name = excluded.name returning id", brand_id, acts["tag"])
        if await conn.fetchval("insert into item_tags (item_id, tag_id) values ($1, $2) on conflict do nothing"
                               " returning item_id", item_id, tag_id) is None:
            return False
    elif action == "status":
        if item["status"] == acts["status"]:
            return False
        await conn.execute("update items set status = $2, snoozed_until = null, updated_at = now() where id = $1",
                           item_id, acts["status"])
        item["status"] = acts["status"]
    elif action == "spam":
        if item["spam"]:
            return False
        await conn.execute("update items set spam = true, updated_at = now() where id = $1", item_id)
        item["spam"] = True
    elif action == "hide":
        if item["hidden"] or item["platform"] not in acts.get("hide_platforms", []):
            return False  # the platform does not let Jasette hide: nothing is queued
        await outbox.enqueue(conn, brand_id=brand_id, item_id=item_id, user_id=None, body="", action="hide",
                             idempotency_key=f"rule:{rule['id']}:{item_id}:hide")
    elif action == "alert":
        return await _alert(conn, brand_id, rule, item, now)
    return True


async def _alert(conn: Conn, brand_id: int, rule: dict[str, Any], item: dict[str, Any], now: datetime) -> bool:
    """Raise the rule's alert about the item, to the brand's channels or to the chosen person.

    Never held back: no cooldown nor quiet hours (the rule fires once per item, and an urgent
    message is exactly what the owner asked to hear of at once)."""
    person = None
    if (chosen := rule["actions"].get("alert_person")) is not None:
        person = await alert_person.team_member(conn, brand_id, chosen)
        if person is None:
            return False  # removed from the team: the rule shows it broken, nothing is sent
    brand = await alert_store.load_brand(conn, brand_id)
    reasons = [str(r) for r in item["reasons"] or []]
    details: dict[str, Any] = {"rule": rule["name"], "items": [{
        "id": item["id"], "platform": item["platform"], "author": item["author_name"] or "",
        "priority": item["priority"], "reasons": reasons, "excerpt": " ".join(str(item["body"]).split())[:200]}]}
    if any(r.startswith("urgent:") for r in reasons):
        details["urgent"] = True
    await alert_store.raise_alert(
        conn, brand=brand, rule_id=None, kind=ALERT_KIND, dedupe_key=f"rule:{rule['id']}:{item['id']}",
        details=details, item_ids=[item["id"]], now=now, person=person,
        channels=["inapp", "email"] if person else ["inapp", "email", "webhook"])
    return True


async def apply(conn: Conn, brand_id: int, item_ids: list[int], *, now: datetime | None = None) -> int:
    """Run the brand's enabled rules, in order, on these items; how many actions were done.

    Call it inside the transaction that stored the items or their new reading. A later rule
    sees what an earlier one did (a rule marking spam, then one that skips spam).
    """
    if not item_ids:
        return 0
    rules = await list_rules(conn, brand_id, enabled_only=True)
    if not rules:
        return 0
    items = [dict(r) for r in await conn.fetch(_ITEMS + " and i.id = any($2::bigint[]) order by i.id", brand_id, item_ids)]
    if not items:
        return 0
    try:
        # A savepoint: a rule that cannot act (a bad stored value, a broken alert) rolls back its
        # own actions and is logged, and never loses the comments the caller is storing.
        async with conn.transaction():
            return await _run(conn, brand_id, rules, items, now or datetime.now(UTC))
    except Exception:
        log.exception("automation rules of brand %s failed on items %s; stored without them", brand_id, item_ids[:20])
        return 0


async def _run(conn: Conn, brand_id: int, rules: list[dict[str, Any]], items: list[dict[str, Any]],
               moment: datetime) -> int:
    done_before = await _done_before(conn, brand_id, [i["id"] for i in items])
    done = 0
    changed: set[int] = set()
    for rule in rules:
        waits = any(k in rule["conditions"] for k in READING_KEYS)
        for item in items:
            if (waits and item["analyzed_at"] is None) or not matches(rule["conditions"], item):
                continue
            for action in ACTIONS:
                if action not in rule["actions"] or (item["id"], rule["id"], action) in done_before:
                    continue
                if await _do(conn, brand_id, rule, action, item, moment):
                    # The history names whom an alert went to (the person's id, shown by name).
                    value = rule["actions"].get("alert_person", True) if action == "alert" else rule["actions"].get(action)
                    await _log(conn, brand_id, rule, action, item["id"], value)
                    done_before.add((item["id"], rule["id"], action))
                    changed.add(item["id"])
                    done += 1
    if changed:
        # A tag alone does not touch the row: the live stream resumes from updated_at.
        await conn.execute("update items set updated_at = now() where id = any($1::bigint[])", sorted(changed))
        await notify_items(conn, brand_id, [], sorted(changed))
    return done
