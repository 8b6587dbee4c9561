"""Business-hours arithmetic on a rep's working calendar: plain Python and zoneinfo, no Django.

A working day is [starts, ends) in the rep's own time zone on each of their working weekdays; the SLA
clock only runs inside those windows. Windows are turned into UTC before any arithmetic, so a daylight
saving change never stretches or shrinks a working hour. (businesstimedelta, the library that fits, was
last released in 2017 and works on naive times; these thirty lines are simpler than adapting it.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = (0, 1, 2, 3, 4)
MAX_DAYS = 3 * 366  # a clock longer than three years of working days is a configuration error


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    """When a rep works: weekdays (0 = Monday), the hours of the day, and where (an IANA zone name)."""

    time_zone: str = "UTC"
    days: tuple[int, ...] = WEEKDAYS
    starts: time = time(9, 0)
    ends: time = time(17, 0)

    @classmethod
    def of(cls, *, time_zone: str, days, starts: time, ends: time) -> WorkingCalendar:
        return cls(
            time_zone=time_zone or "UTC", days=tuple(sorted(set(days or WEEKDAYS))), starts=starts, ends=ends
        )

    def windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The working windows (UTC) that end after `since`, in order, for at most MAX_DAYS days."""
        zone = ZoneInfo(self.time_zone)
        day: date = since.astimezone(zone).date()
        for _ in range(MAX_DAYS):
            if day.weekday() in self.days:
                opens = datetime.combine(day, self.starts, zone).astimezone(UTC)
                closes = datetime.combine(day, self.ends, zone).astimezone(UTC)
                if closes > since:
                    yield max(opens, since), closes
            day += timedelta(days=1)


def business_deadline(start: datetime, hours: float, calendar: WorkingCalendar) -> datetime:
    """The moment `hours` working hours after `start` have passed on `calendar` (UTC)."""
    remaining = timedelta(hours=hours)
    for opens, closes in calendar.windows(start.astimezone(UTC)):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise ValueError("The working calendar has no working hours.")


def business_hours_between(start: datetime, end: datetime, calendar: WorkingCalendar) -> float:
    """Working hours on `calendar` between `start` and `end` (0 when end is not after start)."""
    end = end.astimezone(UTC)
    total = timedelta()
    for opens, closes in calendar.windows(start.astimezone(UTC)):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total.total_seconds() / 3600
