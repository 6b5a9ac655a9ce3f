"""Versions of a changing fact (a referral's status, an abeyance's state).

Each fact that changes one opens a new version and closes the open one, on both axes: the
closed version is valid until the new fact became known (never before the version itself
became known, so that the time axis stays ordered even when a fact is dated back) and until the
new fact's position. Events of one referral arrive in the order they were recorded (they share
a partition), so live operation and a rebuild write the same versions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

from services.platform.db import Connection
from services.reporting.domain.as_of import OPEN_POSITION, Known


@cache
def _supersede_sql(
    table: str, columns: tuple[str, ...], changes: tuple[tuple[str, str], ...]
) -> str:
    values = dict(changes)
    copied = ", ".join(values.get(column, column) for column in columns)
    return f"""
WITH closed AS (
    UPDATE {table} SET known_until = greatest($2, known_from), until_position = $3
     WHERE referral_id = $1 AND until_position = {OPEN_POSITION}
 RETURNING *
)
INSERT INTO {table} (referral_id, {", ".join(columns)}, known_from, from_position)
SELECT referral_id, {copied}, greatest($2, known_from), $3 FROM closed
"""


async def supersede(
    conn: Connection,
    table: str,
    columns: Sequence[str],
    referral_id: object,
    known: Known,
    changes: Mapping[str, str],
    *values: object,
) -> None:
    """Replace the open version of ``referral_id`` in ``table`` by one with ``changes``.

    ``changes`` maps a column to an SQL expression over the closed version's columns and the
    ``values`` (``$4`` onwards); the other ``columns`` are copied.
    """
    sql = _supersede_sql(table, tuple(columns), tuple(sorted(changes.items())))
    await conn.execute(sql, referral_id, known.known_at, known.position, *values)
