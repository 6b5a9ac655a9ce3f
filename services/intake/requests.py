"""What callers send to intake (HTTP bodies and inbound submissions)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from events.categories import AgencyCode, Ethnicity, Gender, Pathway, SiteCode
from events.common import Day, Moment
from events.payloads import Arrest

__all__ = ["Day", "Moment", "Person", "ReferralAccepted", "ReferralRequest", "Request"]

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
