"""Abeyance time: the 30-day deadline in the site's time zone, and when its timer fires.

Every function here is pure: "now" is always an argument, never read from a clock.
"""

from datetime import UTC, date, datetime, time, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from services.program import PROGRAM_TIME_ZONE

ABEYANCE_DAYS: Final = 30
"""Calendar days charges are held after a pre-booking referral."""

END_OF_DAY: Final = time.max
"""23:59:59.999999: a step at 23:59:59 local on the last day counts; 00:00:00 after does not."""


def _aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant.isoformat()}")


def local_date(instant: datetime, time_zone: str = PROGRAM_TIME_ZONE) -> date:
    """The calendar date of ``instant`` in ``time_zone``."""
    _aware(instant, "instant")
    return instant.astimezone(ZoneInfo(time_zone)).date()


def deadline_for(
    referred_at: datetime, time_zone: str = PROGRAM_TIME_ZONE, days: int = ABEYANCE_DAYS
) -> datetime:
    """The end (23:59:59.999999 local) of the local date of ``referred_at`` plus ``days``.

    The arithmetic is on the local calendar date, never ``days * 24h``, so a daylight-saving
    change inside the period does not move the deadline off local end of day. The result is
    aware, in ``time_zone`` (its UTC offset is the one in force on the deadline day).
    """
    if days < 1:
        raise ValueError(f"days must be positive, got {days}")
    zone = ZoneInfo(time_zone)
    last_day = local_date(referred_at, time_zone) + timedelta(days=days)
    return datetime.combine(last_day, END_OF_DAY, tzinfo=zone)


def fires_at(deadline: datetime, grace: timedelta) -> datetime:
    """When the deadline's timer may fire: ``grace`` of elapsed time after it, in UTC.

    Computed in UTC: adding a timedelta to a zoned datetime would add wall-clock time.
    """
    _aware(deadline, "deadline")
    if grace < timedelta(0):
        raise ValueError(f"grace must not be negative, got {grace}")
    return deadline.astimezone(UTC) + grace


def is_on_or_before(instant: datetime, deadline: datetime) -> bool:
    """Whether ``instant`` lies on or before ``deadline`` (compared as instants, in UTC)."""
    _aware(instant, "instant")
    _aware(deadline, "deadline")
    return instant.astimezone(UTC) <= deadline.astimezone(UTC)
