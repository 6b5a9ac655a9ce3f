"""Intake's HTTP routes: thin adapters from requests to the referral decider."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from events.categories import AgencyCode, Ethnicity, Gender, ParticipantStatus
from events.payloads import DemographicsRecorded
from events.registry import decode
from services.intake import commands, identities
from services.intake.domain import referral
from services.intake.domain.rejections import Rejection, ValidationFailure
from services.intake.requests import Moment, ReferralAccepted, ReferralRequest
from services.intake.requests import Request as Body
from services.intake.writes import Decision, record, stream_version
from services.platform.audit import audit
from services.platform.auth import Caller, Role, forbid
from services.platform.db import Connection
from services.platform.http import caller_of, runtime_of

router = APIRouter(tags=["referrals"])

PATHWAYS_BY_ROLE = {
    Role.law_enforcement: {"prebooking", "social_contact"},
    Role.justice_partner: {"social_contact"},
    Role.community_partner: {"community"},
}
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class CompletionBody(Body):
    completed_at: Moment
    case_manager_agency: AgencyCode | None = None
    """Defaults to the caller's agency (an admin must name it when the site has several)."""


class StatusBody(Body):
    status: ParticipantStatus
    reason: Reason
    changed_at: Moment


class WithdrawalBody(Body):
    withdrew_at: Moment


def http_error(rejection: Rejection) -> HTTPException:
    if isinstance(rejection, ValidationFailure):
        detail: Any = [
            {"loc": ["body", *field.split(".")], "msg": message, "type": "value_error"}
            for field, message in rejection.errors
        ]
        return HTTPException(422, detail)
    return HTTPException(rejection.status, rejection.reason)


def context(request: Request) -> commands.IntakeContext:
    ctx: commands.IntakeContext = request.app.state.intake
    return ctx


def check_may_refer(caller: Caller, body: ReferralRequest) -> None:
    if caller.is_admin:
        return
    if body.pathway not in PATHWAYS_BY_ROLE.get(caller.role, set()):
        raise forbid(f"role {caller.role} may not make {body.pathway} referrals")
    if body.referring_agency != caller.agency:
        raise forbid(f"a {caller.agency} token may only refer as {caller.agency}")


@router.post("/referrals", status_code=201, response_model=ReferralAccepted)
async def make_referral(
    body: ReferralRequest, request: Request, caller: Caller = Depends(caller_of)
) -> JSONResponse:
    check_may_refer(caller, body)
    ctx = context(request)

    async def decide(conn: Connection) -> Decision:
        try:
            return await commands.make_referral(conn, ctx, body, datetime.now(UTC))
        except Rejection as rejection:
            raise http_error(rejection) from rejection

    return await record(request, caller, body.model_dump(mode="json"), decide)


async def _site_of(request: Request, referral_id: UUID) -> str:
    async with runtime_of(request).pool.acquire() as conn:
        site: str | None = await conn.fetchval(
            "SELECT site FROM referral_view WHERE referral_id = $1", referral_id
        )
    if site is None:
        raise HTTPException(404, f"referral {referral_id} not found")
    return site


