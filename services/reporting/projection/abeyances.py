"""Pre-booking abeyances and their state: pending, then declined, expired or ended.

An expiry later rescinded keeps its ``rescinded`` mark (abeyance then declines the charges).
"""

from __future__ import annotations

from collections.abc import Mapping

from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
)
from services.platform.db import Connection
from services.reporting.domain.as_of import Known
from services.reporting.projection.versions import supersede

STATE_COLUMNS = ("state", "rescinded", "declined_at", "decided_at")

_STARTED = """
INSERT INTO abeyances (referral_id, prosecuting_agency, started_at, deadline_at, known_at,
                       position)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING
"""
_PENDING = """
INSERT INTO abeyance_states (referral_id, state, known_from, from_position)
VALUES ($1, 'pending', $2, $3) ON CONFLICT DO NOTHING
"""
_DEADLINE = "(SELECT deadline_at FROM abeyances a WHERE a.referral_id = closed.referral_id)"


async def started(conn: Connection, start: AbeyanceStarted, known: Known) -> None:
    await conn.execute(
        _STARTED,
        start.referral_id,
        start.prosecuting_agency,
        start.started_at,
        start.deadline_at,
        known.known_at,
        known.position,
    )
    await conn.execute(_PENDING, start.referral_id, known.known_at, known.position)


async def _change(
    conn: Connection, referral_id: object, known: Known, changes: Mapping[str, str], *values: object
) -> None:
    await supersede(conn, "abeyance_states", STATE_COLUMNS, referral_id, known, changes, *values)


async def declined(conn: Connection, decline: ChargesDeclined, known: Known) -> None:
    changes = {"state": "'declined'", "declined_at": "$4", "decided_at": "$4"}
    await _change(conn, decline.referral_id, known, changes, decline.declined_at)


async def expired(conn: Connection, expiry: AbeyanceExpired, known: Known) -> None:
    changes = {"state": "'expired'", "decided_at": _DEADLINE}
    await _change(conn, expiry.referral_id, known, changes)


async def rescinded(conn: Connection, rescission: AbeyanceExpiryRescinded, known: Known) -> None:
    await _change(conn, rescission.referral_id, known, {"rescinded": "true"})


async def ended(conn: Connection, end: AbeyanceEnded, known: Known) -> None:
    await _change(conn, end.referral_id, known, {"state": "'ended'"})
