"""Building blocks shared by event payloads and prosecutor notices."""

from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from events.categories import AgencyCode, ChargeLevel

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
"""Free text that must say something (a reason, a basis, a description); spaces around it are
dropped, so blank text is refused."""

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
"""An agency's own case reference, such as a police report number (not blank)."""


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
