"""Intake's unit of work in PostgreSQL: the platform's event store, answers and audit trail, and
intake's participants, identity vault and referral read model, all on one transaction."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from services.intake.adapters.vault import PostgresIdentities
from services.intake.application.queries import view_of
from services.intake.application.unit_of_work import Identities, Participants, ReferralViews
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
            "INSERT INTO referral_view (referral_id, site, participant_id, state)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (referral_id) DO UPDATE"
            " SET state = excluded.state, updated_at = now()",
            state.referral_id,
            state.site,
            state.participant_id,
            view_of(state),
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


class PostgresIntakeUnitOfWork(PostgresUnitOfWork):
    participants: Participants
    identities: Identities
    referrals: ReferralViews

    def __init__(
        self, pool: Pool | None = None, *, master: AESGCM, joining: Connection | None = None
    ) -> None:
        super().__init__(pool, joining=joining)
        self._master = master

    def bind(self, conn: Connection) -> None:
        self.participants = PostgresParticipants(conn)
        self.identities = PostgresIdentities(conn, self._master, self.deferred)
        self.referrals = PostgresReferralViews(conn, self.deferred)
