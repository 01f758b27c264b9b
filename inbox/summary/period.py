"""ISO weeks in a brand's time zone: parsing '2026-W47', its bounds, the week before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


class SummaryError(ValueError):
    """A summary that cannot be made (bad week, unknown brand...), in plain words."""


@dataclass(frozen=True, slots=True)
class Week:
    """One ISO week as local midnights (Monday inclusive, next Monday exclusive)."""

    label: str
    monday: date
    start: datetime
    end: datetime

    def previous(self) -> Week:
        """The week before, in the same zone."""
        return week_of(self.monday - timedelta(days=7), self.start.tzinfo)  # type: ignore[arg-type]


def week_of(day: date, tz: ZoneInfo) -> Week:
    """The ISO week containing `day`."""
    year, number, weekday = day.isocalendar()
    monday = day - timedelta(days=weekday - 1)
    start = datetime.combine(monday, time(0), tzinfo=tz)
    end = datetime.combine(monday + timedelta(days=7), time(0), tzinfo=tz)
    return Week(f"{year}-W{number:02d}", monday, start, end)


def parse_week(label: str, tz: ZoneInfo) -> Week:
    """'2026-W47' -> Week; SummaryError on anything else."""
    match = _WEEK.match(label.strip())
    if not match:
        raise SummaryError(f"week must look like 2026-W47, not {label!r}")
    try:
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise SummaryError(f"{label} does not exist (ISO years have 52 or 53 weeks)") from None
    return week_of(monday, tz)


def last_complete_week(now: datetime, tz: ZoneInfo) -> Week:
    """The most recent week that has ended at `now` in zone `tz`."""
    return week_of(now.astimezone(tz).date() - timedelta(days=7), tz)
