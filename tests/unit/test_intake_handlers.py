"""Intake's handlers on the in-memory unit of work: every write's path, in milliseconds.

Given what intake holds, when a command is handled, then these events, outbox messages, read
model rows and audit lines, or a refusal that leaves nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from uuid import UUID

import pytest

from events.categories import Ethnicity, Gender, NaloxoneChannel, ParticipantStatus
from services.intake.adapters.memory import IntakeMemory, MemoryIntakeUnitOfWork
from services.intake.application import queries
from services.intake.application.commands import (
    Accepted,
    MakeReferral,
    RecordCaseEvent,
    RecordProgramRecord,
    Write,
)
from services.intake.application.handlers import Intake, handle
from services.intake.application.requests import ReferralRequest
from services.intake.domain import records, referral
from services.intake.domain.errors import Conflict, NotFound, ValidationFailure
from services.platform.auth import Caller, Role
from services.platform.idempotency import IdempotencyKeyReused
from services.program import load_program

T = TypeVar("T")
NOW = datetime(2024, 5, 20, 17, tzinfo=UTC)
INTAKE = Intake(load_program(), b"handler-test-key", clock=lambda: NOW)
POLICE = Caller(Role.law_enforcement, "lapd", "tok-lapd")
CASE_MANAGER = Caller(Role.case_manager, "chpla", "tok-chpla")
OEND = Caller(Role.oend, "dhs", "tok-oend")
BODY: dict[str, Any] = {
    "pathway": "prebooking",
    "site": "hollywood",
    "referred_at": "2024-05-14T10:30:00-07:00",
    "referring_agency": "lapd",
    "person": {"given_name": "Testa", "family_name": "Synthetic", "date_of_birth": "1990-02-03"},
    "arrest": {
        "report_number": "LAPD-24-0001",
        "arresting_agency": "lapd",
        "prosecuting_agency": "lacityatty",
        "charges": [
            {"statute": "HS 11350(a)", "description": "possession", "level": "misdemeanor"}
        ],
    },
}


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coroutine)


def write(caller: Caller = POLICE, key: str | None = None, body: object = "") -> Write:
    return Write(caller, "POST /test", f"print:{body}", key, "corr-1")


def refer(memory: IntakeMemory, key: str | None = None, **changes: Any) -> Accepted:
    request = ReferralRequest.model_validate(BODY | changes)
    command = MakeReferral(write(key=key, body=request), request)
    return run(handle(command, MemoryIntakeUnitOfWork(memory), INTAKE))


def case_event(memory: IntakeMemory, step: referral.Command, key: str | None = None) -> Accepted:
    command = RecordCaseEvent(write(CASE_MANAGER, key, step), "hollywood", step)
    return run(handle(command, MemoryIntakeUnitOfWork(memory), INTAKE))


def test_a_referral_is_recorded_with_its_outbox_message_view_identity_and_audit() -> None:
    memory = IntakeMemory()
    accepted = refer(memory)
    referral_id = UUID(str(accepted.answer["referral_id"]))
    assert accepted.created and accepted.answer["is_re_referral"] is False
    [stored] = memory.streams[str(referral_id)]
    assert stored.envelope.event_type == "ReferralMade"
    assert stored.envelope.correlation_id == "corr-1"
    assert [m.topic for m in memory.outbox] == ["lead.referral.events"]
    assert b"Testa" not in memory.outbox[0].body  # no name on the bus
    assert memory.referrals[referral_id][0] == "hollywood"
    assert [(a[0], a[4]) for a in memory.audit] == [("tok-lapd", "recorded")]
    assert refer(memory).answer["is_re_referral"] is True  # the same person again


def test_the_same_key_and_request_get_the_first_answer_and_record_nothing_more() -> None:
    memory = IntakeMemory()
    first = refer(memory, key="k-1")
    again = refer(memory, key="k-1")
    assert again == first and len(memory.streams) == 1 and len(memory.outbox) == 1
    with pytest.raises(IdempotencyKeyReused):
        refer(memory, key="k-1", site="east-la")  # another request under the same key


def test_an_invalid_referral_is_refused_field_by_field_and_leaves_nothing() -> None:
    memory = IntakeMemory()
    with pytest.raises(ValidationFailure) as failure:
        refer(memory, key="k-2", site="hollywood", referring_agency="lasd")
    assert "referring_agency" in failure.value.fields
    assert memory.streams == {} and memory.outbox == [] and memory.identities == {}
    assert memory.answers == {}  # the key is free for the corrected request


def test_case_events_follow_the_referral_and_update_its_view() -> None:
    memory = IntakeMemory()
    referral_id = UUID(str(refer(memory).answer["referral_id"]))
    assessed = referral.RecordAssessment(referral_id, NOW, "")
    assert case_event(memory, assessed) == Accepted(
        "accepted", {"referral_id": str(referral_id), "accepted": True}
    )
    [_, event] = memory.streams[str(referral_id)]
    assert event.payload.model_dump()["case_manager_agency"] == "chpla"  # the caller's own
    with pytest.raises(Conflict):
        case_event(memory, assessed)
    left = referral.RecordWithdrawal(referral_id, NOW)
    case_event(memory, left)
    assert memory.referrals[referral_id][1]["status"] == ParticipantStatus.INACTIVE
    inactive = referral.ChangeStatus(referral_id, ParticipantStatus.INACTIVE, "left", NOW)
    case_event(memory, inactive)  # accepted as already true: nothing recorded
    assert len(memory.streams[str(referral_id)]) == 3
    assert memory.audit[-1][4] == "unchanged"


def test_demographics_are_recorded_on_the_participant() -> None:
    memory = IntakeMemory()
    accepted = refer(memory)
    referral_id = UUID(str(accepted.answer["referral_id"]))
    reported = referral.RecordDemographics(referral_id, Gender.TRANS_WOMAN, Ethnicity.LATINX)
    case_event(memory, reported)
    [event] = memory.streams[f"participant-{accepted.answer['participant_id']}"]
    assert event.envelope.event_type == "DemographicsRecorded"
    assert event.envelope.occurred_at == NOW  # reported now, unless said otherwise


def test_a_case_event_of_an_unknown_referral_is_not_found() -> None:
    step = referral.RecordCarePlan(UUID(int=7), NOW, "chpla")
    with pytest.raises(NotFound):
        case_event(IntakeMemory(), step)


def program_record(memory: IntakeMemory, kept: records.Record) -> Accepted:
    command = RecordProgramRecord(write(OEND, body=kept), kept)
    return run(handle(command, MemoryIntakeUnitOfWork(memory), INTAKE))


def test_a_distribution_counts_two_doses_a_kit_unless_told() -> None:
    memory = IntakeMemory()
    two = records.RecordDistribution(
        UUID(int=1), NaloxoneChannel.JAIL_VENDING, 25, date(2024, 5, 1)
    )
    assert program_record(memory, two).answer == {"distribution_id": str(UUID(int=1))}
    [stored] = memory.streams[str(UUID(int=1))]
    assert stored.envelope.payload["doses"] == 50


@pytest.mark.parametrize(
    ("kept", "field"),
    [
        (
            records.ReportUses(UUID(int=2), NaloxoneChannel.DHS_PROVIDERS, 3, date(2024, 6, 1)),
            "reported_on",
        ),
        (records.RecordProbationSpell(UUID(int=3), date(2024, 2, 1), date(2024, 1, 1)), "end_on"),
    ],
    ids=["future", "order"],
)
def test_records_obey_their_dates(kept: records.Record, field: str) -> None:
    with pytest.raises(ValidationFailure) as failure:
        program_record(IntakeMemory(), kept)
    assert failure.value.fields == [field]


def test_a_contact_of_a_subject_never_enrolled_is_not_found() -> None:
    contact = records.RecordJusticeContact(UUID(int=4), "felony_arrest", date(2024, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        program_record(IntakeMemory(), contact)


def test_reading_a_referral_shows_the_person_and_is_audited_until_forgotten() -> None:
    memory = IntakeMemory()
    accepted = refer(memory)
    referral_id = UUID(str(accepted.answer["referral_id"]))
    view = run(queries.read_referral(MemoryIntakeUnitOfWork(memory), CASE_MANAGER, referral_id))
    assert (view["identity"], view["person"]["given_name"]) == ("kept", "Testa")
    participant = UUID(str(accepted.answer["participant_id"]))
    assert run(
        queries.forget_participant(MemoryIntakeUnitOfWork(memory), CASE_MANAGER, participant)
    )
    view = run(queries.read_referral(MemoryIntakeUnitOfWork(memory), CASE_MANAGER, referral_id))
    assert (view["identity"], view["person"]) == ("forgotten", None)
    assert [a[1] for a in memory.audit][-3:] == ["GET referral", "forget", "GET referral"]
