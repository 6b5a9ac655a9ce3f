"""The case manager's caseload and a referral's case file: the pages' reads, each naming the
participants it shows, so each is audited like ``GET /referrals/{id}`` (one line per referral
whose person was shown, in the unit of work that read it). And the other way in: abeyance's
events, noted for the caseload's deadlines.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from events.categories import Pathway
from events.payloads import EventPayload
from services.intake.application.access import caseload_sites, check_may_see_case
from services.intake.application.queries import person_of
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.caseload import (
    AbeyanceClock,
    AbeyanceView,
    clock_for,
    completed_steps,
    noted,
)
from services.intake.domain.errors import NotFound
from services.platform.auth import Caller
from services.program import PROGRAM_TIME_ZONE, Program

PAGE_SIZE = 50


@dataclass(frozen=True)
class Case:
    """A referral as the pages show it: its view, its person and its abeyance's clock."""

    referral: dict[str, Any]
    person: dict[str, str] | None
    identity: str
    """``kept``, ``forgotten`` or ``unknown``."""
    clock: AbeyanceClock | None

    @property
    def referral_id(self) -> str:
        return str(self.referral["referral_id"])

    @property
    def is_prebooking(self) -> bool:
        return bool(self.referral["pathway"] == Pathway.PREBOOKING.value)


@dataclass(frozen=True)
class Caseload:
    sites: tuple[str, ...]
    cases: list[Case]
    more: bool
    """Older referrals follow on the next page."""


@dataclass(frozen=True)
class HistoryLine:
    event_type: str
    occurred_at: str
    recorded_at: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class CaseFile:
    case: Case
    history: list[HistoryLine]


async def caseload(
    uow: IntakeUnitOfWork,
    caller: Caller,
    program: Program,
    now: datetime,
    *,
    status: str | None = None,
    pathway: str | None = None,
    page: int = 1,
) -> Caseload:
    """One page of the referrals of the case manager's sites, the most recently referred
    first; ``Forbidden`` for anyone but a case manager."""
    sites = caseload_sites(caller, program)
    async with uow:
        views = await uow.referrals.of_sites(
            sites,
            status=status,
            pathway=pathway,
            limit=PAGE_SIZE + 1,
            offset=(max(page, 1) - 1) * PAGE_SIZE,
        )
        shown = views[:PAGE_SIZE]
        abeyances = await uow.abeyances.of_referrals([UUID(v["referral_id"]) for v in shown])
        cases = [await _case(uow, view, abeyances, program, now) for view in shown]
        for case in cases:
            await uow.audit.record(caller, "GET caseload", "referral", case.referral_id, "read")
        await uow.commit()
    return Caseload(sites, cases, more=len(views) > PAGE_SIZE)


async def case_file(
    uow: IntakeUnitOfWork, caller: Caller, program: Program, referral_id: UUID, now: datetime
) -> CaseFile:
    """The referral with its person, its abeyance's clock and its history (with the
    participant's self-reported demographics), audited; ``Forbidden`` unless the caller is a
    case manager of its site."""
    async with uow:
        view = await uow.referrals.get(referral_id)
        if view is None:
            raise NotFound(f"referral {referral_id} not found")
        check_may_see_case(caller, view["site"], program)
        abeyances = await uow.abeyances.of_referrals([referral_id])
        case = await _case(uow, view, abeyances, program, now)
        streams = [str(referral_id), f"participant-{view['participant_id']}"]
        found = await uow.events.read_many(streams)
        await uow.audit.record(caller, "GET referral page", "referral", str(referral_id), "read")
        await uow.commit()
    events = sorted((e for s in found.values() for e in s), key=lambda e: e.position)
    history = [
        HistoryLine(
            e.current.envelope.event_type,
            e.current.envelope.occurred_at.isoformat(),
            e.current.envelope.recorded_at.isoformat(),
            e.current.envelope.payload,
        )
        for e in events
    ]
    return CaseFile(case, history)


async def _case(
    uow: IntakeUnitOfWork,
    view: dict[str, Any],
    abeyances: Mapping[UUID, AbeyanceView],
    program: Program,
    now: datetime,
) -> Case:
    person, identity = await person_of(uow, UUID(view["participant_id"]))
    clock = None
    if view["pathway"] == Pathway.PREBOOKING.value:
        abeyance = abeyances.get(UUID(view["referral_id"]))
        site = program.site(view["site"])
        zone = site.time_zone if site else PROGRAM_TIME_ZONE
        clock = clock_for(abeyance, completed_steps(view), now, zone)
    return Case(view, person, identity, clock)


async def note_abeyance_event(uow: IntakeUnitOfWork, event: EventPayload) -> bool:
    """Keep what one of abeyance's events tells of a referral's abeyance; whether it told
    anything the caseload needs."""
    referral_id: UUID | None = getattr(event, "referral_id", None)
    if referral_id is None:
        return False
    async with uow:
        after = noted(await uow.abeyances.get(referral_id), event)
        if after is not None:
            await uow.abeyances.save(after)
        await uow.commit()
    return after is not None
