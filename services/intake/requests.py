"""What callers send to intake (HTTP bodies and inbound submissions)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from events.categories import AgencyCode, Ethnicity, Gender, Pathway, SiteCode
from events.payloads import Arrest

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def _plausible(day: date) -> date:
    """Dates far outside the program's lifetime are typos (and would not survive storage)."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"must lie between {EARLIEST} and {LATEST}")
    return day


def _plausible_moment(moment: datetime) -> datetime:
    _plausible(moment.date())
    return moment


Day = Annotated[date, AfterValidator(_plausible)]
"""An ISO date (``2019-05-14``) within 1900-2100."""
Moment = Annotated[AwareDatetime, AfterValidator(_plausible_moment)]
"""A timestamp with a UTC offset (``2019-05-14T10:30:00-07:00``) within 1900-2100."""


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
