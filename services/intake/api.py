"""Intake's HTTP routes: thin adapters from requests to the referral decider."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request, status

from events.envelope import new_envelope
from services.intake.domain import referral
from services.intake.domain.participants import age_on, participant_id
from services.intake.requests import ReferralAccepted, ReferralRequest
from services.platform.auth import Caller, Role, forbid
from services.platform.db import Connection
from services.platform.http import caller_of, runtime_of

router = APIRouter()

PATHWAYS_BY_ROLE = {
    Role.law_enforcement: {"prebooking", "social_contact"},
    Role.justice_partner: {"social_contact"},
    Role.community_partner: {"community"},
}


def check_may_refer(caller: Caller, body: ReferralRequest) -> None:
    if caller.is_admin:
        return
    if body.pathway not in PATHWAYS_BY_ROLE.get(caller.role, set()):
        raise forbid(f"role {caller.role} may not make {body.pathway} referrals")
    if body.referring_agency != caller.agency:
        raise forbid(f"a {caller.agency} token may only refer as {caller.agency}")


@router.post("/referrals", status_code=status.HTTP_201_CREATED, response_model=ReferralAccepted)
async def make_referral(
    body: ReferralRequest, request: Request, caller: Caller = Depends(caller_of)
) -> ReferralAccepted:
    check_may_refer(caller, body)
    runtime = runtime_of(request)
    key = runtime.settings.participant_key.get_secret_value().encode()
    person = body.person
    pid = participant_id(key, person.given_name, person.family_name, person.date_of_birth)
    referral_id = uuid4()
    async with runtime.pool.acquire() as conn, conn.transaction():
        is_re_referral = await _note_participant(conn, pid, referral_id)
        command = referral.MakeReferral(
            referral_id=referral_id,
            participant_id=pid,
            is_re_referral=is_re_referral,
            site=body.site,
            pathway=body.pathway,
            referred_at=body.referred_at,
            referring_agency=body.referring_agency,
            gender=body.gender,
            ethnicity=body.ethnicity,
            age_at_referral=age_on(person.date_of_birth, body.referred_at.date()),
            arrest=body.arrest,
        )
        try:
            events = referral.decide(command, referral.INITIAL, datetime.now(UTC))
        except referral.Rejection as rejection:
            raise HTTPException(rejection.status, rejection.reason) from rejection
        correlation = request.headers.get("x-correlation-id") or str(uuid4())
        envelopes = [
            new_envelope(
                e, occurred_at=body.referred_at, source="intake", correlation_id=correlation
            )
            for e in events
        ]
        await runtime.store.append(str(referral_id), 0, envelopes, conn=conn)
    return ReferralAccepted(
        referral_id=str(referral_id), participant_id=str(pid), is_re_referral=is_re_referral
    )


async def _note_participant(conn: Connection, pid: UUID, referral_id: UUID) -> bool:
    """Record the participant; True when they were referred before (a re-referral)."""
    first = await conn.fetchval(
        "INSERT INTO participants (participant_id, first_referral_id) VALUES ($1, $2)"
        " ON CONFLICT (participant_id) DO UPDATE"
        " SET referral_count = participants.referral_count + 1"
        " RETURNING first_referral_id",
        pid,
        referral_id,
    )
    return bool(first != referral_id)
