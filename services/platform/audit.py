"""The audit trail of identifiable data: every read and write, attributable to a caller."""

from __future__ import annotations

from typing import Protocol

from services.platform.auth import Caller
from services.platform.db import Connection, Pool


async def audit(
    target: Connection | Pool,
    caller: Caller,
    action: str,
    record_type: str,
    record_id: str | None,
    outcome: str,
) -> None:
    """Record one access; pass the write's connection so that the record commits with it."""
    await target.execute(
        "INSERT INTO audit_log (token_id, role, agency, action, record_type, record_id, outcome)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
        caller.token_id,
        caller.role.value,
        caller.agency,
        action,
        record_type,
        record_id,
        outcome,
    )


class AuditTrail(Protocol):
    """Where a unit of work records who read or wrote identifiable data."""

    async def record(
        self, caller: Caller, action: str, record_type: str, record_id: str | None, outcome: str
    ) -> None: ...


class PostgresAuditTrail:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def record(
        self, caller: Caller, action: str, record_type: str, record_id: str | None, outcome: str
    ) -> None:
        await audit(self._conn, caller, action, record_type, record_id, outcome)
