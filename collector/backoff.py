"""When to poll an account next, and how long to wait after a failure: pure functions of the
account's interval, the platform's usage report and the failure count (randomness injected).

The poller turns these delays into `next_poll_at`; nothing here sleeps.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

# Jitter spreads accounts that share an interval so a worker's polls do not come in waves.
JITTER = 0.1
# First retry after a transient failure, and the ceiling: a broken platform is tried at least
# every half hour so it heals by itself once the platform does.
FAILURE_BASE_SECONDS = 30.0
FAILURE_CAP_SECONDS = 1800.0
# ... and never more than this many poll intervals (at least FAILURE_BASE_SECONDS): a platform
# that recovers is back to its account's normal rhythm within about two intervals.
FAILURE_CAP_INTERVALS = 2.0
# platform-apis.md section 1.6: slow polling above 75 % of the allowance, pause above 90 %.
SLOW_ABOVE = 0.75
PAUSE_ABOVE = 0.90
PAUSE_SECONDS = 900.0
# Never honour a Retry-After beyond a day: a bogus header must not silence an account for ever.
MAX_RETRY_AFTER = 86_400.0


def jittered(seconds: float, rng: random.Random, spread: float = JITTER) -> float:
    """`seconds` moved at random by up to +/- `spread` of itself."""
    return max(0.0, seconds * (1.0 + rng.uniform(-spread, spread)))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def usage_pressure(usage: Mapping[str, Any] | None) -> float:
    """The highest share (0..1+) of a platform allowance the usage report says is spent.

    Collectors report usage in their platform's terms; the shapes read here are percentages
    (`*_percent`, `*_pct`), spent units against a limit (`quota_units` / `quota_limit`), and
    calls remaining in a window (`*_remaining` / `*_limit`).
    """
    if not usage:
        return 0.0
    shares: list[float] = []
    for key, value in usage.items():
        number = _number(value)
        if number is None:
            continue
        if key.endswith(("_percent", "_pct")):
            shares.append(number / 100.0)
        elif key.endswith("_remaining"):
            limit = _number(usage.get(key[: -len("_remaining")] + "_limit"))
            if limit:
                shares.append(1.0 - number / limit)
    units, limit = _number(usage.get("quota_units")), _number(usage.get("quota_limit"))
    if units is not None and limit:
        shares.append(units / limit)
    return max(shares, default=0.0)


def usage_wait(usage: Mapping[str, Any] | None) -> float:
    """Seconds the platform said to wait before calling again (0 when it said nothing)."""
    if not usage:
        return 0.0
    waits = [0.0]
    for key, value in usage.items():
        number = _number(value)
        if number is None or not key.startswith(("regain", "retry_after", "reset_seconds")):
            continue
        waits.append(number * 60 if key.endswith("_minutes") else number)
    return min(max(waits), MAX_RETRY_AFTER)


def next_poll_delay(interval: float, usage: Mapping[str, Any] | None, rng: random.Random) -> float:
    """Seconds until the next regular poll: the interval with jitter, stretched under high usage."""
    pressure = usage_pressure(usage)
    delay = float(interval)
    if pressure > PAUSE_ABOVE:
        delay = max(delay * 4, PAUSE_SECONDS)
    elif pressure > SLOW_ABOVE:
        delay *= 2
    return max(jittered(delay, rng), usage_wait(usage))


def failure_delay(
    failures: int,
    rng: random.Random,
    *,
    retry_after: float | None = None,
    base: float = FAILURE_BASE_SECONDS,
    cap: float = FAILURE_CAP_SECONDS,
    interval: float | None = None,
) -> float:
    """Seconds before retrying after `failures` consecutive failures (1 = the first one).

    Exponential with jitter, starting at one poll `interval` when that is shorter than `base` and
    capped at FAILURE_CAP_INTERVALS intervals when given, never sooner than the platform's
    Retry-After.
    """
    if interval is not None and interval > 0:
        # An account polled every few seconds (a fast feed) waits no longer than its own rhythm
        # after one failure: 30 s away from a feed that keeps its last 100 entries loses those that
        # scroll off meanwhile (issue 17's chaos run: 161 RSS entries at 5 s and 20 % faults).
        base = min(base, float(interval))
        cap = min(cap, max(base, interval * FAILURE_CAP_INTERVALS))
    exponent = max(0, failures - 1)
    # min() before the power keeps huge failure counts from overflowing a float.
    delay = min(cap, base * (2 ** min(exponent, 32)))
    delay = jittered(delay, rng, spread=0.2)
    if retry_after is not None and retry_after > 0:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
    return delay
