"""Building blocks shared by event payloads and prosecutor notices."""

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from events.categories import AgencyCode, ChargeLevel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""Free text that must say something (a reason, a basis, a description); spaces around it are
dropped, so blank text is refused."""

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""An agency's own case reference, such as a police report number (not blank)."""


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


class ContractModel(BaseModel):
    """Every contract model is immutable and rejects fields it does not know."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Charge(ContractModel):
    statute: Reference
    description: Text
    level: ChargeLevel


class CaseReference(ContractModel):
    """What identifies a held case to its prosecutor: never anything about treatment."""

    referral_id: UUID
    prosecuting_agency: AgencyCode
    report_number: Reference
    charges: tuple[Charge, ...] = Field(min_length=1)
