"""Intake's consumer of abeyance's events: what each referral's abeyance is (its deadline, its
completion condition, its decision), kept for the caseload (docs/adr/0041). Abeyance owns the
clock; intake only listens, as any other service may, and imports nothing of abeyance's."""

from __future__ import annotations

from collections.abc import Callable

from events.registry import DecodedEvent
from events.topics import ABEYANCE_EVENTS
from services.intake.application.caseload import note_abeyance_event
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.platform.db import Connection
from services.platform.projection import Source


class AbeyanceEventsConsumer:
    """Run by the platform's consumer runner, in the batch's transaction."""

    name = "abeyances"
    topics = (ABEYANCE_EVENTS,)

    def __init__(self, unit_of_work: Callable[[Connection], IntakeUnitOfWork]) -> None:
        self._unit_of_work = unit_of_work

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        await note_abeyance_event(self._unit_of_work(conn), event.payload)
