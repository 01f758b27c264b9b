"""Alert rules: their kinds, documented defaults, validation of edits, and quiet hours.

docs/alerts.md documents the same defaults; tests/unit/test_alert_rules.py checks they agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

KINDS = ("negative_mention", "volume_spike", "sentiment_dip")
CHANNELS = ("inapp", "email", "webhook")
# Reason codes of the NLP stage (every `urgent:*` of nlp/reasons.py) that page the owner whatever
# the sentiment score says, each in its own alert at once: health, safety, legal, harassment, money.
URGENT_REASONS = ("urgent:safety", "urgent:legal", "urgent:refund", "urgent:allergy", "urgent:sick",
                  "urgent:injury", "urgent:harassment", "urgent:scam", "urgent:not_received", "urgent:billing",
                  "urgent:deadline")

# kind -> {param: default}. Empty params in the database mean exactly these.
DEFAULTS: dict[str, dict[str, Any]] = {
    "negative_mention": {
        "min_priority": 50,  # negative sentiment counts from this priority (0-100) up
        "urgent_reasons": list(URGENT_REASONS),  # these reasons alert at once, alone, whatever the priority
        "min_followers": 0,  # 0: every author; N: only authors with at least N followers
        "max_age_hours": 48,  # older items (backfills of history) never page anyone
    },
    "volume_spike": {
        "window_minutes": 60,  # the recent window counted
        "baseline_days": 7,  # the same window on each of the previous N days
        "k": 3.0,  # fires above mean + k * standard deviation of the baseline
        "min_count": 10,  # and only from this many items in the window
    },
    "sentiment_dip": {
        "window_minutes": 60,
        "negative_share": 0.4,  # fires when negative items reach this share of analysed ones
        "min_count": 10,  # among at least this many analysed items
    },
}
DEFAULT_COOLDOWN_MINUTES = {"negative_mention": 15, "volume_spike": 60, "sentiment_dip": 120}

# Bounds an owner's edit must respect: (minimum, maximum, type).
_BOUNDS: dict[str, tuple[float, float, type]] = {
    "min_priority": (0, 100, int),
    "min_followers": (0, 1_000_000_000, int),
    "max_age_hours": (1, 24 * 30, int),
    "window_minutes": (5, 24 * 60, int),
    "baseline_days": (1, 28, int),
    "k": (0.0, 20.0, float),
    "min_count": (1, 1_000_000, int),
    "negative_share": (0.01, 1.0, float),
}


class RuleError(ValueError):
    """An edit of a rule that cannot be saved, with the reason in plain words."""


@dataclass(slots=True)
class Rule:
    """One brand's alert rule with its parameters merged over the defaults."""

    id: int
    brand_id: int
    kind: str
    enabled: bool = True
    params: dict[str, Any] = field(default_factory=dict)
    channels: list[str] = field(default_factory=lambda: list(CHANNELS))
    cooldown_minutes: int = 60
    quiet_start: time | None = None
    quiet_end: time | None = None
    last_fired_at: datetime | None = None

    @classmethod
    def from_row(cls, row: Any) -> Rule:
        """Build from an alert_rules row (a mapping)."""
        return cls(
            id=row["id"], brand_id=row["brand_id"], kind=row["kind"], enabled=row["enabled"],
            params=effective_params(row["kind"], row["params"] or {}),
            channels=list(row["channels"]), cooldown_minutes=row["cooldown_minutes"],
            quiet_start=row["quiet_start"], quiet_end=row["quiet_end"], last_fired_at=row["last_fired_at"],
        )

    def cooling_until(self) -> datetime | None:
        """When the cooldown after the last firing ends (None: not cooling)."""
        if self.last_fired_at is None or self.cooldown_minutes <= 0:
            return None
        return self.last_fired_at + timedelta(minutes=self.cooldown_minutes)


def effective_params(kind: str, stored: dict[str, Any]) -> dict[str, Any]:
    """The defaults of a kind overlaid with what the owner stored (unknown keys dropped)."""
    if kind not in DEFAULTS:
        raise RuleError(f"unknown rule kind {kind!r}")
    merged = dict(DEFAULTS[kind])
    merged.update({k: v for k, v in stored.items() if k in merged})
    return merged


def validate_params(kind: str, raw: dict[str, Any]) -> dict[str, Any]:
    """Check and coerce an owner's edit (form strings accepted); raise RuleError on a bad value."""
    if kind not in DEFAULTS:
        raise RuleError(f"unknown rule kind {kind!r}")
    clean: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in DEFAULTS[kind]:
            raise RuleError(f"{kind} has no setting {name!r}")
        if name == "urgent_reasons":
            items = value.split(",") if isinstance(value, str) else list(value)
            reasons = [str(r).strip() for r in items if str(r).strip()]
            unknown = [r for r in reasons if r not in URGENT_REASONS]
            if unknown:
                raise RuleError(f"unknown urgency signal {unknown[0]!r}; known: {', '.join(URGENT_REASONS)}")
            clean[name] = reasons
            continue
        low, high, kind_type = _BOUNDS[name]
        try:
            number = kind_type(str(value).strip().replace(",", ".")) if isinstance(value, str) else kind_type(value)
        except (TypeError, ValueError):
            raise RuleError(f"{name} must be a number, not {value!r}") from None
        if not low <= number <= high:
            raise RuleError(f"{name} must be between {low:g} and {high:g}, not {number:g}")
        clean[name] = number
    return clean


def validate_channels(channels: list[str]) -> list[str]:
    """Keep the known channels in their canonical order; raise RuleError on an unknown one."""
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise RuleError(f"unknown channel {unknown[0]!r}")
    return [c for c in CHANNELS if c in channels]


def parse_quiet(value: str | None) -> time | None:
    """'22:00' -> time(22, 0); empty -> None; raise RuleError otherwise."""
    if value is None or not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise RuleError(f"quiet hours take a time like 22:00, not {value!r}") from None


def quiet_until(rule: Rule, now: datetime, tz: ZoneInfo) -> datetime | None:
    """If `now` falls in the rule's quiet hours, when they end (aware UTC-comparable); else None."""
    start, end = rule.quiet_start, rule.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    if start < end:  # same-day span, e.g. 12:00-13:00
        inside = start <= clock < end
        end_day = local.date()
    else:  # spans midnight, e.g. 22:00-07:00
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=tz)
