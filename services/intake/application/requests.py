"""What callers send to intake, validated field by field (the HTTP bodies, the inbound
submissions and, through them, the forms of the pages): every field's rule in one place."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from events.categories import (
    AgencyCode,
    Cohort,
    Ethnicity,
    Gender,
    JusticeContactKind,
    NaloxoneChannel,
    ParticipantStatus,
    Pathway,
    SiteCode,
)
from events.common import Day, Moment, Text
from events.payloads import Arrest

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(Request):
    """Used only to derive the participant id; never published, never logged."""

    given_name: Name
    family_name: Name
    date_of_birth: Day


class ReferralRequest(Request):
    pathway: Pathway
    site: SiteCode
    referred_at: Moment
    referring_agency: AgencyCode
    person: Person
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    arrest: Arrest | None = Field(default=None, description="required for prebooking")


class ReferralAccepted(BaseModel):
    referral_id: str
    participant_id: str
    is_re_referral: bool


class CompletionBody(Request):
    completed_at: Moment
    case_manager_agency: AgencyCode | None = None
    """Defaults to the caller's agency (an admin's: the site's first case-management agency)."""


class StatusBody(Request):
    status: ParticipantStatus
    reason: Text
    changed_at: Moment


class WithdrawalBody(Request):
    withdrew_at: Moment


class DemographicsBody(Request):
    gender: Gender
    ethnicity: Ethnicity
    recorded_at: Moment | None = None
    """When the participant reported them (default: now)."""


class DistributionBody(Request):
    channel: NaloxoneChannel
    kits: Annotated[int, Field(ge=1, le=1_000_000)]
    distributed_on: Day
    doses: Annotated[int | None, Field(ge=1, le=10_000_000)] = None


class UseBody(Request):
    channel: NaloxoneChannel
    uses: Annotated[int, Field(ge=0, le=1_000_000)]
    reported_on: Day


class CohortMemberBody(Request):
    cohort: Cohort
    site: SiteCode
    index_date: Day
    age: Annotated[int, Field(ge=0, le=130)]
    gender: Gender
    ethnicity: Ethnicity
    prior_arrests_12mo: Annotated[int, Field(ge=0, le=1000)]
    subject_ref: Annotated[str | None, Field(max_length=100)] = None


class JusticeContactBody(Request):
    subject_id: UUID
    kind: JusticeContactKind
    occurred_on: Day


class ProbationSpellBody(Request):
    subject_id: UUID
    start_on: Day
    end_on: Day
