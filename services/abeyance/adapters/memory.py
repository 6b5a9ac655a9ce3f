"""Abeyance's unit of work in memory, for handler tests: no database, the same behaviour
(``tests/contract`` holds it to the PostgreSQL adapter's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from events.notice import Notice
from services.abeyance.application.unit_of_work import (
    Abeyances,
    Facts,
    Notices,
    PartitionClocks,
    Timers,
)
from services.abeyance.domain import AbeyanceState, Fact, outstanding
from services.platform.memory import MemoryState, MemoryUnitOfWork


@dataclass
class Timer:
    topic: str
    partition: int
    fire_at: datetime
    fired_at: datetime | None = None


@dataclass
class Position:
    """What the consumer recorded of a partition (the runner keeps it in PostgreSQL)."""

    event_time: datetime
    recorded_time: datetime
    caught_up: bool


@dataclass
class AbeyanceMemory(MemoryState):
    facts: dict[UUID, list[Fact]] = field(default_factory=dict)
    abeyances: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    timers: dict[UUID, Timer] = field(default_factory=dict)
    clocks: dict[tuple[str, int], datetime] = field(default_factory=dict)
    notices: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    positions: dict[tuple[str, str, int], Position] = field(default_factory=dict)


class MemoryFacts:
    def __init__(self, state: AbeyanceMemory) -> None:
        self._state = state

    async def lock(self, referral_id: UUID, *, wait: bool = True) -> bool:
        return True  # one task at a time

    async def load(self, referral_id: UUID) -> list[Fact]:
        return list(self._state.facts.get(referral_id, []))

    async def add(self, referral_id: UUID, first_seq: int, facts: Sequence[Fact]) -> None:
        known = self._state.facts.setdefault(referral_id, [])
        if len(known) != first_seq:
            raise ValueError(f"facts of {referral_id} are at {len(known)}, not {first_seq}")
        known.extend(facts)


class MemoryAbeyances:
    def __init__(self, state: AbeyanceMemory) -> None:
        self._state = state

    async def save(self, state: AbeyanceState) -> None:
        self._state.abeyances[state.referral_id] = {
            "referral_id": str(state.referral_id),
            "site": state.site,
            "prosecuting_agency": state.prosecuting_agency,
            "report_number": state.report_number,
            "state": state.status.value,
            "started_at": state.referred_at.isoformat(),
            "deadline_at": state.deadline_at.isoformat(),
            "outstanding": [step.value for step in outstanding(state)],
            "rescinded": state.rescinded,
        }

    async def get(self, referral_id: UUID) -> dict[str, Any] | None:
        found = self._state.abeyances.get(referral_id)
        return dict(found) if found else None

    async def find(
        self, state: str | None, site: str | None, agency: str | None
    ) -> list[dict[str, Any]]:
        wanted = {"state": state, "site": site, "prosecuting_agency": agency}
        found = [
            dict(a)
            for a in self._state.abeyances.values()
            if all(v is None or a[k] == v for k, v in wanted.items())
        ]
        return sorted(found, key=lambda a: (a["started_at"], a["referral_id"]))


class MemoryTimers:
    def __init__(self, state: AbeyanceMemory) -> None:
        self._state = state

    async def start(self, referral_id: UUID, topic: str, partition: int, fire_at: datetime) -> None:
        self._state.timers.setdefault(referral_id, Timer(topic, partition, fire_at))

    async def settle(self, referral_id: UUID) -> None:
        timer = self._state.timers.get(referral_id)
        if timer is not None and timer.fired_at is None:
            timer.fired_at = datetime.now(UTC)

    async def pending(self, referral_id: UUID) -> bool:
        timer = self._state.timers.get(referral_id)
        return timer is not None and timer.fired_at is None

    def _unfired(self) -> list[tuple[UUID, Timer]]:
        pending = [(r, t) for r, t in self._state.timers.items() if t.fired_at is None]
        return sorted(pending, key=lambda item: item[1].fire_at)

    async def due(
        self, consumer: str, now: datetime, limit: int, event_time_only: bool
    ) -> list[tuple[UUID, datetime]]:
        found: list[tuple[UUID, datetime]] = []
        for referral_id, timer in self._unfired():
            position = self._state.positions.get((consumer, timer.topic, timer.partition))
            if position is None:
                continue
            if event_time_only:
                clock = min(position.event_time, now)
            else:
                clock = now if position.caught_up else min(position.recorded_time, now)
            if timer.fire_at <= clock:
                found.append((referral_id, clock))
        return found[:limit]

    async def due_in_partition(self, topic: str, partition: int, clock: datetime) -> list[UUID]:
        return [
            referral_id
            for referral_id, timer in self._unfired()
            if (timer.topic, timer.partition) == (topic, partition) and timer.fire_at <= clock
        ]

    async def due_by(self, clock: datetime) -> list[UUID]:
        return [referral_id for referral_id, timer in self._unfired() if timer.fire_at <= clock]


class MemoryPartitionClocks:
    def __init__(self, state: AbeyanceMemory) -> None:
        self._state = state

    async def advance(self, topic: str, partition: int, time: datetime) -> datetime:
        clock = max(self._state.clocks.get((topic, partition), time), time)
        self._state.clocks[(topic, partition)] = clock
        return clock


class MemoryNotices:
    def __init__(self, state: AbeyanceMemory) -> None:
        self._state = state

    async def issue(self, notice: Notice) -> bool:
        if notice.notice_id in self._state.notices:
            return False
        self._state.notices[notice.notice_id] = {
            "body": notice.model_dump(mode="json"),
            "agency": notice.prosecuting_agency,
            "issued_at": notice.issued_at,
            "acknowledged_at": None,
        }
        return True

    async def of_agency(self, agency: str | None) -> list[dict[str, Any]]:
        found = [
            {k: n[k] for k in ("body", "issued_at", "acknowledged_at")}
            for i, n in self._state.notices.items()
            if agency is None or n["agency"] == agency
        ]
        return sorted(found, key=lambda n: (-n["issued_at"].timestamp(), n["body"]["notice_id"]))

    async def agency_of(self, notice_id: UUID) -> tuple[str, datetime | None] | None:
        found = self._state.notices.get(notice_id)
        return (found["agency"], found["acknowledged_at"]) if found else None

    async def acknowledge(self, notice_id: UUID, by: str) -> datetime:
        found = self._state.notices[notice_id]
        found["acknowledged_at"], found["acknowledged_by"] = datetime.now(UTC), by
        at: datetime = found["acknowledged_at"]
        return at


class MemoryAbeyanceUnitOfWork(MemoryUnitOfWork):
    facts: Facts
    abeyances: Abeyances
    timers: Timers
    clocks: PartitionClocks
    notices: Notices

    def __init__(self, state: AbeyanceMemory | None = None) -> None:
        self.state: AbeyanceMemory = state or AbeyanceMemory()
        super().__init__(self.state)
        self.facts = MemoryFacts(self.state)
        self.abeyances = MemoryAbeyances(self.state)
        self.timers = MemoryTimers(self.state)
        self.clocks = MemoryPartitionClocks(self.state)
        self.notices = MemoryNotices(self.state)
