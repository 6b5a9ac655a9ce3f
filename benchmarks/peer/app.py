"""The peer: what a user would write with a general-purpose library for the same job.

``POST /referrals`` validated by pydantic (the same body as intake's), the person turned into a
pseudonymous id (keyed hash), a ``Referral`` aggregate created with its ``ReferralMade`` event
and saved by the ``eventsourcing`` library's PostgreSQL recorder, behind a minimal FastAPI app.
Runs in its own virtual environment (``benchmarks/peer/__init__.py`` makes it), never imported
by the project.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date
from typing import Literal
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from fastapi import FastAPI
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

KEY = b"peer-participant-key"


class Person(BaseModel):
    model_config = ConfigDict(extra="forbid")
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    date_of_birth: date


class Charge(BaseModel):
    statute: str = Field(min_length=1, max_length=64)
    description: str = Field(min_length=1, max_length=500)
    level: Literal["misdemeanor", "felony"]


class Arrest(BaseModel):
    report_number: str = Field(min_length=1, max_length=64)
    arresting_agency: str
    prosecuting_agency: str
    charges: list[Charge] = Field(min_length=1)


class ReferralBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pathway: Literal["prebooking", "social_contact", "community"]
    site: str
    referred_at: AwareDatetime
    referring_agency: str
    person: Person
    gender: str | None = None
    ethnicity: str | None = None
    arrest: Arrest | None = None


class Referral(Aggregate):
    @event("Made")
    def __init__(self, participant_id: str, fields: dict[str, object]) -> None:
        self.participant_id = participant_id
        self.fields = fields


class Referrals(Application):
    def make(self, participant_id: str, fields: dict[str, object]) -> UUID:
        referral = Referral(participant_id, fields)
        self.save(referral)
        return referral.id


app = FastAPI()
referrals = Referrals()


@app.post("/referrals", status_code=201)
def make_referral(body: ReferralBody) -> dict[str, str]:
    person = body.person
    material = f"{person.given_name.lower()}|{person.family_name.lower()}|{person.date_of_birth}"
    participant = hmac.new(KEY, material.encode(), hashlib.sha256).hexdigest()[:32]
    fields = body.model_dump(mode="json", exclude={"person"})
    referral_id = referrals.make(participant, fields)
    return {"referral_id": str(referral_id), "participant_id": participant}
