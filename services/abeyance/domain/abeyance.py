"""The abeyance rules of one pre-booking referral, as a decider (domain.md, "The abeyance rule").

    events = decide(input, state, decided_at=now)
    state = fold(state, [input, *events])        # or: events, state = run(input, state, ...)

Every rule judges by event time: a step counts when it *occurred* from the referral to the end
of day 30 (local), whenever it arrives; the deadline tick carries the service's event-time "now".
So replaying the same inputs decides the same events, and the final decision does not depend on
the order steps arrive in (as long as ticks past the deadline come after every input that
occurred before them: the watermark of architecture.md, "Time").

Decisions are final except one: an expiry is rescinded when a step that occurred in time, recorded
late, completes the condition. A decline is never taken back; an end (withdrawal) is final too,
since intake refuses completions recorded after a withdrawal.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from events.categories import CompletionStep
from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    EventPayload,
)
from services.abeyance.domain.clock import deadline_for, is_on_or_before, local_date
from services.abeyance.domain.inputs import (
    AbeyanceNotStarted,
    DeadlineReached,
    Input,
    Start,
    StepCompleted,
    Withdrew,
)
from services.abeyance.domain.state import (
    AbeyanceState,
    State,
    Status,
    StepRecord,
    condition_met,
    counted_steps,
    counts,
    evolve,
    fold,
    outstanding,
)

WITHDREW_REASON = "participant withdrew"
COMPLETION = "the completion condition was met"
WITHDRAWAL = "the participant withdrew"


def decide(input: Input, state: State, *, decided_at: datetime) -> list[EventPayload]:
    """The events ``input`` decides given ``state``; ``[]`` when it changes no decision.

    ``decided_at`` is processing (wall-clock) time. No rule reads it: it only checks that the
    tick's event-time "now" is not ahead of the wall clock, which it never is.

    Raises AbeyanceNotStarted for any input but Start before the abeyance started.
    """
    if isinstance(input, Start):
        return [] if state is not None else [_abeyance_started(input)]
    if state is None:
        raise AbeyanceNotStarted(f"{type(input).__name__} before Start")
    match input:
        case StepCompleted():
            return _step_completed(input, state)
        case Withdrew():
            return _withdrew(input, state)
        case DeadlineReached():
            if not is_on_or_before(input.event_time_now, decided_at):
                raise ValueError("event_time_now is ahead of decided_at")
            return _deadline_reached(input, state)
    raise TypeError(f"not an abeyance input: {input!r}")


def run(
    input: Input, state: State, *, decided_at: datetime
) -> tuple[list[EventPayload], AbeyanceState]:
    """``decide`` then fold the input and its events: the events and the state after them."""
    events = decide(input, state, decided_at=decided_at)
    after = fold(state, [input, *events])
    assert after is not None  # decide raised unless the input was Start or it had started
    return events, after


def _abeyance_started(start: Start) -> AbeyanceStarted:
    return AbeyanceStarted(
        referral_id=start.referral_id,
        prosecuting_agency=start.prosecuting_agency,
        report_number=start.report_number,
        charges=start.charges,
        started_at=start.referred_at,
        deadline_at=deadline_for(start.referred_at, start.time_zone),
        completion_condition=start.completion_condition,
    )


def _step_completed(step: StepCompleted, state: AbeyanceState) -> list[EventPayload]:
    """Decline when this step, counted, completes the condition; else nothing.

    A step that occurred before the referral is ignored rather than refused: intake already
    rejects those, so one here is a clock error upstream; counting it could decline charges on
    work done before the diversion existed, and refusing it would stall the partition, while
    ignoring it leaves the abeyance to the steps that do count (and to the expiry if none come).
    """
    if state.status in (Status.DECLINED, Status.ENDED):
        return []
    if StepRecord(step.step, step.occurred_at.astimezone(UTC)) in state.steps:
        return []  # a duplicate
    if not counts(state, step.occurred_at) or condition_met(state):
        return []
    after = evolve(state, step)
    assert after is not None
    if not condition_met(after):
        return []
    declined = _charges_declined(after)
    if state.status is Status.EXPIRED:
        return [_expiry_rescinded(after), declined]
    return [declined]


def _charges_declined(state: AbeyanceState) -> ChargesDeclined:
    """The decline, dated when the condition was met in event time.

    ``declined_at`` is the latest of the earliest counting occurrences of the condition's steps:
    the moment the condition became true in the world. It neither reads the clock nor depends on
    which step arrived last, so a replay, or the same steps arriving in another order, decides
    an identical event.
    """
    done = counted_steps(state)
    completed_on = {step: local_date(done[step], state.time_zone) for step in done}
    return ChargesDeclined(
        referral_id=state.referral_id,
        prosecuting_agency=state.prosecuting_agency,
        report_number=state.report_number,
        charges=state.charges,
        declined_at=max(done.values()),
        basis=basis(state.completion_condition),
        completed_on=completed_on,
    )


def basis(condition: tuple[CompletionStep, ...]) -> str:
    """E.g. "assessment and care plan completed" (names the steps, nothing of their content)."""
    names = [step.value.replace("_", " ") for step in CompletionStep if step in condition]
    return " and ".join(names) + " completed"


def _expiry_rescinded(state: AbeyanceState, what: str = COMPLETION) -> AbeyanceExpiryRescinded:
    deadline_on = local_date(state.deadline_at, state.time_zone)
    return AbeyanceExpiryRescinded(
        referral_id=state.referral_id,
        reason=f"{what} on or before the deadline ({deadline_on}) but recorded after the expiry",
    )


def _withdrew(withdrew: Withdrew, state: AbeyanceState) -> list[EventPayload]:
    """End the abeyance when the withdrawal occurred by the deadline, before the condition was
    met: at once while pending; recorded after an expiry, it rescinds the expiry first (live
    operation would have ended the abeyance, and a replay must decide as live operation did).

    A withdrawal after the deadline changes nothing: the period was over, the expiry (the
    timer's decision) stands, whichever of the withdrawal and the tick arrives first.
    """
    if not is_on_or_before(withdrew.withdrew_at, state.deadline_at) or condition_met(state):
        return []
    ended = AbeyanceEnded(referral_id=state.referral_id, reason=WITHDREW_REASON)
    if state.status is Status.PENDING:
        return [ended]
    if state.status is Status.EXPIRED:
        return [_expiry_rescinded(state, WITHDRAWAL), ended]
    return []


def _deadline_reached(tick: DeadlineReached, state: AbeyanceState) -> list[EventPayload]:
    if state.status is not Status.PENDING or condition_met(state):
        return []
    if is_on_or_before(tick.event_time_now, state.deadline_at):
        return []
    return [
        AbeyanceExpired(
            referral_id=state.referral_id,
            prosecuting_agency=state.prosecuting_agency,
            report_number=state.report_number,
            charges=state.charges,
            deadline_at=state.deadline_at.astimezone(ZoneInfo(state.time_zone)),
            outstanding=outstanding(state),
        )
    ]
