"""What every intake route shares: the caller's write, the command run, the answer mapped.

Refusals are mapped to HTTP answers here, once, for every route (``install``): ``NotFound`` is
404, ``Conflict`` 409, ``ValidationFailure`` 422 with a message per field, a reused
``Idempotency-Key`` 422 naming the header.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.intake.application.commands import Command, Write
from services.intake.application.handlers import Intake, handle
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.errors import Conflict, NotFound, Rejection, ValidationFailure
from services.platform.auth import Caller
from services.platform.idempotency import IdempotencyKeyReused, fingerprint


def intake_of(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


def unit_of_work(request: Request) -> IntakeUnitOfWork:
    uow: IntakeUnitOfWork = request.app.state.unit_of_work()
    return uow


def write_of(
    request: Request, caller: Caller, body: BaseModel, *, idempotency_key: str | None = None
) -> Write:
    """The write a request makes: its caller, its audit name, its key (the ``Idempotency-Key``
    header, or a page form's own) and its fingerprint."""
    path = request.url.path
    key = idempotency_key or request.headers.get("idempotency-key")
    return Write(
        caller=caller,
        action=f"{request.method} {path}",
        fingerprint=fingerprint(request.method, path, body.model_dump(mode="json")) if key else "",
        idempotency_key=key,
        correlation_id=getattr(request.state, "correlation_id", None),
    )


async def run(request: Request, command: Command) -> JSONResponse:
    """Carry out the command; 201 for a new record, 202 for an event on an existing one."""
    accepted = await handle(command, unit_of_work(request), intake_of(request))
    return JSONResponse(accepted.answer, status_code=201 if accepted.created else 202)


def field_detail(failure: ValidationFailure) -> list[dict[str, Any]]:
    return [
        {"loc": ["body", *field.split(".")], "msg": message, "type": "value_error"}
        for field, message in failure.errors
    ]


async def refused(_request: Request, error: Exception) -> JSONResponse:
    match error:
        case ValidationFailure():
            return JSONResponse({"detail": field_detail(error)}, status_code=422)
        case NotFound():
            return JSONResponse({"detail": error.reason}, status_code=404)
        case Conflict():
            return JSONResponse({"detail": error.reason}, status_code=409)
        case IdempotencyKeyReused():
            detail = {
                "loc": ["header", "Idempotency-Key"],
                "msg": str(error),
                "type": "idempotency_key_reused",
            }
            return JSONResponse({"detail": [detail]}, status_code=422)
    raise error


def install(app: FastAPI) -> None:
    """Map intake's refusals to HTTP answers, once for every route."""
    app.add_exception_handler(Rejection, refused)
    app.add_exception_handler(IdempotencyKeyReused, refused)
