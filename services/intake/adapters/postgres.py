"""Intake's unit of work in PostgreSQL: the platform's event store, answers and audit trail, and
intake's participants, identity vault and referral read model, all on one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.categories import CompletionStep
from services.intake.adapters.vault import PostgresIdentities
from services.intake.application.queries import view_of
from services.intake.application.unit_of_work import (
    AbeyanceViews,
    Identities,
    Participants,
    ReferralViews,
)
from services.intake.domain.caseload import AbeyanceView
from services.intake.domain.referral_state import ReferralState
from services.platform.db import Connection, Pool
from services.platform.unit_of_work import PostgresUnitOfWork
from services.platform.writes import DeferredWrites


class PostgresParticipants:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def note(self, participant_id: UUID, referral_id: UUID) -> int:
        count: int = await self._conn.fetchval(
            "INSERT INTO participants (participant_id, first_referral_id) VALUES ($1, $2)"
            " ON CONFLICT (participant_id) DO UPDATE"
            " SET referral_count = participants.referral_count + 1 RETURNING referral_count",
            participant_id,
            referral_id,
        )
        return count


class PostgresReferralViews:
    def __init__(self, conn: Connection, deferred: DeferredWrites) -> None:
        self._conn = conn
        self._deferred = deferred

    async def save(self, state: ReferralState) -> None:
        self._deferred.add(
            "INSERT INTO referral_view (referral_id, site, participant_id, state, referred_at)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (referral_id) DO UPDATE"
            " SET state = excluded.state, referred_at = excluded.referred_at,"
            " updated_at = now()",
            state.referral_id,
            state.site,
            state.participant_id,
            view_of(state),
            state.referred_at,
            replaces=("referral_view", state.referral_id),
        )

    async def site_of(self, referral_id: UUID) -> str | None:
        await self._deferred.flush()
        site: str | None = await self._conn.fetchval(
            "SELECT site FROM referral_view WHERE referral_id = $1", referral_id
        )
        return site

    async def get(self, referral_id: UUID) -> dict[str, Any] | None:
        await self._deferred.flush()
        view = await self._conn.fetchval(
            "SELECT state FROM referral_view WHERE referral_id = $1", referral_id
        )
        return dict(view) if view is not None else None

    async def of_sites(
        self,
        sites: Sequence[str],
        *,
        status: str | None = None,
        pathway: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        await self._deferred.flush()
        rows = await self._conn.fetch(
            "SELECT state FROM referral_view WHERE site = ANY($1::text[])"
            " AND ($2::text IS NULL OR state->>'status' = $2)"
            " AND ($3::text IS NULL OR state->>'pathway' = $3)"
            " ORDER BY referred_at DESC NULLS LAST, referral_id"
            " LIMIT $4 OFFSET $5",
            list(sites),
            status,
            pathway,
            limit,
            offset,
        )
        return [dict(row["state"]) for row in rows]


class PostgresAbeyanceViews:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    async def get(self, referral_id: UUID) -> AbeyanceView | None:
        found = await self.of_referrals([referral_id])
        return found.get(referral_id)

    async def save(self, view: AbeyanceView) -> None:
        await self._conn.execute(
            "INSERT INTO abeyance_view"
            " (referral_id, state, deadline_at, completion_condition, rescinded)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (referral_id) DO UPDATE"
            " SET state = excluded.state, deadline_at = excluded.deadline_at,"
            " completion_condition = excluded.completion_condition,"
            " rescinded = excluded.rescinded, updated_at = now()",
            view.referral_id,
            view.state,
            view.deadline_at,
            [step.value for step in view.completion_condition],
            view.rescinded,
        )

    async def of_referrals(self, referral_ids: Sequence[UUID]) -> dict[UUID, AbeyanceView]:
        rows = await self._conn.fetch(
            "SELECT * FROM abeyance_view WHERE referral_id = ANY($1::uuid[])", list(referral_ids)
        )
        return {
            row["referral_id"]: AbeyanceView(
                row["referral_id"],
                row["state"],
                row["deadline_at"],
                tuple(CompletionStep(step) for step in row["completion_condition"]),
                row["rescinded"],
            )
            for row in rows
        }


class PostgresIntakeUnitOfWork(PostgresUnitOfWork):
    participants: Participants
    identities: Identities
    referrals: ReferralViews
    abeyances: AbeyanceViews

    def __init__(
        self, pool: Pool | None = None, *, master: AESGCM, joining: Connection | None = None
    ) -> None:
        super().__init__(pool, joining=joining)
        self._master = master

    def bind(self, conn: Connection) -> None:
        self.participants = PostgresParticipants(conn)
        self.identities = PostgresIdentities(conn, self._master, self.deferred)
        self.referrals = PostgresReferralViews(conn, self.deferred)
        self.abeyances = PostgresAbeyanceViews(conn)
