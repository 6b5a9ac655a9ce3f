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
from services.intake.application.requests import ReferralAccepted, ReferralRequest
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


ROUTE_NAMES = {
    "assessment": "record_assessment",
    "care-plan": "record_care_plan",
    "status": "change_status",
    "withdrawal": "record_withdrawal",
    "demographics": "record_demographics",
}


def _case_step_route(path: str) -> None:
    """``POST /referrals/{id}/<path>``: one route shape for every case step, its body the
    step's own (``CASE_STEPS``); the caller is refused (403) before the body is validated."""
    shape = CASE_STEPS[path]

    async def record_step(
        referral_id: UUID,
        body: Any,
        request: Request,
        caller: Caller = Depends(caller_of),
        site: str = Depends(case_site),
    ) -> JSONResponse:
        step = shape.to_step(referral_id, body)
        return await _case_event(request, caller, site, body, step)

    record_step.__annotations__["body"] = shape.body
    record_step.__doc__ = shape.to_step.__doc__
    name = ROUTE_NAMES[path]
    router.post(f"/referrals/{{referral_id}}/{path}", status_code=202, name=name)(record_step)


for _path in ROUTE_NAMES:
    _case_step_route(_path)


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
