"""The notice a prosecuting agency receives on its own topic, `lead.notices.<agency>`.

A notice carries only what the prosecutor needs for the charge decision: the case reference,
the charges, the decision and its dates. Never assessment or care plan content, diagnoses or
anything else about treatment (42 CFR part 2).
"""

from datetime import date
from typing import Final, Self
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from events.categories import NoticeDecision
from events.common import CaseReference
from events.topics import notices_topic

REDISCLOSURE_STATEMENT: Final = (
    "This record which has been disclosed to you is protected by Federal confidentiality rules "
    "(42 CFR part 2). These rules prohibit you from using or disclosing this record, or "
    "testimony that describes the information contained in this record, in any civil, "
    "criminal, administrative, or legislative proceedings by any Federal, State, or local "
    "authority, against the patient, unless authorized by the consent of the patient, except "
    "as provided at 42 CFR 2.12(c)(5) or as authorized by a court in accordance with 42 CFR "
    "2.64 or 2.65. In addition, the Federal rules prohibit you from making any other use or "
    "disclosure of this record unless at least one of the following applies: (i) Further use "
    "or disclosure is expressly permitted by the written consent of the individual whose "
    "information is being disclosed in this record or as otherwise permitted by 42 CFR part 2. "
    "(ii) You are a covered entity or business associate and have received the record for "
    "treatment, payment, or health care operations, or (iii) You have received the record from "
    "a covered entity or business associate as permitted by 45 CFR part 164, subparts A and E. "
    "A general authorization for the release of medical or other information is NOT sufficient "
    "to meet the required elements of written consent to further use or redisclose the record "
    "(see 42 CFR 2.31)."
)
"""Statement 1 of 42 CFR 2.32(a)(1) (as revised in 2024), which must accompany the disclosure."""

NOTICE_EVENT_TYPE: Final = "ProsecutorNotice"
"""The envelope's ``event_type`` of a notice on its agency's topic (the payload is the notice)."""


class Notice(CaseReference):
    """A charge-decline, expiry or rescission notice for one prosecuting agency.

    The date named after the decision (`declined_on`, `expired_on`, `rescinded_on`) is required.
    """

    notice_id: UUID
    decision: NoticeDecision
    issued_at: AwareDatetime
    referred_on: date
    deadline_on: date
    declined_on: date | None = None
    expired_on: date | None = None
    rescinded_on: date | None = None
    ended_on: date | None = None
    """On a rescinded expiry whose abeyance ended without a decline (the participant withdrew
    by the deadline, recorded after the expiry): the day it ended. Charges were not declined."""
    redisclosure_statement: str = Field(default=REDISCLOSURE_STATEMENT, min_length=1)

    @model_validator(mode="after")
    def _decision_dated(self) -> Self:
        decided_on = {
            NoticeDecision.DECLINED: self.declined_on,
            NoticeDecision.EXPIRED: self.expired_on,
            NoticeDecision.RESCINDED: self.rescinded_on,
        }[self.decision]
        if decided_on is None:
            raise ValueError(f"a {self.decision} notice needs {self.decision}_on")
        return self

    @property
    def subject(self) -> str:
        """The Kafka key: the referral, so a referral's notices stay in order."""
        return str(self.referral_id)

    @property
    def topic(self) -> str:
        return notices_topic(self.prosecuting_agency)
