"""The audit trail of identifiable data: every read and write, attributable to a caller."""

from __future__ import annotations

from typing import Protocol

from services.platform.auth import Caller
from services.platform.writes import DeferredWrites

_RECORD = (
    "INSERT INTO audit_log (token_id, role, agency, action, record_type, record_id, outcome)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)"
)


class AuditTrail(Protocol):
    """Where a unit of work records who read or wrote identifiable data."""

    async def record(
        self, caller: Caller, action: str, record_type: str, record_id: str | None, outcome: str
    ) -> None: ...


class PostgresAuditTrail:
    """Audit lines are written with the unit of work's other writes (one round trip)."""

    def __init__(self, deferred: DeferredWrites) -> None:
        self._deferred = deferred

    async def record(
        self, caller: Caller, action: str, record_type: str, record_id: str | None, outcome: str
    ) -> None:
        self._deferred.add(
            _RECORD,
            caller.token_id,
            caller.role.value,
            caller.agency,
            action,
            record_type,
            record_id,
            outcome,
        )
