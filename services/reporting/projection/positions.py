"""Positions: the order in which reporting applied its events, stable across rebuilds.

The first time an event is applied it gets the next position; it keeps that position for good
(``event_positions``), so a rebuild that reads the partitions in another interleaving gives
every event, every version and every warehouse fact the position it had in live operation.
The same statement counts the events applied (the report position).
"""

from __future__ import annotations

from uuid import UUID

from services.platform.db import Connection

_CLAIM = """
WITH earlier AS (SELECT position FROM event_positions WHERE event_id = $1),
counted AS (
    UPDATE projection_position
       SET position = position + 1,
           assigned = assigned + (SELECT CASE WHEN count(*) = 0 THEN 1 ELSE 0 END FROM earlier)
 RETURNING assigned
), given AS (
    INSERT INTO event_positions (event_id, position)
    SELECT $1, assigned FROM counted WHERE NOT EXISTS (SELECT 1 FROM earlier)
 RETURNING position
)
SELECT position FROM earlier UNION ALL SELECT position FROM given
"""


async def claim_position(conn: Connection, event_id: UUID) -> int:
    """The event's position (the one it was given when first applied), counting it applied."""
    position: int = await conn.fetchval(_CLAIM, event_id)
    return position
