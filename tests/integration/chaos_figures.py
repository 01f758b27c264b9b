"""What a chaos run measured (tests/integration/chaos_run.py): the figures, how they are read
from the database and the emulators (a killed worker's re-poll, replies held by X's write window,
losses in spans), and the process look-ups of the orphan check."""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

import asyncpg


@dataclass
class Figures:
    """What a run measured."""

    injected: int = 0
    lost: int = 0
    lost_by_platform: dict[str, int] = field(default_factory=dict)
    # Reads of a feed that found none of the entries read before (accounts.feed_gaps): what
    # Jasette itself detected and told the owner, beside what the run counted as lost.
    feed_gaps: int = 0
    duplicated: int = 0
    stale: int = 0
    replies_queued: int = 0
    replies_sent: int = 0
    replies_failed: int = 0
    double_replies: int = 0
    silently_lost_replies: int = 0
    unfinished_replies: int = 0
    converged_seconds: float | None = None  # until everything sent was stored and every reply settled
    # The same, apart from replies X refuses until its 15-minute write window reopens (X's own
    # documented limit, emulated faithfully): what Jasette controls, against the 2-minute bar.
    converged_excluding_x_window_seconds: float | None = None
    # Replies still waiting on X's write window at that moment, and when the last of them was
    # settled (seconds after faults stop; None if not within the wait): reported, never hidden.
    x_window_replies: int = 0
    x_window_delivered_seconds: float | None = None
    x_window_reopened_seconds: float | None = None  # when X's write window ended, after faults stop
    # From faults stop to the last thing that arrived (an item, an edit, a reply's outcome): the
    # convergence of what could still arrive when some was lost for good.
    last_change_seconds: float | None = None
    # Per kill: seconds until every account the killed worker held was taken by another worker
    # (its poll began), and until that poll had finished.
    repoll_seconds: list[float] = field(default_factory=list)
    repoll_done_seconds: list[float] = field(default_factory=list)
    leases_held_at_kill: list[int] = field(default_factory=list)
    reply_leases_at_kill: list[int] = field(default_factory=list)
    orphans: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    api_requests: int = 0
    failed_reasons: dict[str, int] = field(default_factory=dict)
    phases: dict[str, int] = field(default_factory=dict)
    unfinished: list[dict[str, Any]] = field(default_factory=list)  # replies still queued: why
    worker_restarts: int = 0  # workers that exited on their own (e.g. started while the database was away)
    faulty_share: float = 0.0  # faulty API requests / API requests while faults were on
    wall_seconds: float = 0.0
    # Lost comments in runs of consecutive tokens per platform: [seconds into the run when the
    # first and last were injected, how many], to tell a long gap between polls from scattered losses.
    lost_spans: dict[str, list[list[float]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """For JSON output."""
        return dict(self.__dict__)



# X's write endpoint and the reason a reply waits on it (inbox/reply_reasons.py).
X_WRITE = ("POST", "/2/tweets")


def x_write_window(run: Any) -> Any:
    """The X emulator's write window (emulators/windows.FixedWindow) when the run has X, else None."""
    site = run.sites.get("x")
    return site.emulator.windows.get(X_WRITE) if site is not None else None


def x_window_left(run: Any) -> float:
    """Seconds until X's write window reopens, when its allowance is spent (0 otherwise)."""
    window = x_write_window(run)
    if window is None or window.used < window.limit:
        return 0.0
    return max(0.0, window.ends_at - run.sites["x"].emulator.now().timestamp())


async def x_window_waiting(run: Any) -> list[int]:
    """Replies held by X's write window: to an X item, not settled, last refused as rate limited,
    while the window's allowance is spent. Any other waiting reply is Jasette's to settle."""
    if x_window_left(run) <= 0:
        return []
    rows = await run.pool.fetch(
        "select r.id from replies r join items i on i.id = r.item_id where r.state in ('queued', 'sending')"
        " and i.platform = 'x' and r.error_code = 'rate_limited'")
    return [r["id"] for r in rows]


async def settled_after(pool: asyncpg.Pool, reply_ids: list[int], since: Any) -> float | None:
    """Seconds from `since` until the last of `reply_ids` was sent or failed; None while one is not."""
    row = await pool.fetchrow(
        "select count(*) filter (where state not in ('sent', 'failed')) as open,"
        " max(coalesce(sent_at, updated_at)) as at from replies where id = any($1::bigint[])", reply_ids)
    if row["open"] or row["at"] is None:
        return None
    return round(max(0.0, (row["at"] - since).total_seconds()), 1)


def lost_spans(lost: list[int], platforms: tuple[str, ...], injected_at: dict[int, float]) -> dict[str, list[list[float]]]:
    """Lost tokens grouped per platform into runs of consecutive turns (see Figures.lost_spans)."""
    spans: dict[str, list[list[float]]] = {}
    step = len(platforms)
    for t in lost:
        where = platforms[(t - 1) % step]
        at = round(injected_at.get(t, -1.0), 1)
        runs = spans.setdefault(where, [])
        if runs and runs[-1][3] == t - step:
            runs[-1][1], runs[-1][2], runs[-1][3] = at, runs[-1][2] + 1, t
        else:
            runs.append([at, at, 1, t])
    return {k: [r[:3] for r in v] for k, v in spans.items()}


async def stored_tokens(pool: asyncpg.Pool) -> dict[int, list[str]]:
    """Bodies stored per comment token (an edit keeps its token)."""
    rows = await pool.fetch(
        "select (regexp_match(body, 'ch([0-9]{6})x'))[1]::int as token, body from items where body ~ 'ch[0-9]{6}x'")
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["token"], []).append(row["body"])
    return found


async def measure(run: Any) -> None:
    """Fill `run.figures` (a ChaosRun): lost, feed gaps detected, duplicated, stale; replies sent,
    doubled, silently lost; faults injected."""
    pool: asyncpg.Pool = run.pool
    f = run.figures
    stored = await stored_tokens(pool)
    f.injected = run.tokens
    platforms = run.scale.platforms
    lost = [t for t in range(1, run.tokens + 1) if t not in stored]
    for t in lost:  # tokens go to the platforms in turn
        f.lost += 1
        where = platforms[(t - 1) % len(platforms)]
        f.lost_by_platform[where] = f.lost_by_platform.get(where, 0) + 1
    f.lost_spans = lost_spans(lost, platforms, run.injected_at)
    f.feed_gaps = int(await pool.fetchval("select coalesce(sum(feed_gaps), 0) from accounts"))
    f.duplicated = sum(len(bodies) - 1 for bodies in stored.values())
    f.stale = sum(1 for t in run.edited if t in stored and not all(" v2 " in b for b in stored[t]))
    on_platform: dict[str, int] = {}
    for site in run.sites.values():
        for reply in site.emulator.replies:
            text = str(reply.get("text") or "")
            for word in text.split():
                if word.startswith("rp") and word.endswith("x"):
                    on_platform[word] = on_platform.get(word, 0) + 1
    rows = await pool.fetch("select id, state, outcome, error_code from replies where id = any($1::bigint[])",
                                 list(run.reply_tokens.values()))
    by_id = {r["id"]: r for r in rows}
    f.replies_queued = len(run.reply_tokens)
    for token, reply_id in run.reply_tokens.items():
        row, seen = by_id[reply_id], on_platform.get(f"rp{token:06d}x", 0)
        f.double_replies += max(0, seen - 1)
        if row["state"] == "sent":
            f.replies_sent += 1
            f.silently_lost_replies += seen == 0
        elif row["state"] == "failed":
            f.replies_failed += 1
            f.failed_reasons[row["error_code"] or "?"] = f.failed_reasons.get(row["error_code"] or "?", 0) + 1
        else:
            f.unfinished_replies += 1
            f.unfinished.append(dict(await pool.fetchrow(
                "select id, state, attempts, error_code, outcome, extract(epoch from next_attempt_at - now())::int as due_in,"
                " lease_owner from replies where id = $1", reply_id)))
        phase = "found" if row["outcome"] == "found" and row["state"] == "sent" else row["state"]
        f.phases[phase] = f.phases.get(phase, 0) + 1
    for site in run.sites.values():
        for mode, count in site.faults.counts.items():
            f.faults[mode] = f.faults.get(mode, 0) + count
        f.api_requests += site.faults.requests
    exposed = sum(site.faults.exposed for site in run.sites.values())
    f.faulty_share = round(sum(f.faults.values()) / max(1, exposed), 3)


async def repolled(pool: asyncpg.Pool, account_ids: list[int], victim: str, since: Any, limit: float = 60.0) -> tuple[float, float]:
    """Seconds from `since` until every account was taken by another worker (its poll began),
    and until that poll had finished (a success or a failure), on the database's clock."""
    taken: float | None = None
    start = time.monotonic()
    while time.monotonic() - start < limit:
        row = await pool.fetchrow(
            "select count(*) filter (where (lease_owner is not null and lease_owner <> $3)"
            "   or greatest(last_success_at, last_error_at) > $2) as taken,"
            " count(*) filter (where greatest(last_success_at, last_error_at) > $2) as done,"
            " max(greatest(last_success_at, last_error_at)) as at, clock_timestamp() - $2 as waited"
            " from accounts where id = any($1::bigint[])", account_ids, since, victim)
        if taken is None and row["taken"] == len(account_ids):
            taken = row["waited"].total_seconds()
        if row["done"] == len(account_ids):
            return float(min(taken or 1e9, (row["at"] - since).total_seconds())), float((row["at"] - since).total_seconds())
        await asyncio.sleep(0.05)
    return float(taken if taken is not None else "inf"), float("inf")


def children(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (Linux /proc), e.g. a worker's NLP pool."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
