"""Abeyance's unit of work in PostgreSQL: facts, read model, timers, partition clocks and
notices, with the platform's event store, answers and audit trail, on one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from events.notice import Notice
from services.abeyance.adapters import facts_json
from services.abeyance.application.unit_of_work import (
    Abeyances,
    Facts,
    Notices,
    PartitionClocks,
    Timers,
)
from services.abeyance.domain import AbeyanceState, Fact, outstanding
from services.platform.db import Connection
from services.platform.unit_of_work import PostgresUnitOfWork


class PostgresFacts:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def lock(self, referral_id: UUID, *, wait: bool = True) -> bool:
        lock = "pg_advisory_xact_lock" if wait else "pg_try_advisory_xact_lock"
        held = await self._conn.fetchval(f"SELECT {lock}(hashtext($1))::text", str(referral_id))
        return bool(held != "false")

    async def load(self, referral_id: UUID) -> list[Fact]:
        rows = await self._conn.fetch(
            "SELECT fact FROM abeyance_facts WHERE referral_id = $1 ORDER BY seq", referral_id
        )
        return [facts_json.from_json(row["fact"]) for row in rows]

    async def add(self, referral_id: UUID, first_seq: int, facts: Sequence[Fact]) -> None:
        await self._conn.executemany(
            "INSERT INTO abeyance_facts (referral_id, seq, fact) VALUES ($1, $2, $3)",
            [(referral_id, first_seq + i, facts_json.to_json(f)) for i, f in enumerate(facts)],
        )


def describe(row: Any) -> dict[str, Any]:
    """An abeyance as the API shows it."""
    return {
        "referral_id": str(row["referral_id"]),
        "site": row["site"],
        "prosecuting_agency": row["prosecuting_agency"],
        "report_number": row["report_number"],
        "state": row["state"],
        "started_at": row["started_at"].isoformat(),
        "deadline_at": row["deadline_at"].isoformat(),
        "outstanding": row["outstanding"],
        "rescinded": row["rescinded"],
    }


class PostgresAbeyances:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def save(self, state: AbeyanceState) -> None:
        await self._conn.execute(
            "INSERT INTO abeyances (referral_id, site, prosecuting_agency, report_number, state,"
            " started_at, deadline_at, outstanding, rescinded)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (referral_id) DO UPDATE"
            " SET state = excluded.state, outstanding = excluded.outstanding,"
            " rescinded = excluded.rescinded, updated_at = now()",
            state.referral_id,
            state.site,
            state.prosecuting_agency,
            state.report_number,
            state.status.value,
            state.referred_at,
            state.deadline_at,
            [step.value for step in outstanding(state)],
            state.rescinded,
        )

    async def get(self, referral_id: UUID) -> dict[str, Any] | None:
        row = await self._conn.fetchrow(
            "SELECT * FROM abeyances WHERE referral_id = $1", referral_id
        )
        return describe(row) if row is not None else None

    async def find(
        self, state: str | None, site: str | None, agency: str | None
    ) -> list[dict[str, Any]]:
        rows = await self._conn.fetch(
            "SELECT * FROM abeyances WHERE ($1::text IS NULL OR state = $1)"
            " AND ($2::text IS NULL OR site = $2)"
            " AND ($3::text IS NULL OR prosecuting_agency = $3)"
            " ORDER BY started_at, referral_id",
            state,
            site,
            agency,
        )
        return [describe(row) for row in rows]


_DUE = """
SELECT due.referral_id, p.clock
  FROM (SELECT topic, partition,
               CASE WHEN $4 THEN least(event_time, $2::timestamptz)
                    WHEN caught_up THEN $2::timestamptz
                    ELSE least(recorded_time, $2::timestamptz) END AS clock
          FROM consumer_positions WHERE consumer = $1) AS p
  CROSS JOIN LATERAL (
        SELECT t.referral_id, t.fire_at FROM abeyance_timers t
         WHERE t.topic = p.topic AND t.partition = p.partition
           AND t.fired_at IS NULL AND t.fire_at <= p.clock
         ORDER BY t.fire_at LIMIT $3) AS due
 ORDER BY due.fire_at
 LIMIT $3
