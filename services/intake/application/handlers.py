"""Intake's handlers: each takes a command and a unit of work, lets the domain rule, records.

    accepted = await handle(command, uow, intake)

One way through for every write, from the HTTP API and the inbound topic alike: open the unit
of work; an earlier answer to the same ``Idempotency-Key`` is returned as it was; otherwise the
handler loads what the rule needs, the pure domain decides (or refuses: a ``Rejection``), the
events are appended with their outbox rows, intake's read model and the audit trail are
updated, the answer is remembered under the key, and it all commits at once. A refusal, a
conflict or a fault leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from events.envelope import new_envelope
from events.payloads import EventPayload
from services.intake.application.commands import (
    Accepted,
    Command,
    MakeReferral,
    RecordCaseEvent,
    RecordProgramRecord,
    Write,
)
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain import records, referral
from services.intake.domain.errors import Conflict
from services.intake.domain.participants import Identity, age_on, participant_id
from services.intake.domain.referral_state import state_from
from services.platform.eventstore import ConcurrencyConflict
from services.platform.idempotency import StoredAnswer
from services.program import Program

SOURCE = "intake"
Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Intake:
    """What every handler needs besides the unit of work: the program and the clock."""

    program: Program
    participant_key: bytes
    clock: Clock = lambda: datetime.now(UTC)


async def handle(command: Command, uow: IntakeUnitOfWork, intake: Intake) -> Accepted:
    """Carry out ``command`` once per ``Idempotency-Key``; raises ``Rejection`` when refused,
    ``IdempotencyKeyReused`` for a key used with another request."""
    write = command.write
    async with uow:
        if write.idempotency_key:
            earlier = await uow.answers.earlier(
                write.caller.token_id, write.idempotency_key, write.fingerprint
            )
            if earlier is not None:
                return Accepted(earlier.outcome, earlier.body)
        accepted = await HANDLERS[type(command)](command, uow, intake)
        if write.idempotency_key:
            stored = StoredAnswer(accepted.outcome, accepted.answer)
            await uow.answers.remember(
                write.caller.token_id, write.idempotency_key, write.fingerprint, stored
            )
        await uow.commit()
    return accepted


async def make_referral(command: Any, uow: IntakeUnitOfWork, intake: Intake) -> Accepted:
    assert isinstance(command, MakeReferral)
    request = command.request
    person = Identity(
        request.person.given_name, request.person.family_name, request.person.date_of_birth
    )
    pid = participant_id(
        intake.participant_key, person.given_name, person.family_name, person.date_of_birth
    )
    referral_id = uuid4()
    referrals_of_person = await uow.participants.note(pid, referral_id)
    decided = referral.MakeReferral(
        referral_id=referral_id,
        participant_id=pid,
        is_re_referral=referrals_of_person > 1,
        site=request.site,
        pathway=request.pathway,
        referred_at=request.referred_at,
        referring_agency=request.referring_agency,
        gender=request.gender,
        ethnicity=request.ethnicity,
        age_at_referral=age_on(person.date_of_birth, request.referred_at.date()),
        arrest=request.arrest,
    )
    events = referral.decide(decided, referral.INITIAL, intake.clock(), intake.program)
    await uow.identities.keep(pid, person)
    await _record(uow, command.write, str(referral_id), 0, events, request.referred_at)
    await uow.referrals.save(state_from(events))
    answer = {
        "referral_id": str(referral_id),
        "participant_id": str(pid),
        "is_re_referral": decided.is_re_referral,
    }
    return Accepted("created", answer)


async def record_case_event(command: Any, uow: IntakeUnitOfWork, intake: Intake) -> Accepted:
    assert isinstance(command, RecordCaseEvent)
    step = _with_case_manager(command, intake.program)
    stream = str(step.referral_id)
    before = await uow.events.read(stream)
    state = state_from(e.payload for e in before)
    events = referral.decide(step, state, intake.clock(), intake.program)
    if isinstance(step, referral.RecordDemographics):
        participant = f"participant-{state.participant_id}"
        version = await uow.events.version(participant)
        reported_at = step.reported_at or intake.clock()
        await _record(uow, command.write, participant, version, events, reported_at)
    else:
        await _record(uow, command.write, stream, len(before), events, _occurred_at(step))
        await uow.referrals.save(state_from(events, state))
    return Accepted("accepted", {"referral_id": stream, "accepted": True})


async def record_program_record(command: Any, uow: IntakeUnitOfWork, intake: Intake) -> Accepted:
    """A naloxone or evaluation record (each a record of its own, ``created``): the first event
    of a new stream, or one more event of an enrolled evaluation subject."""
    assert isinstance(command, RecordProgramRecord)
    kept = command.record
    today = intake.clock().date()
    if isinstance(kept, records.ForSubject):
        stream = str(kept.subject_id)
        version = await uow.events.version(stream)
        event = records.record(kept, today, subject_enrolled=version > 0)
    else:
        event = records.record(kept, today)
        stream, version = str(event.subject), 0
    day = records.day_of(kept)
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    await _record(uow, command.write, stream, version, [event], at)
    return Accepted("created", {event.subject_field: str(event.subject)})


HANDLERS: dict[type[Command], Callable[[Any, IntakeUnitOfWork, Intake], Awaitable[Accepted]]] = {
    MakeReferral: make_referral,
    RecordCaseEvent: record_case_event,
    RecordProgramRecord: record_program_record,
}

RECORD_TYPES = {
    "ReferralMade": "referral",
    "DemographicsRecorded": "participant",
    "NaloxoneDistributed": "naloxone_distribution",
    "NaloxoneUseReported": "naloxone_use",
    "CohortMemberEnrolled": "evaluation_subject",
    "JusticeContactRecorded": "evaluation_subject",
    "ProbationSpellRecorded": "evaluation_subject",
}
"""What the audit trail calls the record an event belongs to (referral events: ``referral``)."""


async def _record(
    uow: IntakeUnitOfWork,
    write: Write,
    stream: str,
    version: int,
    events: Sequence[EventPayload],
    occurred_at: datetime,
) -> None:
    """Append the events (with their outbox rows) and audit the write; a write accepted as
    already true (no events) records nothing but its audit line."""
    if not events:
        await uow.audit.record(write.caller, write.action, "referral", stream, "unchanged")
        return
    envelopes = [
        new_envelope(e, occurred_at=occurred_at, source=SOURCE, correlation_id=write.correlation_id)
        for e in events
    ]
    try:
        await uow.events.append(stream, version, envelopes)
    except ConcurrencyConflict as conflict:
        raise Conflict(f"{conflict}; reload and try again") from conflict
    record_type = RECORD_TYPES.get(events[0].event_type, "referral")
    await uow.audit.record(write.caller, write.action, record_type, stream, "recorded")


def _occurred_at(step: referral.Command) -> datetime:
    match step:
        case referral.RecordAssessment() | referral.RecordCarePlan():
            return step.completed_at
        case referral.ChangeStatus():
            return step.changed_at
        case referral.RecordWithdrawal():
            return step.withdrew_at
    raise TypeError(step)


def _with_case_manager(command: RecordCaseEvent, program: Program) -> referral.Command:
    """A completion names its case-management agency: the caller's own unless given (an
    admin's default: the site's first case-management agency)."""
    step = command.step
    if not isinstance(step, referral.RecordAssessment | referral.RecordCarePlan):
        return step
    if step.case_manager_agency:
        return step
    caller = command.write.caller
    agency = caller.agency
    if caller.is_admin:
        site = program.site(command.site)
        agency = site.case_management[0] if site else caller.agency
    return type(step)(step.referral_id, step.completed_at, agency)
