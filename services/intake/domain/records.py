"""Naloxone distribution and outcome-evaluation records: the rules each record obeys.

Each record is one event of its own stream (a distribution, a use report, an evaluation
subject). Pure functions: the caller passes the ids it made and ``today``; each returns the
event or raises ``ValidationFailure`` naming the field (``NotFound`` for a contact of a subject
that was never enrolled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final
from uuid import UUID

from pydantic import ValidationError

from events.categories import Cohort, Ethnicity, Gender, JusticeContactKind, NaloxoneChannel
from events.payloads import (
    CohortMemberEnrolled,
    EventPayload,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ProbationSpellRecorded,
)
from services.intake.domain.errors import NotFound, ValidationFailure

DOSES_PER_KIT: Final = 2
"""A naloxone kit holds two doses (domain.md), unless the distribution says otherwise."""


@dataclass(frozen=True)
class RecordDistribution:
    distribution_id: UUID
    channel: NaloxoneChannel
    kits: int
    distributed_on: date
    doses: int | None = None


@dataclass(frozen=True)
class ReportUses:
    report_id: UUID
    channel: NaloxoneChannel
    uses: int
    reported_on: date


@dataclass(frozen=True)
class EnrollCohortMember:
    subject_id: UUID
    cohort: Cohort
    site: str
    index_date: date
    age: int
    gender: Gender
    ethnicity: Ethnicity
    prior_arrests_12mo: int


@dataclass(frozen=True)
class RecordJusticeContact:
    subject_id: UUID
    kind: JusticeContactKind
    occurred_on: date


@dataclass(frozen=True)
class RecordProbationSpell:
    subject_id: UUID
    start_on: date
    end_on: date


Record = (
    RecordDistribution
    | ReportUses
    | EnrollCohortMember
    | RecordJusticeContact
    | RecordProbationSpell
)
ForSubject = RecordJusticeContact | RecordProbationSpell
"""Records about an enrolled evaluation subject."""


def record(command: Record, today: date, *, subject_enrolled: bool = False) -> EventPayload:
    """The event ``command`` records; ``subject_enrolled`` for records about a subject."""
    _not_future(command, today)
    if isinstance(command, RecordJusticeContact | RecordProbationSpell) and not subject_enrolled:
        raise NotFound(f"no evaluation subject {command.subject_id}")
    try:
        return _event(command)
    except ValidationError as error:
        raise ValidationFailure.from_validation(error) from error


def day_of(command: Record) -> date:
    """The day the record is about (its event's time in the world)."""
    match command:
        case RecordDistribution():
            return command.distributed_on
        case ReportUses():
            return command.reported_on
        case EnrollCohortMember():
            return command.index_date
        case RecordJusticeContact():
            return command.occurred_on
        case RecordProbationSpell():
            return command.start_on


def _not_future(command: Record, today: date) -> None:
    field = {
        RecordDistribution: "distributed_on",
        ReportUses: "reported_on",
        EnrollCohortMember: "index_date",
        RecordJusticeContact: "occurred_on",
    }.get(type(command))
    if field is not None and getattr(command, field) > today:
        raise ValidationFailure.of(field, "lies in the future")
    if isinstance(command, RecordProbationSpell) and command.end_on < command.start_on:
        raise ValidationFailure.of("end_on", "is before start_on")


def _event(command: Record) -> EventPayload:
    match command:
        case RecordDistribution():
            return NaloxoneDistributed(
                distribution_id=command.distribution_id,
                channel=command.channel,
                kits=command.kits,
                doses=command.doses or command.kits * DOSES_PER_KIT,
                distributed_on=command.distributed_on,
            )
        case ReportUses():
            return NaloxoneUseReported(
                report_id=command.report_id,
                channel=command.channel,
                uses=command.uses,
                reported_on=command.reported_on,
            )
        case EnrollCohortMember():
            return CohortMemberEnrolled(**vars(command))
        case RecordJusticeContact():
            return JusticeContactRecorded(**vars(command))
        case RecordProbationSpell():
            return ProbationSpellRecorded(**vars(command))
