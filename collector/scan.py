"""Incremental polling by newest-first scans, one platform page per `fetch()`.

A *round* walks every source of an account (a page feed, one post's comments, the mentions...).
Each source keeps a *mark* in the cursor: the newest creation time it has seen (`wm`) and the ids
seen within an overlap window before it, with a fingerprint of their text. A *scan* reads a source
from its newest entry down to `wm - overlap`, one page per call, and commits the new `wm` only when
the scan ends (platform-apis.md section 0, rules 1 and 2). The scan's paging token lives in the
cursor so that a restart continues where the saved batch stopped: no gap, nothing twice.

What the overlap re-reads also tells edits (same id, new text) and deletions (an id of the window
that is no longer listed), so both flow to the inbox as updates of the same item.
"""

from __future__ import annotations

import abc
import hashlib
import json
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from collector.base import Batch, Collector
from collector.wire import iso, parse_time
from inbox.types import NewItem

DEFAULT_OVERLAP = timedelta(minutes=10)  # platform-apis.md 4.5: late and skewed entries


@dataclass(slots=True)
class Page:
    """One platform page of a source, already mapped."""

    items: list[NewItem]
    next_token: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def fingerprint(item: NewItem) -> str:
    """A short digest of what can change in an item (text, deletion, hiding), to tell edits."""
    raw = item.raw if isinstance(item.raw, dict) else {}
    hidden = raw.get("is_hidden", raw.get("hidden"))
    return hashlib.blake2b(f"{item.deleted}\x00{hidden}\x00{item.body}".encode(), digest_size=6).hexdigest()


class ScanningCollector(Collector):
    """A collector whose `fetch` runs rounds of newest-first scans over its sources."""

    overlap: timedelta = DEFAULT_OVERLAP

    # -- override points ---------------------------------------------------------------------
    @abc.abstractmethod
    def round_sources(self, cursor: dict[str, Any]) -> list[str]:
        """The sources to walk in a new round, in order."""

    @abc.abstractmethod
    async def fetch_page(self, source: str, scan: dict[str, Any], cursor: dict[str, Any]) -> Page:
        """Fetch the page of `source` at `scan["token"]` (None: the newest page)."""

    def ordered(self, source: str) -> bool:
        """True when the source lists newest first, so a scan may stop at the watermark."""
        return True

    def rereads_window(self, source: str) -> bool:
        """True when a scan lists everything since the floor again (so absence means deletion)."""
        return True

    def finish_scan(self, source: str, mark: dict[str, Any], scan: dict[str, Any], cursor: dict[str, Any]) -> None:
        """Hook called when a scan of `source` completed (e.g. to keep a since_id)."""

    # -- the engine ----------------------------------------------------------------------------
    async def fetch(self, cursor: dict[str, Any]) -> Batch:
        """Fetch the next page of the current round and map it (see the module docstring)."""
        # A private copy, which also proves the cursor stays JSON-serialisable.
        cursor = json.loads(json.dumps(cursor or {}))
        marks: dict[str, Any] = cursor.setdefault("marks", {})
        scan = cursor.get("scan")
        if scan is None:
            queue = cursor.get("queue") or self.round_sources(cursor)
            if not queue:
                cursor["queue"] = []
                return Batch([], cursor, more=False)
            source = queue.pop(0)
            cursor["queue"] = queue
            mark = marks.setdefault(source, {"wm": None, "seen": {}})
            wm = parse_time(mark["wm"])
            floor = wm - self.overlap if wm is not None else None
            scan = {"source": source, "token": None, "top": None, "floor": iso(floor), "present": []}
            cursor["scan"] = scan
        source = scan["source"]
        mark = marks.setdefault(source, {"wm": None, "seen": {}})
        page = await self.fetch_page(source, scan, cursor)
        items, reached_floor = self._admit(page.items, scan, mark)
        if page.next_token and not (reached_floor and self.ordered(source)):
            scan["token"] = page.next_token
        else:
            items.extend(self._end_scan(source, scan, mark, cursor))
        more = cursor.get("scan") is not None or bool(cursor.get("queue"))
        return Batch(items, cursor, more=more, usage=page.usage, problems=page.problems)

    def _admit(self, entries: list[NewItem], scan: dict[str, Any], mark: dict[str, Any]) -> tuple[list[NewItem], bool]:
        floor = parse_time(scan["floor"])
        top = parse_time(scan["top"])
        seen: dict[str, list[Any]] = mark["seen"]
        present: list[str] = scan["present"]
        admitted: list[NewItem] = []
        reached_floor = False
        # A date in the future (a skewed platform clock, a forged entry) must not lift the mark
        # past now: everything written afterwards would fall below the floor and be missed.
        now = self.clock()
        for item in entries:
            created = item.created_at
            if floor is not None and created is not None and created < floor:
                reached_floor = True
                continue
            if floor is not None:
                present.append(item.external_id)
            if created is not None and (top is None or min(created, now) > top):
                top = min(created, now)
            digest = fingerprint(item)
            known = seen.get(item.external_id)
            if known is not None and known[0] == digest:
                continue
            admitted.append(item)
            # Remember only what the overlap of the next scan can re-read: older entries of a
            # long first scan would be pruned at its end anyway, and would bloat every cursor.
            keep_from = (top - self.overlap) if top is not None else None
            if created is None or keep_from is None or created >= keep_from or known is not None:
                seen[item.external_id] = [digest, iso(created), item.kind, item.parent_external_id]
        scan["top"] = iso(top)
        return admitted, reached_floor

    def _end_scan(
        self, source: str, scan: dict[str, Any], mark: dict[str, Any], cursor: dict[str, Any]
    ) -> list[NewItem]:
        floor = parse_time(scan["floor"])
        seen: dict[str, list[Any]] = mark["seen"]
        gone: list[NewItem] = []
        if floor is not None and self.rereads_window(source):
            # The scan re-read everything created since `floor`: what it no longer lists is gone.
            present = set(scan["present"])
            for external_id, (_, created, kind, parent) in list(seen.items()):
                moment = parse_time(created)
                if moment is not None and moment >= floor and external_id not in present:
                    gone.append(
                        NewItem(
                            platform=self.platform,
                            external_id=external_id,
                            kind=kind,
                            body="",
                            created_at=moment,
                            parent_external_id=parent,
                            deleted=True,
                        )
                    )
                    del seen[external_id]
        old_wm = parse_time(mark["wm"])
        top = parse_time(scan["top"])
        wm = max((t for t in (old_wm, top) if t is not None), default=None)
        if wm is not None:
            wm = min(wm, self.clock())  # a mark saved in the future by an older version heals
        mark["wm"] = iso(wm)
        if wm is not None:
            keep_from = wm - self.overlap
            for external_id, entry in list(seen.items()):
                moment = parse_time(entry[1])
                if moment is not None and moment < keep_from:
                    del seen[external_id]
        self.finish_scan(source, mark, scan, cursor)
        cursor["scan"] = None
        return gone
