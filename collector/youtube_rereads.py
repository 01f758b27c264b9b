"""Which YouTube threads have their replies read again, and what a full read says was deleted.

An edited reply, or one deleted while another was added, leaves a thread's reply count as it
was, so the count check alone never sees it. A round re-reads the replies of a few watched
threads with replies, least recently re-read first, while less than half the day's quota is
spent (new comments come first). Thread entries of the cursor: "t" created, "n" reply count,
"r" last re-read, "ids" the replies the last full read listed (id -> created).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from collector.wire import iso, parse_time
from inbox.types import NewItem

REREADS_PER_ROUND = 10
REREAD_QUOTA_SHARE = 0.5
KNOWN_REPLIES = 1000  # reply ids kept per thread to tell deletions


def due_rereads(cursor: dict[str, Any], today: str, now: datetime, every: timedelta, quota_limit: int) -> list[str]:
    """The `reread:<thread>` sources due this round (none past half the day's quota)."""
    quota = cursor.get("quota") or {}
    used = quota.get("used", 0) if quota.get("day") == today else 0
    if every <= timedelta(0) or used >= quota_limit * REREAD_QUOTA_SHARE:
        return []
    due_before = now - every
    due = sorted(
        (known.get("r") or known["t"], thread_id)
        for thread_id, known in cursor.get("threads", {}).items()
        if known.get("n") and (parse_time(known.get("r") or known["t"]) or due_before) <= due_before
    )
    return [f"reread:{thread_id}" for _, thread_id in due[:REREADS_PER_ROUND]]


def note_listed(
    platform: str, thread_id: str, items: list[NewItem], scan: dict[str, Any], cursor: dict[str, Any],
    now: datetime, *, last: bool,
) -> list[NewItem]:
    """Note the replies a full read of a thread lists; at its last page, the ones listed last
    time and gone now, as deletions (reported by a re-read only: a read started by a count
    change tells deletions by its own overlap window, and one batch must not say it twice)."""
    listed: dict[str, str | None] = scan.setdefault("listed", {})
    listed.update((i.external_id, iso(i.created_at)) for i in items)
    known = cursor.get("threads", {}).get(thread_id)
    if not last or known is None:
        return []
    before: dict[str, str | None] = known.get("ids") or {}
    known["ids"] = dict(list(listed.items())[-KNOWN_REPLIES:])
    if not scan["source"].startswith("reread:"):
        return []
    known["r"] = iso(now)
    return [
        NewItem(platform=platform, external_id=reply_id, kind="reply", body="", created_at=parse_time(created),
                parent_external_id=thread_id, thread_external_id=thread_id, deleted=True)
        for reply_id, created in before.items() if reply_id not in listed
    ]
