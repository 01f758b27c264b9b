"""How items, replies and notes look in JSON (the API, the page and the websocket share this).

Platform text goes out as plain JSON strings (the page sets it with textContent); URLs are
validated here so no `javascript:` link ever reaches a browser.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from nlp import reasons as reasons_text
from web import badges, i18n, reply_words
from web.security import safe_url


def _iso(dt: datetime | None) -> str | None:
    return dt.isoformat() if dt else None


def _stars(value: Any) -> int | None:
    """A review's rating, 1 to 5 stars; None for items without one."""
    return value if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5 else None


def reasons(codes: Any, lang: str) -> list[dict[str, str]]:
    """Reason codes with their words in the language."""
    out = []
    for code in codes if isinstance(codes, list) else []:
        code = str(code)
        out.append({"code": code, "text": reasons_text.describe(code, lang)})
    return out


def item(row: dict[str, Any], lang: str, tz: str | None = None) -> dict[str, Any]:
    """One item as the inbox shows it."""
    display = author_label(row["author_name"], row["author_handle"], row["platform"], lang)
    return {
        "id": row["id"],
        "platform": row["platform"],
        "platform_name": i18n.platform_name(row["platform"], lang),
        "kind": row["kind"],
        "from_business": bool(row.get("from_business")),
        "body": row["body"],
        "url": safe_url(row.get("url")),
        "created_at": _iso(row["created_at"]),
        "created_local": i18n.local_time(row["created_at"], lang, tz),
        "updated_at": _iso(row.get("updated_at")),
        "lang": row["lang"],
        "lang_auto": row["lang_auto"],
        "sentiment": row["sentiment"],
        "sentiment_auto": row["sentiment_auto"],
        "corrected": row["corrected"],
        "priority": row["priority"],
        "rating": _stars(row.get("rating")),
        "level": badges.priority_level(row["priority"], row["reasons"] if isinstance(row["reasons"], list) else []),
        "reasons": reasons(row["reasons"], lang),
        "status": row["status"],
        "assignee": {"id": row["assignee_id"], "name": row["assignee_name"]} if row["assignee_id"] else None,
        "snoozed_until": _iso(row["snoozed_until"]),
        # Only while the snooze runs: "Reporté jusqu'au mardi 8 décembre, 9 h 00" in the list and pane.
        "snoozed_local": i18n.day_and_time(row["snoozed_until"], lang, tz)
        if row["snoozed_until"] and row["snoozed_until"] > datetime.now(UTC) else None,
        "hidden": row["hidden"],
        "spam": bool(row.get("spam")),
        "deleted": row["deleted_at"] is not None,
        "first_response_seconds": row["first_response_seconds"],
        "tags": list(row["tags"] or []),
        "author": {
            "name": row["author_name"] or "",
            "handle": row["author_handle"] or "",
            "display": display,
            "initials": badges.initials(display),
            "colour": badges.avatar_colour(display),
            "followers": row["author_followers"],
            "url": safe_url(row.get("author_url")),
            "avatar": safe_url(row.get("author_avatar")),
        },
    }


def _is_member_id(handle: str) -> bool:
    # LinkedIn gives commenters as member ids or URNs, never names: not worth showing as a name.
    return handle.isdigit() or handle.startswith("urn:")


def author_label(name: str | None, handle: str | None, platform: str, lang: str) -> str:
    """What to call the author on screen: the name, else the handle, else "<Platform> member"."""
    if name:
        return name
    if handle and not _is_member_id(handle):
        return handle
    return i18n.gettext("{platform} member", lang, platform=i18n.platform_name(platform, lang))


def reply(row: dict[str, Any], lang: str, tz: str | None = None) -> dict[str, Any]:
    """One outbox row (reply or moderation action): its machine state, and the same in words."""
    return {
        "id": row["id"], "item": row["item_id"] if "item_id" in row else None, "action": row["action"],
        "body": row["body"], "state": row["state"], "error": row["error"],
        "phase": reply_words.phase(row), "state_text": reply_words.words(row, lang),
        "reason": reply_words.reason(row, lang) or None,
        "user": row.get("user_name") or "", "created_local": i18n.local_time(row["created_at"], lang, tz),
    }


# What each history line says; {value} is the tag, status, or person's name.
_ACTIVITY = {
    "assign": "assigned to {value}", "tag": "tagged “{value}”", "untag": "tag “{value}” removed",
    "status": "status set to “{value}”", "spam": "marked as spam", "hide": "hidden on the platform",
    "alert": "alert raised", "snooze": "snoozed", "unsnooze": "snooze cancelled", "undo": "bulk action undone",
    "note": "internal note added", "correct": "reading corrected",
}


def activity_line(row: dict[str, Any], lang: str, tz: str | None = None) -> dict[str, Any]:
    """One line of the item's history in the reader's language: who (a person, or the rule that
    acted), what, when."""
    details = row.get("details") or {}
    action = str(row.get("action"))
    value = details.get("value", details.get("tag", details.get("status", "")))
    if action == "status":
        value = i18n.gettext(str(value), lang)
    elif action == "assign":
        value = row.get("assignee_name") or i18n.gettext("nobody", lang)
    said = "marked as not spam" if action == "spam" and details.get("spam") is False else _ACTIVITY.get(action, action)
    if action == "status" and details.get("reason") == "reply_failed":
        said = "reopened: the reply could not be sent"
    if action == "alert" and row.get("alerted_name"):
        said, value = "alert sent to {value}", row["alerted_name"]
    what = i18n.gettext(said, lang, value=value if value is not None else "")
    who = (i18n.gettext("Rule “{rule}”", lang, rule=details["rule"]) if details.get("rule")
           else row.get("user_name") or ("Jasette" if details.get("reason") else ""))
    return {"action": action, "who": who, "what": what, "rule": details.get("rule"),
            "when_local": i18n.local_time(row.get("at"), lang, tz)}


def detail(row: dict[str, Any], lang: str, tz: str | None = None, *, can_hide: bool = False,
           can_reply: bool = False) -> dict[str, Any]:
    """An item with its context: parent, thread, the author's history, replies and notes."""
    out = item(row, lang, tz)
    out["parent"] = item(row["parent"], lang, tz) if row.get("parent") else None
    out["post"] = item(row["post"], lang, tz) if row.get("post") else None
    out["thread"] = [item(r, lang, tz) for r in row.get("thread", [])]
    out["history"] = [item(r, lang, tz) for r in row.get("history", [])]
    out["replies"] = [reply(dict(r, item_id=row["id"]), lang, tz) for r in row.get("replies", [])]
    out["notes"] = [
        {"id": n["id"], "body": n["body"], "user": n["user_name"] or "", "created_local": i18n.local_time(n["created_at"], lang, tz)}
        for n in row.get("notes", [])
    ]
    mark = row.get("spam_mark")
    out["spam_mark"] = {"spam": bool(mark["spam"]), "user": mark["user_name"] or "",
                        "at_local": i18n.local_time(mark["at"], lang, tz)} if mark else None
    out["activity"] = [activity_line(a, lang, tz) for a in row.get("activity", [])]
    out["loaded_at"] = _iso(row.get("loaded_at"))
    out["can_hide"] = can_hide
    out["can_reply"] = can_reply
    return out
