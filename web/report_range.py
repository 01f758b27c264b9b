"""A report's date range as people pick it (from and to dates, both included, in the brand's time
zone), its quick picks, and response times in words ("1 h 20 min")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from web import i18n

_ = i18n.gettext
MAX_DAYS = 731  # two years, a leap day included: a longer report is two reports
DEFAULT_DAYS = 30
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RangeError(ValueError):
    """A range that cannot be reported on, in the reader's words."""


@dataclass(frozen=True, slots=True)
class Range:
    """Local days `first` to `last`, both included, as the instants [start, end)."""

    first: date
    last: date
    start: datetime
    end: datetime

    @property
    def days(self) -> int:
        """How many days the range covers."""
        return (self.last - self.first).days + 1


def of_days(first: date, last: date, tz: ZoneInfo) -> Range:
    """The range from local midnight of `first` to local midnight after `last`."""
    return Range(first, last, datetime.combine(first, time(0), tzinfo=tz),
                 datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz))


def _day(text: str, which: str) -> date:
    text = text.strip()
    if not text:
        raise RangeError(_("Pick a start date and an end date.") if which == "from"
                         else _("Pick an end date."))
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise RangeError(_("“{value}” is not a date: write it like 2026-11-30.", value=text[:40])) from None
    if not 2000 <= day.year <= 2999:
        raise RangeError(_("“{value}” is not a date: write it like 2026-11-30.", value=text[:40]))
    return day


def parse(raw_from: str | None, raw_to: str | None, tz: ZoneInfo, today: date) -> Range:
    """The range typed in the form; the last 30 days when both are empty; RangeError otherwise."""
    if not (raw_from or "").strip() and not (raw_to or "").strip():
        return of_days(today - timedelta(days=DEFAULT_DAYS - 1), today, tz)
    first, last = _day(raw_from or "", "from"), _day(raw_to or "", "to")
    if first > last:
        raise RangeError(_("The start date ({first}) comes after the end date ({last}).",
                           first=first.isoformat(), last=last.isoformat()))
    if (last - first).days + 1 > MAX_DAYS:
        raise RangeError(_("A report covers at most two years ({days} days): pick a shorter range.", days=MAX_DAYS))
    return of_days(first, last, tz)


def quick_picks(today: date) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of the quick picks: 7 days, 30 days, this month, last month."""
    month = today.replace(day=1)
    previous = (month - timedelta(days=1)).replace(day=1)
    return [
        (_("Last 7 days"), today - timedelta(days=6), today),
        (_("Last 30 days"), today - timedelta(days=29), today),
        (_("This month"), month, today),
        (_("Last month"), previous, month - timedelta(days=1)),
    ]


def in_words(seconds: float | None, lang: str) -> str:
    """A duration as people say it: "45 s", "12 min", "1 h 20 min", "2 j 3 h" (a dash when none)."""
    if seconds is None:
        return "—"
    s = round(seconds)
    if s < 60:
        return _("{n} s", lang, n=s)
    minutes = s // 60
    if minutes < 60:
        return _("{n} min", lang, n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return _("{h} h {m} min", lang, h=hours, m=minutes) if minutes else _("{h} h", lang, h=hours)
    days, hours = divmod(hours, 24)
    return _("{d} d {h} h", lang, d=days, h=hours) if hours else _("{d} d", lang, d=days)
