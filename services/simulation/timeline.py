"""Days and moments of the simulated history, in the program's time zone (Los Angeles)."""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

LA: Final = ZoneInfo("America/Los_Angeles")


def iso(moment: datetime) -> str:
    """A moment as partners send it: ISO 8601 with the Los Angeles offset, whole seconds."""
    return moment.astimezone(LA).isoformat(timespec="seconds")


def local(day: date, hours: float) -> datetime:
    """``hours`` after midnight of ``day`` in Los Angeles."""
    return datetime.combine(day, time(0), tzinfo=LA) + timedelta(hours=hours)


def spread(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    """``n`` days drawn uniformly from ``start`` to ``end`` (both included), in order."""
    span = (end - start).days
    return sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(n))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
