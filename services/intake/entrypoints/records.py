"""Intake's HTTP routes for naloxone distribution and outcome-evaluation records."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import uuid4

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.application.access import check_role
from services.intake.application.commands import RecordProgramRecord
from services.intake.application.requests import (
    CohortMemberBody,
    DistributionBody,
    JusticeContactBody,
    ProbationSpellBody,
    UseBody,
)
from services.intake.domain import records
from services.intake.entrypoints.web import run, write_of
from services.platform.auth import Caller, Role
from services.platform.http import caller_of

router = APIRouter()


def caller_in_role(role: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency: the caller, when it has ``role`` (or is an admin). Being a dependency, it
    refuses (403) before the body is validated: a caller who may not send learns nothing more."""

    async def check(caller: Caller = Depends(caller_of)) -> Caller:
        check_role(caller, role)
        return caller

    return check


OEND = caller_in_role(Role.oend)
EVALUATOR = caller_in_role(Role.evaluator)


async def _record(
    request: Request, caller: Caller, body: BaseModel, kept: records.Record
) -> JSONResponse:
    return await run(request, RecordProgramRecord(write_of(request, caller, body), kept))


@router.post("/naloxone/distributions", status_code=201)
async def record_distribution(
    body: DistributionBody, request: Request, caller: Caller = Depends(OEND)
) -> JSONResponse:
    kept = records.RecordDistribution(
        uuid4(), body.channel, body.kits, body.distributed_on, body.doses
    )
    return await _record(request, caller, body, kept)


@router.post("/naloxone/uses", status_code=201)
async def record_uses(
    body: UseBody, request: Request, caller: Caller = Depends(OEND)
) -> JSONResponse:
    kept = records.ReportUses(uuid4(), body.channel, body.uses, body.reported_on)
    return await _record(request, caller, body, kept)


@router.post("/evaluation/cohort-members", status_code=201)
async def enroll_cohort_member(
    body: CohortMemberBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    kept = records.EnrollCohortMember(uuid4(), **body.model_dump(exclude={"subject_ref"}))
    return await _record(request, caller, body, kept)


@router.post("/evaluation/justice-contacts", status_code=201)
async def record_justice_contact(
    body: JusticeContactBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    kept = records.RecordJusticeContact(body.subject_id, body.kind, body.occurred_on)
    return await _record(request, caller, body, kept)


@router.post("/evaluation/probation-spells", status_code=201)
async def record_probation_spell(
    body: ProbationSpellBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    kept = records.RecordProbationSpell(body.subject_id, body.start_on, body.end_on)
    return await _record(request, caller, body, kept)
