"""Intake's unit of work in memory, for handler tests: no database, the same behaviour
(``tests/contract`` holds it to the PostgreSQL adapter's)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from services.intake.application.queries import view_of
from services.intake.application.unit_of_work import (
    AbeyanceViews,
    Identities,
    IdentityForgotten,
    Participants,
    ReferralViews,
)
from services.intake.domain.caseload import AbeyanceView
from services.intake.domain.participants import Identity
from services.intake.domain.referral_state import ReferralState
from services.platform.memory import MemoryState, MemoryUnitOfWork


@dataclass
class IntakeMemory(MemoryState):
    participants: dict[UUID, int] = field(default_factory=dict)
    """Participant id -> how many referrals."""
    identities: dict[UUID, Identity | None] = field(default_factory=dict)
    """None once forgotten."""
    referrals: dict[UUID, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """Referral id -> its site and its view."""
    abeyances: dict[UUID, AbeyanceView] = field(default_factory=dict)


class MemoryParticipants:
    def __init__(self, state: IntakeMemory) -> None:
        self._state = state

    async def note(self, participant_id: UUID, referral_id: UUID) -> int:
        count = self._state.participants.get(participant_id, 0) + 1
        self._state.participants[participant_id] = count
        return count


class MemoryIdentities:
    def __init__(self, state: IntakeMemory) -> None:
        self._state = state

    async def keep(self, participant_id: UUID, identity: Identity) -> None:
        self._state.identities[participant_id] = identity

    async def reveal(self, participant_id: UUID) -> Identity | None:
        if participant_id not in self._state.identities:
            return None
        identity = self._state.identities[participant_id]
        if identity is None:
            raise IdentityForgotten(f"participant {participant_id} was forgotten")
        return identity

    async def forget(self, participant_id: UUID) -> bool:
        if self._state.identities.get(participant_id) is None:
            return False
        self._state.identities[participant_id] = None
        return True


class MemoryReferralViews:
    def __init__(self, state: IntakeMemory) -> None:
        self._state = state

    async def save(self, state: ReferralState) -> None:
        assert state.referral_id is not None and state.site is not None
        self._state.referrals[state.referral_id] = (state.site, view_of(state))

    async def site_of(self, referral_id: UUID) -> str | None:
        found = self._state.referrals.get(referral_id)
        return found[0] if found else None

    async def get(self, referral_id: UUID) -> dict[str, Any] | None:
        found = self._state.referrals.get(referral_id)
        return dict(found[1]) if found else None

    async def of_sites(
        self,
        sites: Sequence[str],
        *,
        status: str | None = None,
        pathway: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        chosen = [
            dict(view)
            for site, view in self._state.referrals.values()
            if site in sites
            and status in (None, view["status"])
            and pathway in (None, view["pathway"])
        ]
        chosen.sort(key=lambda v: v["referral_id"])
        chosen.sort(key=lambda v: datetime.fromisoformat(v["referred_at"]), reverse=True)
        return chosen[offset : offset + limit]


class MemoryAbeyanceViews:
    def __init__(self, state: IntakeMemory) -> None:
        self._state = state

    async def get(self, referral_id: UUID) -> AbeyanceView | None:
        return self._state.abeyances.get(referral_id)

    async def save(self, view: AbeyanceView) -> None:
        self._state.abeyances[view.referral_id] = view

    async def of_referrals(self, referral_ids: Sequence[UUID]) -> dict[UUID, AbeyanceView]:
        known = self._state.abeyances
        return {r: known[r] for r in referral_ids if r in known}


class MemoryIntakeUnitOfWork(MemoryUnitOfWork):
    participants: Participants
    identities: Identities
    referrals: ReferralViews
    abeyances: AbeyanceViews

    def __init__(self, state: IntakeMemory | None = None) -> None:
        self.state: IntakeMemory = state or IntakeMemory()
        super().__init__(self.state)
        self.participants = MemoryParticipants(self.state)
        self.identities = MemoryIdentities(self.state)
        self.referrals = MemoryReferralViews(self.state)
        self.abeyances = MemoryAbeyanceViews(self.state)
