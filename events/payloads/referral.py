"""Events intake records about a referral and its participant (`lead.referral.events`)."""

from typing import Annotated, ClassVar, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from events.categories import (
    AgencyCode,
    Ethnicity,
    Gender,
    ParticipantStatus,
    Pathway,
    SiteCode,
)
from events.common import Charge, ContractModel, Reference, Text
from events.payloads.base import EventPayload

Age = Annotated[int, Field(ge=0, le=130)]


class Arrest(ContractModel):
    """The arrest a pre-booking referral diverts; its charges are held in abeyance."""

    report_number: Reference
    arresting_agency: AgencyCode
    prosecuting_agency: AgencyCode
    charges: tuple[Charge, ...] = Field(min_length=1)


def arrest_problem(pathway: Pathway, arrest: Arrest | None) -> str | None:
    """Only a pre-booking referral diverts an arrest (its charges are held in abeyance); the
    other pathways hold no charges. What is wrong with ``arrest`` on ``pathway``, if anything."""
    if pathway is Pathway.PREBOOKING and arrest is None:
        return "a prebooking referral needs its arrest"
    if pathway is not Pathway.PREBOOKING and arrest is not None:
        return f"a {pathway.value} referral holds no charges: send no arrest"
    return None


class ReferralMade(EventPayload):
    """A person was referred to LEAD. `participant_id` is pseudonymous."""

    referral_id: UUID
    participant_id: UUID
    site: SiteCode
    pathway: Pathway
    referred_at: AwareDatetime
    referring_agency: AgencyCode
    is_re_referral: bool
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    age_at_referral: Age | None = None
    arrest: Arrest | None = None

    @model_validator(mode="after")
    def _arrest_only_for_prebooking(self) -> Self:
        problem = arrest_problem(self.pathway, self.arrest)
        if problem:
            raise ValueError(problem)
        return self


class _CompletionRecorded(EventPayload):
    referral_id: UUID
    completed_at: AwareDatetime
    case_manager_agency: AgencyCode


class AssessmentCompleted(_CompletionRecorded):
    """The participant completed the assessment with the case manager."""


class CarePlanCompleted(_CompletionRecorded):
    """The participant completed an individualized care plan with the case manager."""


class ParticipantStatusChanged(EventPayload):
    """A case manager marked the referral active or inactive.

    Schema versions:
    1. the new status was in the field `new_status`;
    2. renamed to `status` (as in the HTTP API); version 1 payloads are upcast on read.
    """

    schema_version: ClassVar[int] = 2

    referral_id: UUID
    status: ParticipantStatus
    reason: Text
    changed_at: AwareDatetime


class ParticipantWithdrew(EventPayload):
    referral_id: UUID
    withdrew_at: AwareDatetime


class DemographicsRecorded(EventPayload):
    """Self-reported demographics, recorded after the referral (`unknown` when not reported)."""

    subject_field: ClassVar[str] = "participant_id"

    participant_id: UUID
    gender: Gender
    ethnicity: Ethnicity
