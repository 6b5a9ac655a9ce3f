"""``Idempotency-Key`` on writes: the same key and request again get the first answer.

The stored answer is written in the same transaction as the write it answers, so a retry after a
crash either finds both or neither. The same key with a different request is refused
(``IdempotencyKeyReused``; the HTTP adapter answers 422, the inbound topic rejects it).
``Answers`` is the port (a repository of the unit of work); ``PostgresAnswers`` and the memory
adapter in ``services.platform.memory`` implement it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol

from services.platform.db import Connection
from services.platform.writes import DeferredWrites


class IdempotencyKeyReused(Exception):
    """This key was already used with a different request."""

    def __init__(self) -> None:
        super().__init__("this key was already used with a different request")


@dataclass(frozen=True)
class StoredAnswer:
    outcome: str
    """What the write did, in the application's words (``created``, ``accepted``)."""
    body: Any


def fingerprint(method: str, target: str, body: Any) -> str:
    """What identifies a request (how and where it was sent, and its body, whatever the key
    order of its JSON)."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {target}\n{canonical}".encode()).hexdigest()


class Answers(Protocol):
    async def earlier(self, caller: str, key: str, print_: str) -> StoredAnswer | None:
        """The first answer to this caller's key, None when new (it is then locked for the rest
        of the unit of work); ``IdempotencyKeyReused`` for another request under it."""
        ...

    async def remember(self, caller: str, key: str, print_: str, answer: StoredAnswer) -> None: ...


class PostgresAnswers:
    def __init__(self, conn: Connection, deferred: DeferredWrites) -> None:
        self._conn = conn
        self._deferred = deferred

    async def earlier(self, caller: str, key: str, print_: str) -> StoredAnswer | None:
        await self._deferred.flush()
        row = await self._conn.fetchrow(
            "SELECT fingerprint, outcome, response"
            " FROM (SELECT pg_advisory_xact_lock(hashtext($1 || '/' || $2))) AS locked"
            " LEFT JOIN idempotency_keys ON caller = $1 AND key = $2",
            caller,
            key,
        )
        if row is None or row["fingerprint"] is None:
            return None
        if row["fingerprint"] != print_:
            raise IdempotencyKeyReused()
        return StoredAnswer(row["outcome"], row["response"])

    async def remember(self, caller: str, key: str, print_: str, answer: StoredAnswer) -> None:
        self._deferred.add(
            "INSERT INTO idempotency_keys (caller, key, fingerprint, outcome, response)"
            " VALUES ($1, $2, $3, $4, $5::jsonb)",
            caller,
            key,
            print_,
            answer.outcome,
            answer.body,
        )
