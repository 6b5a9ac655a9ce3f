"""Category codes used in events, as published by the LA County LEAD program.

Sites and agencies are configuration, not code: events carry them as slug strings
(`SiteCode`, `AgencyCode`), and `Site` only names the codes shipped as defaults.
"""

from enum import StrEnum
from typing import Annotated, Final

from pydantic import StringConstraints

SLUG_PATTERN: Final = r"^[a-z0-9][a-z0-9-]*$"

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
SiteCode = Slug
AgencyCode = Slug


class Site(StrEnum):
    """The sites shipped as defaults; any other slug configured for a deployment is valid."""

    SOUTH_LA_NORTH_LONG_BEACH = "south-la-north-long-beach"
    HOLLYWOOD = "hollywood"
    EAST_LA = "east-la"


class Pathway(StrEnum):
    PREBOOKING = "prebooking"
    SOCIAL_CONTACT = "social_contact"
    COMMUNITY = "community"


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    INACTIVE = "inactive"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"
    TRANS_WOMAN = "trans_woman"
    TRANS_MAN = "trans_man"
    OTHER = "other"
    UNKNOWN = "unknown"


class Ethnicity(StrEnum):
    BLACK = "black"
    ASIAN_PACIFIC_ISLANDER = "asian_pacific_islander"
    WHITE = "white"
    LATINX = "latinx"
    NATIVE_AMERICAN = "native_american"
    OTHER = "other"
    UNKNOWN = "unknown"


class NaloxoneChannel(StrEnum):
    DHS_PROVIDERS = "dhs_providers"
    LA_50K_PARTNERS = "la_50k_partners"
    OEND_DIRECT_TO_COMMUNITY = "oend_direct_to_community"
    JAIL_VENDING = "jail_vending"
    JAIL_IN_CUSTODY = "jail_in_custody"


class ChargeLevel(StrEnum):
    MISDEMEANOR = "misdemeanor"
    FELONY = "felony"


class Cohort(StrEnum):
    LEAD = "lead"
    COMPARISON = "comparison"


class JusticeContactKind(StrEnum):
    MISDEMEANOR_ARREST = "misdemeanor_arrest"
    FELONY_ARREST = "felony_arrest"
    FELONY_CASE_FILED = "felony_case_filed"


class NoticeDecision(StrEnum):
    DECLINED = "declined"
    EXPIRED = "expired"
    RESCINDED = "rescinded"


class CompletionStep(StrEnum):
    """A step a pre-booking participant completes while charges are held in abeyance."""

    ASSESSMENT = "assessment"
    CARE_PLAN = "care_plan"
