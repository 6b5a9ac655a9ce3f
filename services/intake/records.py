"""Naloxone distribution and outcome-evaluation records: each write one event of its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import Field

from events.categories import (
    Cohort,
    Ethnicity,
    Gender,
    JusticeContactKind,
    NaloxoneChannel,
    SiteCode,
)
from events.payloads import (
    CohortMemberEnrolled,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ProbationSpellRecorded,
)
from services.intake.requests import Day
from services.intake.requests import Request as Body
from services.intake.writes import Decision, record, stream_version
from services.platform.auth import Caller, Role, forbid
from services.platform.db import Connection
from services.platform.http import caller_of

router = APIRouter()
DOSES_PER_KIT = 2


def caller_in_role(role: Role) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency: the caller, when it has ``role`` (or is an admin). Being a dependency, it
    refuses (403) before the body is validated: a caller who may not send learns nothing more."""

    async def check(caller: Caller = Depends(caller_of)) -> Caller:
        if not caller.is_admin and caller.role is not role:
            raise forbid(f"only the {role} role (or an admin) may record this")
        return caller

    return check


OEND = caller_in_role(Role.oend)
EVALUATOR = caller_in_role(Role.evaluator)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _not_future(day: date, field: str) -> None:
    if day > datetime.now(UTC).date():
        raise HTTPException(
            422, [{"loc": ["body", field], "msg": "lies in the future", "type": "future_date"}]
        )


class DistributionBody(Body):
    channel: NaloxoneChannel
    kits: Annotated[int, Field(ge=1, le=1_000_000)]
    distributed_on: Day
    doses: Annotated[int | None, Field(ge=1, le=10_000_000)] = None


class UseBody(Body):
    channel: NaloxoneChannel
    uses: Annotated[int, Field(ge=0, le=1_000_000)]
    reported_on: Day


class CohortMemberBody(Body):
    cohort: Cohort
    site: SiteCode
    index_date: Day
    age: Annotated[int, Field(ge=0, le=130)]
    gender: Gender
    ethnicity: Ethnicity
    prior_arrests_12mo: Annotated[int, Field(ge=0, le=1000)]
    subject_ref: Annotated[str | None, Field(max_length=100)] = None


class JusticeContactBody(Body):
    subject_id: UUID
    kind: JusticeContactKind
    occurred_on: Day


class ProbationSpellBody(Body):
    subject_id: UUID
    start_on: Day
    end_on: Day


async def _record_new(
    request: Request, caller: Caller, body: Body, event: Any, day: date, record_type: str
) -> JSONResponse:
    """Record ``event`` as the first of a new stream (its subject); answer with its id."""
    answer = {event.subject_field: str(event.subject)}

    async def decide(_conn: Connection) -> Decision:
        stream = str(event.subject)
        return Decision(stream, 0, [event], _start_of(day), 201, answer, record_type)

    return await record(request, caller, body.model_dump(mode="json"), decide)


@router.post("/naloxone/distributions", status_code=201)
async def record_distribution(
    body: DistributionBody, request: Request, caller: Caller = Depends(OEND)
) -> JSONResponse:
    _not_future(body.distributed_on, "distributed_on")
    event = NaloxoneDistributed(
        distribution_id=uuid4(),
        channel=body.channel,
        kits=body.kits,
        doses=body.doses or body.kits * DOSES_PER_KIT,
        distributed_on=body.distributed_on,
    )
    return await _record_new(
        request, caller, body, event, body.distributed_on, "naloxone_distribution"
    )


@router.post("/naloxone/uses", status_code=201)
async def record_uses(
    body: UseBody, request: Request, caller: Caller = Depends(OEND)
) -> JSONResponse:
    _not_future(body.reported_on, "reported_on")
    event = NaloxoneUseReported(
        report_id=uuid4(), channel=body.channel, uses=body.uses, reported_on=body.reported_on
    )
    return await _record_new(request, caller, body, event, body.reported_on, "naloxone_use")


@router.post("/evaluation/cohort-members", status_code=201)
async def enroll_cohort_member(
    body: CohortMemberBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    _not_future(body.index_date, "index_date")
    fields = body.model_dump(exclude={"subject_ref"})
    event = CohortMemberEnrolled(subject_id=uuid4(), **fields)
    return await _record_new(request, caller, body, event, body.index_date, "evaluation_subject")


async def _record_for_subject(
    request: Request, caller: Caller, body: Body, subject_id: UUID, event: Any, day: date
) -> JSONResponse:
    """Append ``event`` to a known evaluation subject's stream (404 for an unknown subject)."""

    async def decide(conn: Connection) -> Decision:
        version = await stream_version(conn, str(subject_id))
        if version == 0:
            raise HTTPException(404, f"no evaluation subject {subject_id}")
        answer = {"subject_id": str(subject_id)}
        return Decision(
            str(subject_id), version, [event], _start_of(day), 201, answer, "evaluation_subject"
        )

    return await record(request, caller, body.model_dump(mode="json"), decide)


@router.post("/evaluation/justice-contacts", status_code=201)
async def record_justice_contact(
    body: JusticeContactBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    _not_future(body.occurred_on, "occurred_on")
    event = JusticeContactRecorded(**body.model_dump())
    return await _record_for_subject(
        request, caller, body, body.subject_id, event, body.occurred_on
    )


@router.post("/evaluation/probation-spells", status_code=201)
async def record_probation_spell(
    body: ProbationSpellBody, request: Request, caller: Caller = Depends(EVALUATOR)
) -> JSONResponse:
    if body.end_on < body.start_on:
        raise HTTPException(
            422, [{"loc": ["body", "end_on"], "msg": "is before start_on", "type": "date_order"}]
        )
    event = ProbationSpellRecorded(**body.model_dump())
    return await _record_for_subject(request, caller, body, body.subject_id, event, body.start_on)
