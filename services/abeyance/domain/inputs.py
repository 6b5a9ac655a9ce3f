"""What the abeyance of one referral is told: the inputs of the decider.

Each input carries the event time it happened at (from the source event's payload), never the
time it arrived: the rules judge by event time only.
"""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from events.categories import CompletionStep
from events.common import Charge
from services.program import DEFAULT_COMPLETION_CONDITION, PROGRAM_TIME_ZONE


@dataclass(frozen=True)
class Start:
    """A pre-booking ReferralMade, with the site's completion condition and time zone."""

    referral_id: UUID
    site: str
    prosecuting_agency: str
    report_number: str
    charges: tuple[Charge, ...]
    referred_at: datetime
    completion_condition: tuple[CompletionStep, ...] = DEFAULT_COMPLETION_CONDITION
    time_zone: str = PROGRAM_TIME_ZONE


@dataclass(frozen=True)
class StepCompleted:
    """An AssessmentCompleted or CarePlanCompleted; ``occurred_at`` is its ``completed_at``."""

    step: CompletionStep
    occurred_at: datetime


@dataclass(frozen=True)
class Withdrew:
    """A ParticipantWithdrew."""

    withdrew_at: datetime


@dataclass(frozen=True)
class DeadlineReached:
    """The scheduler's tick: ``event_time_now`` is the service's event-time "now" (watermark)."""

    event_time_now: datetime


Input = Start | StepCompleted | Withdrew | DeadlineReached


class AbeyanceNotStarted(LookupError):
    """An input other than Start reached an abeyance that has not started.

    ``decide`` needs Start first. Per-referral order is kept by the Kafka key, so this means the
    caller skipped the ReferralMade (or it was not a pre-booking referral): a caller bug or a
    message to dead-letter, never something to decide on.
    """
