"""Intake's HTTP routes for referrals: each turns a request into a command or a query."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.intake.application import queries
from services.intake.application.access import (
    check_may_refer,
    check_may_work_on,
    check_may_work_on_referrals,
)
from services.intake.application.case_steps import CASE_STEPS
from services.intake.application.commands import MakeReferral, RecordCaseEvent
from services.intake.application.requests import (
    CompletionBody,
    DemographicsBody,
    ReferralAccepted,
    ReferralRequest,
    StatusBody,
    WithdrawalBody,
)
from services.intake.domain import referral
from services.intake.entrypoints.web import intake_of, run, unit_of_work, write_of
from services.platform.auth import Caller
from services.platform.http import caller_of

router = APIRouter(tags=["referrals"])


@router.post("/referrals", status_code=201, response_model=ReferralAccepted)
async def make_referral(
    body: ReferralRequest, request: Request, caller: Caller = Depends(caller_of)
) -> JSONResponse:
    check_may_refer(caller, body.pathway, body.referring_agency)
    return await run(request, MakeReferral(write_of(request, caller, body), body))


async def case_site(
    referral_id: UUID, request: Request, caller: Caller = Depends(caller_of)
) -> str:
    """A dependency: the referral's site, once the caller may work on it (a case manager of
    that site, or an admin). Being a dependency, it refuses (403) before a body is validated,
    and a role that may never work on referrals is refused before the referral is looked up:
    its answer is 403 whether the referral exists or not."""
    check_may_work_on_referrals(caller)
    site = await queries.site_of(unit_of_work(request), referral_id)
    check_may_work_on(caller, site, intake_of(request).program)
    return site


async def _case_event(
    request: Request, caller: Caller, site: str, body: Any, step: referral.Command
) -> JSONResponse:
    return await run(request, RecordCaseEvent(write_of(request, caller, body), site, step))


def _completion_route(path: str) -> None:
    """``POST /referrals/{id}/assessment`` and ``/care-plan``: one route shape, two steps."""

    async def record_completion(
        referral_id: UUID,
        body: CompletionBody,
        request: Request,
        caller: Caller = Depends(caller_of),
        site: str = Depends(case_site),
    ) -> JSONResponse:
        completed = CASE_STEPS[path].to_step(referral_id, body)
        return await _case_event(request, caller, site, body, completed)

    name = f"record_{path.replace('-', '_')}"
    router.post(f"/referrals/{{referral_id}}/{path}", status_code=202, name=name)(record_completion)


_completion_route("assessment")
_completion_route("care-plan")


@router.post("/referrals/{referral_id}/status", status_code=202)
async def change_status(
    referral_id: UUID,
    body: StatusBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    site: str = Depends(case_site),
) -> JSONResponse:
    step = CASE_STEPS["status"].to_step(referral_id, body)
    return await _case_event(request, caller, site, body, step)


@router.post("/referrals/{referral_id}/withdrawal", status_code=202)
async def record_withdrawal(
    referral_id: UUID,
    body: WithdrawalBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    site: str = Depends(case_site),
) -> JSONResponse:
    step = CASE_STEPS["withdrawal"].to_step(referral_id, body)
    return await _case_event(request, caller, site, body, step)


@router.post("/referrals/{referral_id}/demographics", status_code=202)
async def record_demographics(
    referral_id: UUID,
    body: DemographicsBody,
    request: Request,
    caller: Caller = Depends(caller_of),
    site: str = Depends(case_site),
) -> JSONResponse:
    """Self-reported gender and ethnicity of the referral's participant (``unknown`` allowed)."""
    step = CASE_STEPS["demographics"].to_step(referral_id, body)
    return await _case_event(request, caller, site, body, step)


@router.get("/referrals/{referral_id}")
async def get_referral(
    referral_id: UUID,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> dict[str, Any]:
    return await queries.read_referral(unit_of_work(request), caller, referral_id)


@router.get("/referrals/{referral_id}/history")
async def get_history(
    referral_id: UUID,
    request: Request,
    caller: Caller = Depends(caller_of),
    _site: str = Depends(case_site),
) -> dict[str, Any]:
    return await queries.referral_history(unit_of_work(request), caller, referral_id)
