"""What callers send to intake (HTTP bodies and inbound submissions)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from events.categories import AgencyCode, Ethnicity, Gender, Pathway, SiteCode
from events.payloads import Arrest

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(Request):
    """Used only to derive the participant id; never published, never logged."""

    given_name: Name
    family_name: Name
    date_of_birth: date


class ReferralRequest(Request):
    pathway: Pathway
    site: SiteCode
    referred_at: AwareDatetime
    referring_agency: AgencyCode
    person: Person
    gender: Gender | None = None
    ethnicity: Ethnicity | None = None
    arrest: Arrest | None = Field(default=None, description="required for prebooking")


class ReferralAccepted(BaseModel):
    referral_id: str
    participant_id: str
    is_re_referral: bool
