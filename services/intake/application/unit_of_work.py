"""What intake's handlers need kept, as ports: the unit of work and its repositories.

``adapters.postgres`` implements them on one transaction; ``adapters.memory`` in dictionaries
(handler tests). ``tests/contract`` holds both to the same behaviour.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from services.intake.domain.caseload import AbeyanceView
from services.intake.domain.participants import Identity
from services.intake.domain.referral_state import ReferralState
from services.platform.unit_of_work import UnitOfWork


class IdentityForgotten(Exception):
    """The participant's key was destroyed: the identity cannot be recovered."""


class Participants(Protocol):
    async def note(self, participant_id: UUID, referral_id: UUID) -> int:
        """Count one more referral of the person; how many there are now (1: the first). Two
        referrals of one person are counted one after the other (the second waits for the
        first's unit of work), so a re-referral is always recognised."""
        ...


class Identities(Protocol):
    """Who a participant is, kept only in intake (the vault: encrypted per participant)."""

    async def keep(self, participant_id: UUID, identity: Identity) -> None: ...

    async def reveal(self, participant_id: UUID) -> Identity | None:
        """None when unknown; ``IdentityForgotten`` once forgotten."""
        ...

    async def forget(self, participant_id: UUID) -> bool:
        """Destroy the participant's key; whether there was one."""
        ...


class ReferralViews(Protocol):
    """Intake's read model of each referral, kept in the unit of work that records its events."""

    async def save(self, state: ReferralState) -> None: ...

    async def site_of(self, referral_id: UUID) -> str | None: ...

    async def get(self, referral_id: UUID) -> dict[str, Any] | None:
        """The referral as ``GET /referrals/{id}`` shows it (no identity), or None."""
        ...

    async def of_sites(
        self,
        sites: Sequence[str],
        *,
        status: str | None = None,
        pathway: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """The views of the sites' referrals, the most recently referred first; a filter that
        is None lets every value through."""
        ...


class AbeyanceViews(Protocol):
    """What abeyance's events told intake of each referral's abeyance (the caseload's
    deadlines), kept by the consumer of ``lead.abeyance.events``."""

    async def get(self, referral_id: UUID) -> AbeyanceView | None: ...

    async def save(self, view: AbeyanceView) -> None: ...

    async def of_referrals(self, referral_ids: Sequence[UUID]) -> dict[UUID, AbeyanceView]: ...


class IntakeUnitOfWork(UnitOfWork, Protocol):
    participants: Participants
    identities: Identities
    referrals: ReferralViews
    abeyances: AbeyanceViews