"""


class PostgresTimers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def start(self, referral_id: UUID, topic: str, partition: int, fire_at: datetime) -> None:
        await self._conn.execute(
            "INSERT INTO abeyance_timers (referral_id, topic, partition, fire_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (referral_id) DO NOTHING",
            referral_id,
            topic,
            partition,
            fire_at,
        )

    async def settle(self, referral_id: UUID) -> None:
        await self._conn.execute(
            "UPDATE abeyance_timers SET fired_at = coalesce(fired_at, now())"
            " WHERE referral_id = $1",
            referral_id,
        )

    async def pending(self, referral_id: UUID) -> bool:
        pending = await self._conn.fetchval(
            "SELECT fired_at IS NULL FROM abeyance_timers WHERE referral_id = $1 FOR UPDATE",
            referral_id,
        )
        return bool(pending)

    async def due(
        self, consumer: str, now: datetime, limit: int, event_time_only: bool
    ) -> list[tuple[UUID, datetime]]:
        rows = await self._conn.fetch(_DUE, consumer, now, limit, event_time_only)
        return [(row["referral_id"], row["clock"]) for row in rows]

    async def due_in_partition(self, topic: str, partition: int, clock: datetime) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT referral_id FROM abeyance_timers WHERE topic = $1 AND partition = $2"
            " AND fired_at IS NULL AND fire_at <= $3 ORDER BY fire_at",
            topic,
            partition,
            clock,
        )
        return [row["referral_id"] for row in rows]

    async def due_by(self, clock: datetime) -> list[UUID]:
        rows = await self._conn.fetch(
            "SELECT referral_id FROM abeyance_timers WHERE fired_at IS NULL AND fire_at <= $1"
            " ORDER BY fire_at",
            clock,
        )
        return [row["referral_id"] for row in rows]


class PostgresPartitionClocks:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def advance(self, topic: str, partition: int, time: datetime) -> datetime:
        clock: datetime = await self._conn.fetchval(
            "INSERT INTO partition_clocks (topic, partition, clock) VALUES ($1, $2, $3)"
            " ON CONFLICT (topic, partition)"
            " DO UPDATE SET clock = greatest(partition_clocks.clock, excluded.clock)"
            " RETURNING clock",
            topic,
            partition,
            time,
        )
        return clock


class PostgresNotices:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def issue(self, notice: Notice) -> bool:
        inserted = await self._conn.fetchval(
            "INSERT INTO notices (notice_id, referral_id, prosecuting_agency, decision,"
            " issued_at, body) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (notice_id) DO NOTHING"
            " RETURNING true",
            notice.notice_id,
            notice.referral_id,
            notice.prosecuting_agency,
            notice.decision.value,
            notice.issued_at,
            notice.model_dump(mode="json"),
        )
        return bool(inserted)

    async def of_agency(self, agency: str | None) -> list[dict[str, Any]]:
        rows = await self._conn.fetch(
            "SELECT body, issued_at, acknowledged_at FROM notices"
            " WHERE ($1::text IS NULL OR prosecuting_agency = $1)"
            " ORDER BY issued_at DESC, notice_id",
            agency,
        )
        return [dict(row) for row in rows]

    async def agency_of(self, notice_id: UUID) -> tuple[str, datetime | None] | None:
        row = await self._conn.fetchrow(
            "SELECT prosecuting_agency, acknowledged_at FROM notices WHERE notice_id = $1"
            " FOR UPDATE",
            notice_id,
        )
        return (row["prosecuting_agency"], row["acknowledged_at"]) if row else None

    async def acknowledge(self, notice_id: UUID, by: str) -> datetime:
        at: datetime = await self._conn.fetchval(
            "UPDATE notices SET acknowledged_at = now(), acknowledged_by = $2"
            " WHERE notice_id = $1 RETURNING acknowledged_at",
            notice_id,
            by,
        )
        return at


class PostgresAbeyanceUnitOfWork(PostgresUnitOfWork):
    facts: Facts
    abeyances: Abeyances
    timers: Timers
    clocks: PartitionClocks
    notices: Notices

    def bind(self, conn: Connection) -> None:
        self.facts = PostgresFacts(conn)
        self.abeyances = PostgresAbeyances(conn)
        self.timers = PostgresTimers(conn)
        self.clocks = PostgresPartitionClocks(conn)
        self.notices = PostgresNotices(conn)
