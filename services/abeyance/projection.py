"""Abeyance's consumer of referral events: each relevant event becomes an input of an abeyance."""

from __future__ import annotations

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
from services.abeyance.domain import DEFAULT_TIME_ZONE, Input, Start, StepCompleted, Withdrew
from services.abeyance.keeper import Keeper
from services.abeyance.scheduler import advance_partition_clock, fire_due_in_partition
from services.platform.db import Connection
from services.platform.logging import get_logger
from services.platform.program import DEFAULT_COMPLETION_CONDITION, Program
from services.platform.projection import Source

log = get_logger(__name__)
CONSUMER_NAME = "referrals"
CONSUMER = f"lead-abeyance-{CONSUMER_NAME}"


class ReferralEvents:
    name = CONSUMER_NAME
    topics = (REFERRAL_EVENTS,)

    def __init__(self, keeper: Keeper, program: Program) -> None:
        self._keeper = keeper
        self._program = program

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        envelope = event.envelope
        time = envelope.occurred_at if self._keeper.event_time_only else envelope.recorded_at
        # every event moves its partition's clock, so every event fires what that clock passed
        clock = await advance_partition_clock(conn, source.topic, source.partition, time)
        await fire_due_in_partition(conn, self._keeper, source.topic, source.partition, clock)
        told = self.input_for(event.payload)
        if told is None:
            return
        referral_id = UUID(envelope.subject)  # referral events are keyed by referral
        await self._keeper.tell(
            conn, referral_id, told, source=source, causation_id=str(envelope.event_id)
        )
        if isinstance(told, Start):  # recorded after its deadline (and grace) had passed
            await fire_due_in_partition(conn, self._keeper, source.topic, source.partition, clock)

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
                    time_zone=site.time_zone if site else DEFAULT_TIME_ZONE,
                )
            case AssessmentCompleted():
                return StepCompleted(CompletionStep.ASSESSMENT, payload.completed_at)
            case CarePlanCompleted():
                return StepCompleted(CompletionStep.CARE_PLAN, payload.completed_at)
            case ParticipantWithdrew():
                return Withdrew(payload.withdrew_at)
        return None
