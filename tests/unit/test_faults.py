"""Whose fault a failure is (ADR 9), and how the HTTP barrier answers it (ADR 10)."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest
from aiokafka.errors import KafkaConnectionError
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from events.errors import UnknownEventType
from services.platform.faults import Fault, MessageFault, Unavailable, classify, summary
from services.platform.http_faults import FaultBarrier


def _postgres(error_type: type[asyncpg.PostgresError]) -> asyncpg.PostgresError:
    return error_type("the server said so")


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "refused"),
        TimeoutError(),
        KafkaConnectionError(),
        Unavailable("broker"),
        _postgres(asyncpg.CannotConnectNowError),  # 57P03: the database is starting up
        _postgres(asyncpg.AdminShutdownError),  # 57P01
        _postgres(asyncpg.DeadlockDetectedError),  # 40P01
        _postgres(asyncpg.SerializationError),  # 40001
        _postgres(asyncpg.TooManyConnectionsError),  # 53300
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_infrastructure_faults_are_transient(error: BaseException) -> None:
    assert classify(error) is Fault.TRANSIENT


class _Model(BaseModel):
    n: int


def _validation_error() -> ValidationError:
    try:
        _Model.model_validate({"n": "many"})
    except ValidationError as error:
        return error
    raise AssertionError("valid")


@pytest.mark.parametrize(
    "error",
    [
        UnknownEventType("unknown event_type 'X'"),
        _validation_error(),
        MessageFault("never applies"),
        _postgres(asyncpg.NumericValueOutOfRangeError),  # 22003
    ],
    ids=lambda e: type(e).__name__,
)
def test_faults_of_the_message(error: BaseException) -> None:
    assert classify(error) is Fault.MESSAGE


@pytest.mark.parametrize(
    "error",
    [RuntimeError("a bug"), KeyError("x"), _postgres(asyncpg.UndefinedTableError)],
    ids=lambda e: type(e).__name__,
)
def test_anything_else_is_a_bug(error: BaseException) -> None:
    assert classify(error) is Fault.BUG


def test_a_failed_rollback_on_a_lost_connection_is_transient() -> None:
    try:
        try:
            raise asyncpg.ConnectionDoesNotExistError("connection was closed")
        except asyncpg.ConnectionDoesNotExistError:
            raise RuntimeError("cannot roll back") from None
    except RuntimeError as error:
        chained = error
    chained.__context__ = asyncpg.ConnectionDoesNotExistError("connection was closed")
    assert classify(chained) is Fault.TRANSIENT


def test_a_bug_summary_names_the_error_and_where_it_was_raised() -> None:
    empty: dict[str, int] = {}
    try:
        empty["missing"]
    except KeyError as error:
        text = summary(error)
    assert "KeyError: 'missing'" in text and "test_faults.py" in text


async def _raises(request: Request) -> JSONResponse:
    errors: dict[str, BaseException] = {
        "database": _postgres(asyncpg.CannotConnectNowError),
        "broker": KafkaConnectionError(),
        "bug": RuntimeError("a bug"),
    }
    if request.path_params["what"] == "fine":
        return JSONResponse({"ok": True})
    raise errors[request.path_params["what"]]


def _get(path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    app = Starlette(  # where FastAPI puts user middleware: inside Starlette's own error page
        routes=[Route("/{what}", _raises)],
        middleware=[Middleware(FaultBarrier, retry_after_s=7)],
    )

    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get(path, headers=headers)

    return asyncio.run(call())


def test_a_database_fault_is_a_503_naming_the_cause_with_retry_after() -> None:
    answer = _get("/database", {"X-Correlation-Id": "req-42"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "7"
    assert answer.json()["cause"] == "database"
    assert answer.json()["correlation_id"] == answer.headers["x-correlation-id"] == "req-42"


def test_a_broker_fault_is_a_503_naming_the_broker() -> None:
    answer = _get("/broker")
    assert (answer.status_code, answer.json()["cause"]) == (503, "broker")


def test_a_bug_is_a_json_500_with_the_correlation_id() -> None:
    answer = _get("/bug")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["correlation_id"] == answer.headers["x-correlation-id"]
    assert "a bug" not in answer.text  # no internals to the caller


def test_a_correlation_id_is_echoed_on_every_answer() -> None:
    answer = _get("/fine", {"X-Correlation-Id": "abc"})
    assert (answer.status_code, answer.headers["x-correlation-id"]) == (200, "abc")
