"""Rate-limit and quota counters that reset over time as the platforms' windows do.

Each counter reads the time from a `now` callable (the emulator's own clock), never from the
machine, so a test moves time instead of waiting and every emulator can share one clock:

- `FixedWindow`: X's windows (platform-apis.md 3.4): so many requests per 15 minutes per
  endpoint, counted from the first request of the window; `x-rate-limit-reset` is the epoch
  second the window ends, and the whole allowance comes back then.
- `DailyQuota`: YouTube's quota units (4.3): a daily budget that starts over at midnight
  Pacific time, whatever the time zone of the caller.
- `RollingUsage`: Meta's usage percentages (1.6): the share of an hourly budget used over the
  last hour, in one-minute buckets, so the figure decays minute by minute as old calls leave
  the window; at 100 % calls are throttled until enough minutes have passed.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

Now = Callable[[], datetime]


class FixedWindow:
    """`limit` requests per window of `seconds`, the window opening at its first request."""

    def __init__(self, limit: int, seconds: int, now: Now) -> None:
        self.limit, self.seconds, self.now = limit, seconds, now
        self.used = 0
        self.ends_at = 0  # epoch second; 0 = no window open

    def _roll(self) -> int:
        moment = int(self.now().timestamp())
        if moment >= self.ends_at:  # the window ended: a fresh one opens with this request
            self.used, self.ends_at = 0, moment + self.seconds
        return moment

    def take(self) -> bool:
        """Count one request; False (and nothing counted) when the window's allowance is spent."""
        self._roll()
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    @property
    def remaining(self) -> int:
        """Requests left in the current window."""
        return max(0, self.limit - self.used)

    def reset_at(self) -> int:
        """The epoch second the current window ends (x-rate-limit-reset)."""
        self._roll()
        return self.ends_at

    def state(self) -> dict[str, int]:
        """For the control API: limit, used, remaining, reset."""
        return {"limit": self.limit, "used": self.used, "remaining": self.remaining, "reset": self.reset_at()}


class DailyQuota:
    """A budget of `limit` units per day in `zone` (YouTube: midnight Pacific)."""

    def __init__(self, limit: int, now: Now, zone: str = "America/Los_Angeles") -> None:
        self.limit, self.now, self.zone = limit, now, ZoneInfo(zone)
        self.used = 0
        self.day = ""

    def _roll(self) -> datetime:
        local = self.now().astimezone(self.zone)
        if local.date().isoformat() != self.day:  # a new day where the quota is counted
            self.day, self.used = local.date().isoformat(), 0
        return local

    def charge(self, cost: int) -> bool:
        """Spend `cost` units; False (nothing spent) when they would pass the day's limit."""
        self._roll()
        if self.used + cost > self.limit:
            return False
        self.used += cost
        return True

    def spent(self) -> int:
        """Units spent today."""
        self._roll()
        return self.used

    def resets_at(self) -> datetime:
        """The next midnight in the quota's zone."""
        local = self._roll()
        return datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), self.zone)

    def forget(self) -> None:
        """Start the day over (the control API's reset)."""
        self.used, self.day = 0, ""


class RollingUsage:
    """Calls against an hourly `budget`, counted over the last `seconds` in one-minute buckets."""

    BUCKET = 60

    def __init__(self, budget: int, now: Now, seconds: int = 3600) -> None:
        self.budget, self.now, self.seconds = max(1, budget), now, seconds
        self._buckets: deque[list[int]] = deque()  # [minute (epoch // 60), calls]

    def _minute(self) -> int:
        minute = int(self.now().timestamp()) // self.BUCKET
        oldest = minute - self.seconds // self.BUCKET
        while self._buckets and self._buckets[0][0] <= oldest:  # left the window
            self._buckets.popleft()
        return minute

    def calls(self) -> int:
        """Calls made within the window."""
        self._minute()
        return sum(count for _, count in self._buckets)

    def record(self) -> None:
        """Count one call now."""
        minute = self._minute()
        if self._buckets and self._buckets[-1][0] == minute:
            self._buckets[-1][1] += 1
        else:
            self._buckets.append([minute, 1])

    def percent(self) -> int:
        """The share of the budget used over the window, 0-100 (Graph's call_count)."""
        return min(100, self.calls() * 100 // self.budget)

    def exhausted(self) -> bool:
        """Whether the budget is spent: Graph throttles every call until it decays."""
        return self.calls() >= self.budget

    def minutes_to_regain(self) -> int:
        """Whole minutes until enough old calls leave the window to allow a call again (0 if now)."""
        minute = self._minute()
        excess = self.calls() - self.budget + 1
        if excess <= 0:
            return 0
        for bucket_minute, count in self._buckets:
            excess -= count
            if excess <= 0:  # this bucket leaving the window frees enough
                return max(1, bucket_minute + self.seconds // self.BUCKET - minute)
        return self.seconds // self.BUCKET

    def forget(self) -> None:
        """Start over (the control API's reset)."""
        self._buckets.clear()
