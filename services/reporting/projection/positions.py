"""Positions: the order in which reporting applied its events, stable across rebuilds.

The first time an event is applied it gets the next position; it keeps that position for good
(``event_positions``), so a rebuild that reads the partitions in another interleaving gives
every event, every version and every warehouse fact the position it had in live operation.
The same statement counts the events applied (the report position).
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from services.platform.db import Connection

_CLAIM = """
WITH batch AS (SELECT * FROM unnest($1::uuid[]) WITH ORDINALITY AS b(event_id, n)),
earlier AS (SELECT e.event_id, e.position FROM event_positions e JOIN batch USING (event_id)),
fresh AS (
    SELECT event_id, row_number() OVER (ORDER BY n) AS k FROM batch
     WHERE event_id NOT IN (SELECT event_id FROM earlier)
), counted AS (
    UPDATE projection_position
       SET position = position + (SELECT count(*) FROM batch),
           assigned = assigned + (SELECT count(*) FROM fresh)
 RETURNING assigned - (SELECT count(*) FROM fresh) AS base
), given AS (
    INSERT INTO event_positions (event_id, position)
    SELECT fresh.event_id, counted.base + fresh.k FROM fresh, counted
 RETURNING event_id, position
)
SELECT event_id, position FROM earlier UNION ALL SELECT event_id, position FROM given
"""


async def claim_positions(conn: Connection, event_ids: Sequence[UUID]) -> dict[UUID, int]:
    """Each event's position (the one it was given when first applied; new events get the next
    ones in their order), counting them all applied. The events are distinct."""
    rows = await conn.fetch(_CLAIM, list(event_ids))
    return {row["event_id"]: row["position"] for row in rows}
