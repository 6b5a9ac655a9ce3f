"""Abeyance's consumer of referral events: each relevant event becomes an input of an abeyance,
told through the command side (``application.decisions``), in the batch's transaction."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from events.categories import CompletionStep, Pathway
from events.payloads import (
    AssessmentCompleted,
    CarePlanCompleted,
    EventPayload,
    ParticipantWithdrew,
    ReferralMade,
)
from events.registry import DecodedEvent
from events.topics import REFERRAL_EVENTS
from services.abeyance.application.decisions import Timekeeping, on_referral_input
from services.abeyance.application.unit_of_work import AbeyanceUnitOfWork
from services.abeyance.domain import Input, Start, StepCompleted, Withdrew
from services.platform.db import Connection
from services.platform.logging import get_logger
from services.platform.projection import Source
from services.platform.runtime import consumer_group
from services.program import DEFAULT_COMPLETION_CONDITION, PROGRAM_TIME_ZONE, Program

log = get_logger(__name__)


class ReferralEventsConsumer:
    name = "referrals"
    topics = (REFERRAL_EVENTS,)

    def __init__(
        self,
        timing: Timekeeping,
        program: Program,
        unit_of_work: Callable[[Connection], AbeyanceUnitOfWork],
    ) -> None:
        self._timing = timing
        self._program = program
        self._unit_of_work = unit_of_work

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        envelope = event.envelope
        time = envelope.occurred_at if self._timing.event_time_only else envelope.recorded_at
        told = self.input_for(event.payload)
        async with self._unit_of_work(conn) as uow:
            await on_referral_input(
                uow,
                self._timing,
                UUID(envelope.subject),  # referral events are keyed by referral
                told,
                time=time,
                source=source,
                causation_id=str(envelope.event_id),
            )
            await uow.commit()

    def input_for(self, payload: EventPayload) -> Input | None:
        match payload:
            case ReferralMade(pathway=Pathway.PREBOOKING, arrest=arrest) if arrest:
                site = self._program.site(payload.site)
                if site is None:
                    log.warning("abeyance_site_unknown", site=payload.site)
                return Start(
                    referral_id=payload.referral_id,
                    site=payload.site,
                    prosecuting_agency=arrest.prosecuting_agency,
                    report_number=arrest.report_number,
                    charges=arrest.charges,
                    referred_at=payload.referred_at,
                    completion_condition=(
                        site.completion_condition if site else DEFAULT_COMPLETION_CONDITION
                    ),
                    time_zone=site.time_zone if site else PROGRAM_TIME_ZONE,
                )
            case AssessmentCompleted():
                return StepCompleted(CompletionStep.ASSESSMENT, payload.completed_at)
            case CarePlanCompleted():
                return StepCompleted(CompletionStep.CARE_PLAN, payload.completed_at)
            case ParticipantWithdrew():
                return Withdrew(payload.withdrew_at)
        return None


CONSUMER = consumer_group("abeyance", ReferralEventsConsumer.name)
