"""Every HTTP answer is JSON, even under faults, and carries the request's correlation id.

A pure ASGI middleware: it reads (or makes) the request's ``X-Correlation-Id``, binds it to the
logs and echoes it in the answer, and turns an exception that escaped the routes into

- ``503`` with ``Retry-After`` and the cause, when a dependency failed (the database, or the
  broker for a request that needs it): the client retries, with the same ``Idempotency-Key``;
  every write runs in one transaction, so nothing partial was recorded;
- ``500`` with the correlation id otherwise (a bug), logged with its traceback.
"""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from aiokafka.errors import KafkaError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from services.platform.faults import Fault, Unavailable, classify
from services.platform.logging import bind_trace, get_logger
from services.platform.metrics import HTTP_ERRORS, HTTP_UNAVAILABLE

log = get_logger(__name__)
CORRELATION_HEADER = "x-correlation-id"


def cause_of(error: BaseException) -> str:
    """What was unavailable: the broker for Kafka errors, the named dependency, else the
    database (the only other thing a request reaches)."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, Unavailable):
            return current.cause
        if isinstance(current, KafkaError):
            return "broker"
        current = current.__cause__ or current.__context__
    return "database"


def fault_answer(error: BaseException, correlation_id: str, retry_after_s: int) -> JSONResponse:
    if classify(error) is Fault.TRANSIENT:
        cause = cause_of(error)
        HTTP_UNAVAILABLE.labels(cause).inc()
        log.warning("request_unavailable", cause=cause, error_type=type(error).__name__)
        return JSONResponse(
            {
                "detail": f"the {cause} is unavailable; nothing was recorded, retry later",
                "cause": cause,
                "correlation_id": correlation_id,
            },
            status_code=503,
            headers={"Retry-After": str(retry_after_s)},
        )
    HTTP_ERRORS.inc()
    log.error("request_failed", error_type=type(error).__name__, exc_info=error)
    return JSONResponse(
        {"detail": "internal error", "correlation_id": correlation_id}, status_code=500
    )


class FaultBarrier:
    def __init__(self, app: ASGIApp, retry_after_s: int = 2) -> None:
        self.app = app
        self.retry_after_s = retry_after_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _header(scope, CORRELATION_HEADER) or str(uuid4())
        scope.setdefault("state", {})["correlation_id"] = correlation_id
        bind_trace(correlation_id)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.encode(), correlation_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if started:
                raise
            answer = fault_answer(error, correlation_id, self.retry_after_s)
            await answer(scope, receive, send_with_id)


def _header(scope: Scope, name: str) -> str | None:
    wanted = name.encode()
    for key, value in scope.get("headers", []):
        if key.lower() == wanted:
            text: Any = value.decode("latin-1").strip()
            return str(text)[:100] or None
    return None
