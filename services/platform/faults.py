"""Whose fault a failure is: the infrastructure's, the message's, or the code's.

The policy (docs/adr/0009-consumer-fault-policy.md) in one place, for consumers and HTTP alike:

- ``TRANSIENT``: a lost or refused connection, a database that is starting, stopping or out of
  resources, a deadlock or serialization failure, a timeout, a broker error. Retried for as long
  as it lasts (consumers) or answered 503 with ``Retry-After`` (HTTP); never dead-lettered.
- ``MESSAGE``: the message can never be applied (undecodable, schema-invalid, unknown type, data
  that cannot be stored, a rule that can never pass). Dead-lettered at once, with the reason.
- ``BUG``: anything else. Retried a bounded number of times, then dead-lettered with a
  traceback summary, so that one bad deployment cannot silently eat a stream.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from enum import StrEnum

import asyncpg
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from events.errors import EventDecodeError


class Fault(StrEnum):
    TRANSIENT = "transient"
    MESSAGE = "message"
    BUG = "bug"


class MessageFault(Exception):
    """Raised by a handler for a message that no retry can ever apply."""


class Unavailable(Exception):
    """A dependency the request needs is unavailable (answered 503)."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


TRANSIENT_SQLSTATES = ("08", "53", "57P0", "40001", "40P01", "55P03", "58")
"""PostgreSQL error classes of the infrastructure: connection exceptions (08), insufficient
resources (53), operator intervention such as shutdown or start-up (57P0x), serialization
failures and deadlocks (40001, 40P01), a lock not available (55P03), system errors (58)."""

MESSAGE_SQLSTATES = ("22",)
"""Data exceptions: a value the database can never store (out of range, invalid format)."""


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _transient(error: BaseException) -> bool:
    match error:
        case Unavailable() | OSError() | TimeoutError() | KafkaError():
            return True
        case asyncpg.ConnectionDoesNotExistError() | asyncpg.InterfaceError() if _closed(error):
            return True
        case asyncpg.PostgresError():
            return str(error.sqlstate or "").startswith(TRANSIENT_SQLSTATES)
    return False


def _closed(error: BaseException) -> bool:
    text = str(error).lower()
    return isinstance(error, asyncpg.ConnectionDoesNotExistError) or any(
        word in text for word in ("closed", "closing", "connection was lost", "not connected")
    )


def _message(error: BaseException) -> bool:
    match error:
        case EventDecodeError() | ValidationError() | MessageFault():
            return True
        case asyncpg.PostgresError():
            return str(error.sqlstate or "").startswith(MESSAGE_SQLSTATES)
    return False


def classify(error: BaseException) -> Fault:
    """The fault of ``error``: transient when anything in its chain is, else the message's or
    a bug (a transaction failing to roll back on a lost connection chains both)."""
    chain = list(_chain(error))
    if any(_transient(e) for e in chain):
        return Fault.TRANSIENT
    if _message(error):
        return Fault.MESSAGE
    return Fault.BUG


def summary(error: BaseException, limit: int = 2000) -> str:
    """The exception and the last frames of its traceback, for a dead letter's reason."""
    lines = traceback.format_exception(error, limit=-4)
    return "".join(lines)[-limit:]
