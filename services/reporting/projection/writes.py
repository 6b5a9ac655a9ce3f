"""The writes of a batch of events, made with one statement per table and kind of change.

Handlers do not write: they add to :class:`Writes` what their event writes (rows to insert,
versions to supersede). :meth:`Writes.execute` then makes them with ``unnest`` over arrays,
one statement per table or kind of change, in an order that ends in the state of applying the
events one by one (ADR 0015):

- every insert first: an inserted fact never changes, and no insert depends on a change;
- then the changes in rounds, the n-th change of each fact in round n, so that each fact's
  changes keep their order (changes of different facts are independent).

This holds because a fact's events arrive in the order they were recorded, the one that creates
the fact first: they share a partition. So live operation and a rebuild, which batch the events
differently, write the same rows.

A fact that changes (a referral's status, an abeyance's state) is kept in versions: each change
closes the open version and opens a new one, on both axes. The closed version is valid until
the change became known (never before the version itself became known, so that the time axis
stays ordered even when a fact is dated back) and until the change's position.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from services.platform.db import Connection
from services.reporting.domain.as_of import OPEN_POSITION, Known


@dataclass(frozen=True)
class Insert:
    """Rows of ``table``: its ``columns`` and their PostgreSQL types. A row already there (a
    fact applied before) is left as it is."""

    table: str
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Change:
    """A change to the open version of a fact (a referral's status, an abeyance's state).

    ``columns``: the version's own columns (besides the referral and the validity). ``changes``
    maps a column to an SQL expression over the closed version (``c.<column>``) and the change's
    ``values`` (``v.<name>``, with their PostgreSQL types); the other columns are copied.
    """

    table: str
    columns: tuple[str, ...]
    changes: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...] = ()


@dataclass
class Writes:
    """What a batch of events writes, in the order the events came."""

    inserts: dict[Insert, list[tuple[Any, ...]]] = field(default_factory=dict)
    changes: list[tuple[Change, tuple[Any, ...]]] = field(default_factory=list)

    def insert(self, statement: Insert, *row: Any) -> None:
        self.inserts.setdefault(statement, []).append(row)

    def change(self, change: Change, referral_id: Any, known: Known, *values: Any) -> None:
        self.changes.append((change, (referral_id, known.known_at, known.position, *values)))

    async def execute(self, conn: Connection) -> None:
        for statement, rows in self.inserts.items():
            await conn.execute(_insert_sql(statement), *zip(*rows, strict=True))
        for round_ in _rounds(self.changes):
            for change, rows in round_.items():
                await conn.execute(_change_sql(change), *zip(*rows, strict=True))


def _rounds(
    changes: Sequence[tuple[Change, tuple[Any, ...]]],
) -> list[dict[Change, list[tuple[Any, ...]]]]:
    """The changes in rounds: the n-th change of each fact (table and referral) in round n."""
    rounds: list[dict[Change, list[tuple[Any, ...]]]] = []
    seen: dict[tuple[str, Any], int] = defaultdict(int)
    for change, row in changes:
        fact = (change.table, row[0])
        n = seen[fact]
        seen[fact] = n + 1
        if n == len(rounds):
            rounds.append({})
        rounds[n].setdefault(change, []).append(row)
    return rounds


def _arrays(types: Sequence[str]) -> str:
    return ", ".join(f"${i}::{t}[]" for i, t in enumerate(types, 1))


@cache
def _insert_sql(statement: Insert) -> str:
    names = ", ".join(name for name, _ in statement.columns)
    arrays = _arrays([t for _, t in statement.columns])
    return (
        f"INSERT INTO {statement.table} ({names}) SELECT * FROM unnest({arrays})"
        " ON CONFLICT DO NOTHING"
    )


@cache
def _change_sql(change: Change) -> str:
    """Close each referral's open version and open the changed one (see the module's text)."""
    values = dict(change.changes)
    names = ("referral_id", "known_at", "position", *(name for name, _ in change.values))
    types = ("uuid", "timestamptz", "bigint", *(t for _, t in change.values))
    copied = ", ".join(values.get(column, f"c.{column}") for column in change.columns)
    return f"""
WITH v AS (SELECT * FROM unnest({_arrays(types)}) AS v({", ".join(names)})),
closed AS (
    UPDATE {change.table} t
       SET known_until = greatest(v.known_at, t.known_from), until_position = v.position
      FROM v
     WHERE t.referral_id = v.referral_id AND t.until_position = {OPEN_POSITION}
 RETURNING t.*
)
INSERT INTO {change.table} (referral_id, {", ".join(change.columns)}, known_from, from_position)
SELECT c.referral_id, {copied}, greatest(v.known_at, c.known_from), v.position
  FROM closed c JOIN v USING (referral_id)
"""
