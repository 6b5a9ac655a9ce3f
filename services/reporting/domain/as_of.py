"""As of when a report reads the record: the rules of reporting's bitemporal read model.

Every fact reporting holds carries two stamps: its **position** (the order in which reporting
applied it; stable across rebuilds) and **when it became known**. A fact is known from the
moment it was both recorded and had occurred: a referral recorded days late counts from when it
was recorded, a status change dated ahead counts once its day comes. When a history is replayed
that was never recorded live (a simulation, a migration of old records), reporting may be told
to read it on event time: a fact is then known from when it occurred.

A report reads the facts of a :class:`Cut`: known before ``until`` and applied at or before
``position``. ``as_of=DATE`` is the end of that day in the program's time zone (every fact
recorded by then, none after); ``as_of_position=N`` is the projection after its N-th event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from services.reporting.calendar import PROGRAM_ZONE

OPEN_POSITION = 2**63 - 1
"""The position an open version of a fact is valid until (PostgreSQL's largest bigint)."""
LATEST = datetime(9999, 12, 31, tzinfo=UTC)
"""A moment after every fact: the bound of a report that is not as of a date."""


def end_of_day(day: date) -> datetime:
    """The first moment after ``day`` in the program's time zone (DST-proof)."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=PROGRAM_ZONE)


def known_from(recorded_at: datetime, occurred_at: datetime, *, event_time: bool) -> datetime:
    """When a fact becomes known: once recorded and occurred (on event time: once occurred)."""
    return occurred_at if event_time else max(recorded_at, occurred_at)


@dataclass(frozen=True)
class Known:
    """An event as reporting applies it: its position, its id, when it occurred and from when
    it is known (:func:`known_from`)."""

    position: int
    event_id: UUID
    occurred_at: datetime
    known_at: datetime


@dataclass(frozen=True)
class Cut:
    """The facts a report reads: known before ``until`` and applied at or before ``position``."""

    until: datetime = LATEST
    position: int = OPEN_POSITION - 1


@dataclass(frozen=True)
class AsOf:
    """What a report was asked to reflect: a day (``as_of``), a position (``as_of_position``),
    or neither (everything applied so far)."""

    day: date | None = None
    position: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.position is not None:
            raise ValueError("as_of and as_of_position cannot be combined")
        if self.position is not None and self.position < 0:
            raise ValueError("as_of_position must not be negative")

    @property
    def cut(self) -> Cut:
        if self.day is not None:
            return Cut(until=end_of_day(self.day))
        if self.position is not None:
            return Cut(position=self.position)
        return Cut()

    def observed_through(self, today: date) -> date:
        """The last day whose outcomes can be observed: the as-of day, else today."""
        return self.day if self.day is not None else today
