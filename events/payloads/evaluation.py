"""Outcome-evaluation events: cohort subjects and their justice contacts."""

from datetime import date
from typing import ClassVar, Self
from uuid import UUID

from pydantic import Field, model_validator

from events.categories import Cohort, Ethnicity, Gender, JusticeContactKind, SiteCode
from events.payloads.base import EventPayload
from events.payloads.referral import Age


class _AboutEvaluationSubject(EventPayload):
    subject_field: ClassVar[str] = "subject_id"


class CohortMemberEnrolled(_AboutEvaluationSubject):
    """A subject of the LEAD or comparison cohort, with its index date and baseline covariates."""

    subject_id: UUID
    cohort: Cohort
    site: SiteCode
    index_date: date
    age: Age
    gender: Gender
    ethnicity: Ethnicity
    prior_arrests_12mo: int = Field(ge=0)


class JusticeContactRecorded(_AboutEvaluationSubject):
    subject_id: UUID
    kind: JusticeContactKind
    occurred_on: date


class ProbationSpellRecorded(_AboutEvaluationSubject):
    subject_id: UUID
    start_on: date
    end_on: date

    @model_validator(mode="after")
    def _ends_after_start(self) -> Self:
        if self.end_on < self.start_on:
            raise ValueError("end_on is before start_on")
        return self
