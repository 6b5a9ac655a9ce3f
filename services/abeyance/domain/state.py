"""The state of one abeyance, folded from its accepted inputs and the events decided on them.

Why inputs too: the contract has no event for "one step of two was completed" (a step that does
not complete the condition decides nothing), and AbeyanceStarted carries neither the site nor its
time zone. So the record the state is folded from is the abeyance's inputs, each followed by the
events ``decide`` returned for it: ``fold(state, [input, *events])``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import reduce
from typing import Final
from uuid import UUID

from events.categories import CompletionStep
from events.common import Charge
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    EventPayload,
)
from services.abeyance.domain.clock import deadline_for, is_on_or_before
from services.abeyance.domain.inputs import (
    AbeyanceNotStarted,
    DeadlineReached,
    Input,
    Start,
    StepCompleted,
    Withdrew,
)


class Status(StrEnum):
    PENDING = "pending"
    DECLINED = "declined"
    EXPIRED = "expired"
    ENDED = "ended"


@dataclass(frozen=True)
class StepRecord:
    step: CompletionStep
    occurred_at: datetime


@dataclass(frozen=True)
class AbeyanceState:
    """One started abeyance. Datetimes are kept in UTC; local dates come from ``time_zone``."""

    referral_id: UUID
    site: str
    time_zone: str
    prosecuting_agency: str
    report_number: str
    charges: tuple[Charge, ...]
    referred_at: datetime
    deadline_at: datetime
    completion_condition: tuple[CompletionStep, ...]
    status: Status = Status.PENDING
    steps: tuple[StepRecord, ...] = ()
    """Every step completion told, in arrival order, counted or not."""
    withdrew_at: datetime | None = None
    declined_at: datetime | None = None
    rescinded: bool = False
    """Whether an expiry was rescinded (the decline then followed)."""


State = AbeyanceState | None
"""``None`` until the abeyance is started."""

INITIAL: Final[State] = None

Fact = Input | EventPayload
"""What the state is folded from: accepted inputs and decided events."""


def counts(state: AbeyanceState, occurred_at: datetime) -> bool:
    """Whether a step that occurred at ``occurred_at`` counts: from the referral to the deadline."""
    return is_on_or_before(state.referred_at, occurred_at) and is_on_or_before(
        occurred_at, state.deadline_at
    )


def counted_steps(state: AbeyanceState) -> dict[CompletionStep, datetime]:
    """Each step of the condition that counts, with its earliest counting occurrence."""
    earliest: dict[CompletionStep, datetime] = {}
    for record in state.steps:
        if record.step not in state.completion_condition or not counts(state, record.occurred_at):
            continue
        known = earliest.get(record.step)
        if known is None or record.occurred_at < known:
            earliest[record.step] = record.occurred_at
    return earliest


def outstanding(state: AbeyanceState) -> tuple[CompletionStep, ...]:
    """The steps of the condition not (yet) completed in time, in CompletionStep order."""
    done = counted_steps(state)
    return tuple(s for s in CompletionStep if s in state.completion_condition and s not in done)


def condition_met(state: AbeyanceState) -> bool:
    return not outstanding(state)


def _utc(instant: datetime) -> datetime:
    return instant.astimezone(UTC)


def _started(start: Start) -> AbeyanceState:
    return AbeyanceState(
        referral_id=start.referral_id,
        site=start.site,
        time_zone=start.time_zone,
        prosecuting_agency=start.prosecuting_agency,
        report_number=start.report_number,
        charges=start.charges,
        referred_at=_utc(start.referred_at),
        deadline_at=_utc(deadline_for(start.referred_at, start.time_zone)),
        completion_condition=tuple(s for s in CompletionStep if s in start.completion_condition),
    )


def evolve(state: State, fact: Fact) -> State:
    """``state`` after ``fact``. Folding a fact twice changes nothing the second time."""
    if state is None:
        if isinstance(fact, Start):
            return _started(fact)
        raise AbeyanceNotStarted(f"{type(fact).__name__} before Start (fold Start first)")
    match fact:
        case Start() | DeadlineReached() | AbeyanceStarted():
            return state
        case StepCompleted(step=step, occurred_at=occurred_at):
            record = StepRecord(step, _utc(occurred_at))
            if record in state.steps:
                return state
            return replace(state, steps=(*state.steps, record))
        case Withdrew(withdrew_at=withdrew_at):
            if state.withdrew_at is not None:
                return state
            return replace(state, withdrew_at=_utc(withdrew_at))
        case ChargesDeclined(declined_at=declined_at):
            return replace(state, status=Status.DECLINED, declined_at=_utc(declined_at))
        case AbeyanceExpired():
            return replace(state, status=Status.EXPIRED)
        case AbeyanceExpiryRescinded():
            return replace(state, status=Status.PENDING, rescinded=True)
        case AbeyanceEnded():
            return replace(state, status=Status.ENDED)
    raise TypeError(f"not an abeyance fact: {fact!r}")


def fold(state: State, facts: Iterable[Fact]) -> State:
    return reduce(evolve, facts, state)
