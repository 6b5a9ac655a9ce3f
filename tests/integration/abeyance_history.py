"""A synthetic history of pre-booking referrals for abeyance tests (seeded, deterministic).

Each referral follows one story: completed in time, assessment only, nothing, completed in time
but recorded late (after the expiry), withdrew, or completed after the deadline. Events are
returned in the order they were recorded, each with its ``recorded_at``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from events.categories import Pathway
from events.common import Charge
from events.envelope import Envelope, new_envelope
from events.payloads import (
    Arrest,
    AssessmentCompleted,
    CarePlanCompleted,
    EventPayload,
    ParticipantWithdrew,
    ReferralMade,
)

STORIES = ("completed", "assessment_only", "nothing", "late_record", "withdrew", "too_late")


@dataclass(frozen=True)
class Recorded:
    recorded_at: datetime
    envelope: Envelope


def _uuid(rng: random.Random) -> UUID:
    return UUID(int=rng.getrandbits(128), version=4)


def history(count: int, seed: int = 7, start: datetime | None = None) -> list[Recorded]:
    rng = random.Random(seed)
    start = start or datetime(2019, 6, 3, 16, 0, tzinfo=UTC)
    spacing = timedelta(days=120) / count
    out: list[Recorded] = []
    for i in range(count):
        referred = start + spacing * i + timedelta(minutes=rng.randint(0, 120))
        out += _story(rng, referred, STORIES[i % len(STORIES)], i)
    return sorted(out, key=lambda r: r.recorded_at)


def _story(rng: random.Random, referred: datetime, story: str, i: int) -> list[Recorded]:
    rid = _uuid(rng)
    made = ReferralMade(
        referral_id=rid,
        participant_id=_uuid(rng),
        site="hollywood",
        pathway=Pathway.PREBOOKING,
        referred_at=referred,
        referring_agency="lapd",
        is_re_referral=False,
        arrest=Arrest(
            report_number=f"R-{i:05d}",
            arresting_agency="lapd",
            prosecuting_agency="lacityatty",
            charges=(Charge(statute="HS 11350(a)", description="possession", level="misdemeanor"),),
        ),
    )
    prompt = timedelta(minutes=rng.randint(1, 50))
    steps: list[tuple[EventPayload, datetime, timedelta]] = [(made, referred, prompt)]
    day = timedelta(days=1)
    if story in ("completed", "assessment_only"):
        at = referred + day * rng.randint(1, 12)
        steps.append((_assessment(rid, at), at, prompt))
    if story == "completed":
        at = referred + day * rng.randint(13, 28)
        steps.append((_care_plan(rid, at), at, prompt))
    if story == "late_record":
        at = referred + day * 5
        steps.append((_assessment(rid, at), at, prompt))
        at = referred + day * 28
        steps.append((_care_plan(rid, at), at, day * 9))  # recorded well after the expiry
    if story == "withdrew":
        at = referred + day * 10
        steps.append((ParticipantWithdrew(referral_id=rid, withdrew_at=at), at, prompt))
    if story == "too_late":
        at = referred + day * 3
        steps.append((_assessment(rid, at), at, prompt))
        at = referred + day * 40
        steps.append((_care_plan(rid, at), at, prompt))
    return [
        Recorded(
            at + delay, new_envelope(e, occurred_at=at, source="tests", recorded_at=at + delay)
        )
        for e, at, delay in steps
    ]


def _assessment(rid: UUID, at: datetime) -> AssessmentCompleted:
    return AssessmentCompleted(referral_id=rid, completed_at=at, case_manager_agency="chpla")


def _care_plan(rid: UUID, at: datetime) -> CarePlanCompleted:
    return CarePlanCompleted(referral_id=rid, completed_at=at, case_manager_agency="chpla")
