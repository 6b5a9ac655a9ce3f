"""What abeyance's handlers need kept, as ports: the unit of work and its repositories.

``adapters.postgres`` implements them on one transaction, ``adapters.memory`` in dictionaries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from events.notice import Notice
from services.abeyance.domain import AbeyanceState, Fact
from services.platform.unit_of_work import UnitOfWork


class Facts(Protocol):
    """What each abeyance was told and decided, in order: the decider's state folds them."""

    async def lock(self, referral_id: UUID, *, wait: bool = True) -> bool:
        """Hold the referral for the rest of the unit of work (every path that decides takes
        it first); without ``wait``, False when another holds it (another replica decides)."""
        ...

    async def load(self, referral_id: UUID) -> list[Fact]: ...

    async def add(self, referral_id: UUID, first_seq: int, facts: Sequence[Fact]) -> None: ...


class Abeyances(Protocol):
    """The read model (``GET /abeyances``)."""

    async def save(self, state: AbeyanceState) -> None: ...

    async def get(self, referral_id: UUID) -> dict[str, Any] | None: ...

    async def find(
        self, state: str | None, site: str | None, agency: str | None
    ) -> list[dict[str, Any]]: ...


class Timers(Protocol):
    """One durable timer per pending abeyance, fired by any replica exactly once."""

    async def start(
        self, referral_id: UUID, topic: str, partition: int, fire_at: datetime
    ) -> None: ...

    async def settle(self, referral_id: UUID) -> None:
        """The abeyance was decided: its timer will not fire."""
        ...

    async def pending(self, referral_id: UUID) -> bool:
        """Whether the timer is still to fire (locked for the rest of the unit of work)."""
        ...

    async def due(
        self, consumer: str, now: datetime, limit: int, event_time_only: bool
    ) -> list[tuple[UUID, datetime]]:
        """Timers their partition's clock has passed, with that clock (see the scheduler)."""
        ...

    async def due_in_partition(self, topic: str, partition: int, clock: datetime) -> list[UUID]: ...

    async def due_by(self, clock: datetime) -> list[UUID]: ...


class PartitionClocks(Protocol):
    async def advance(self, topic: str, partition: int, time: datetime) -> datetime:
        """The partition's clock once an event with ``time`` is applied there: never earlier
        than before (a late-recorded event carries an older time)."""
        ...


class Notices(Protocol):
    async def issue(self, notice: Notice) -> bool:
        """Record the notice; False when it was issued before (its id: referral and decision)."""
        ...

    async def of_agency(self, agency: str | None) -> list[dict[str, Any]]:
        """The notices of an agency (None: every agency), newest first, with
        ``acknowledged_at``."""
        ...

    async def agency_of(self, notice_id: UUID) -> tuple[str, datetime | None] | None:
        """The notice's agency and when it was acknowledged (locked), or None."""
        ...

    async def acknowledge(self, notice_id: UUID, by: str) -> datetime: ...


class AbeyanceUnitOfWork(UnitOfWork, Protocol):
    facts: Facts
    abeyances: Abeyances
    timers: Timers
    clocks: PartitionClocks
    notices: Notices