async def case_site(
    referral_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> str:
    """A dependency: the referral's site, once the caller may work on it (a case manager of
    that site, or an admin). Being a dependency, it refuses (403) before a body is validated,
    and a role that may never work on referrals is refused before the referral is looked up:
    its answer is 403 whether the referral exists or not."""
    if not caller.is_admin and caller.role is not Role.case_manager:
        raise forbid(f"role {caller.role} may not work on referrals")
    site_code = await _site_of(request, referral_id)
    if caller.is_admin:
        return site_code
    site = context(request).program.site(site_code)
    if site is None:
        raise forbid(f"role {caller.role} may not work on referrals")
    if caller.agency not in site.case_management:
        raise forbid(f"{caller.agency} is not a case-management agency of {site_code}")
    return site_code


def _case_manager_agency(
    request: Request, caller: Caller, site_code: str, given: str | None
) -> str:
    if given:
        return given
    if not caller.is_admin:
        return caller.agency
    site = context(request).program.site(site_code)
    return site.case_management[0] if site else caller.agency


async def _case_event(
    request: Request, caller: Caller, body: Body, command: referral.Command, at: datetime
) -> JSONResponse:
    ctx = context(request)

    async def decide(conn: Connection) -> Decision:
        try:
            return await commands.record_case_event(conn, ctx, command, at, datetime.now(UTC))
        except Rejection as rejection:
            raise http_error(rejection) from rejection

    return await record(request, caller, body.model_dump(mode="json"), decide)


async def _completion(
    request: Request,
    caller: Caller,
    referral_id: UUID,
    site: str,
    body: CompletionBody,
    step: type[referral.RecordAssessment] | type[referral.RecordCarePlan],
) -> JSONResponse:
    agency = _case_manager_agency(request, caller, site, body.case_manager_agency)
    command = step(referral_id, body.completed_at, agency)
    return await _case_event(request, caller, body, command, body.completed_at)


@router.post("/referrals/{referral_id}/assessment", status_code=202)
async def record_assessment(
    referral_id: UUID,
    body: CompletionBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    site: str = Depends(case_site),
) -> JSONResponse:
    return await _completion(request, caller, referral_id, site, body, referral.RecordAssessment)


@router.post("/referrals/{referral_id}/care-plan", status_code=202)
async def record_care_plan(
    referral_id: UUID,
    body: CompletionBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    site: str = Depends(case_site),
) -> JSONResponse:
    return await _completion(request, caller, referral_id, site, body, referral.RecordCarePlan)


@router.post("/referrals/{referral_id}/status", status_code=202)
async def change_status(
    referral_id: UUID,
    body: StatusBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> JSONResponse:
    command = referral.ChangeStatus(referral_id, body.status, body.reason, body.changed_at)
    return await _case_event(request, caller, body, command, body.changed_at)


@router.post("/referrals/{referral_id}/withdrawal", status_code=202)
async def record_withdrawal(
    referral_id: UUID,
    body: WithdrawalBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> JSONResponse:
    command = referral.RecordWithdrawal(referral_id, body.withdrew_at)
    return await _case_event(request, caller, body, command, body.withdrew_at)


class DemographicsBody(Body):
    gender: Gender
    ethnicity: Ethnicity
    recorded_at: Moment | None = None
    """When the participant reported them (default: now)."""


@router.post("/referrals/{referral_id}/demographics", status_code=202)
async def record_demographics(
    referral_id: UUID,
    body: DemographicsBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> JSONResponse:
    """Self-reported gender and ethnicity of the referral's participant (``unknown`` allowed)."""

    async def decide(conn: Connection) -> Decision:
        state, _ = await commands.load_referral(conn, referral_id)
        assert state.participant_id is not None  # the referral exists (checked above)
        event = DemographicsRecorded(
            participant_id=state.participant_id, gender=body.gender, ethnicity=body.ethnicity
        )
        stream = f"participant-{state.participant_id}"
        version = await stream_version(conn, stream)
        at = body.recorded_at or datetime.now(UTC)
        answer = {"referral_id": str(referral_id), "accepted": True}
        return Decision(stream, version, [event], at, 202, answer, "participant")

    return await record(request, caller, body.model_dump(mode="json"), decide)


@router.get("/referrals/{referral_id}")
async def get_referral(
    referral_id: UUID,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> dict[str, Any]:
    runtime = runtime_of(request)
    async with runtime.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT participant_id, state FROM referral_view WHERE referral_id = $1", referral_id
        )
        assert row is not None  # case_site found it
        view: dict[str, Any] = dict(row["state"])
        view["person"], view["identity"] = await _identity(conn, request, row["participant_id"])
        await audit(conn, caller, "GET referral", "referral", str(referral_id), "read")
    return view


async def _identity(
    conn: Connection, request: Request, participant: UUID
) -> tuple[dict[str, str] | None, str]:
    """The person, for a caller entitled to the referral; after ``forget``, nothing."""
    try:
        who = await identities.reveal(conn, context(request).master, participant)
    except identities.IdentityForgotten:
        return None, "forgotten"
    if who is None:
        return None, "unknown"
    person = {
        "given_name": who.given_name,
        "family_name": who.family_name,
        "date_of_birth": who.date_of_birth.isoformat(),
    }
    return person, "kept"


@router.get("/referrals/{referral_id}/history")
async def get_history(
    referral_id: UUID,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> dict[str, Any]:
    events = await runtime_of(request).store.read_stream(str(referral_id))
    async with runtime_of(request).pool.acquire() as conn:
        await audit(conn, caller, "GET referral history", "referral", str(referral_id), "read")
    return {
        "referral_id": str(referral_id),
        "events": [
            {
                "version": e.version,
                "position": e.position,
                **decode(e.envelope.model_dump(mode="json")).envelope.model_dump(mode="json"),
            }
            for e in events
        ],
    }
