"""Reading a referral, and forgetting a participant: every access to identifiable data is
attributable to its caller (an audit line in the same unit of work)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.intake.application.unit_of_work import IdentityForgotten, IntakeUnitOfWork
from services.intake.domain.errors import NotFound
from services.intake.domain.referral_state import ReferralState
from services.platform.auth import Caller


def view_of(state: ReferralState) -> dict[str, Any]:
    """The referral as ``GET /referrals/{id}`` shows it (no identity)."""
    arrest = state.arrest.model_dump(mode="json") if state.arrest else None
    iso = {
        "referred_at": state.referred_at,
        "assessment_completed_at": state.assessment_at,
        "care_plan_completed_at": state.care_plan_at,
        "status_changed_at": state.status_changed_at,
        "withdrew_at": state.withdrew_at,
    }
    return {
        "referral_id": str(state.referral_id),
        "participant_id": str(state.participant_id),
        "site": state.site,
        "pathway": state.pathway,
        "status": state.status,
        "referring_agency": state.referring_agency,
        "arrest": arrest,
        **{name: moment.isoformat() if moment else None for name, moment in iso.items()},
    }


async def site_of(uow: IntakeUnitOfWork, referral_id: UUID) -> str:
    """The referral's site (to decide who may work on it); ``NotFound`` for an unknown one."""
    async with uow:
        site = await uow.referrals.site_of(referral_id)
    if site is None:
        raise NotFound(f"referral {referral_id} not found")
    return site


async def read_referral(uow: IntakeUnitOfWork, caller: Caller, referral_id: UUID) -> dict[str, Any]:
    """The referral with its person (``identity``: kept, forgotten or unknown), audited."""
    async with uow:
        view = await uow.referrals.get(referral_id)
        if view is None:
            raise NotFound(f"referral {referral_id} not found")
        view["person"], view["identity"] = await person_of(uow, UUID(view["participant_id"]))
        await uow.audit.record(caller, "GET referral", "referral", str(referral_id), "read")
        await uow.commit()
    return view


async def person_of(uow: IntakeUnitOfWork, participant: UUID) -> tuple[dict[str, str] | None, str]:
    """Who the participant is (``kept``), or None with ``forgotten`` or ``unknown``; reading
    it is a read of identifiable data: audit it in the same unit of work."""
    try:
        who = await uow.identities.reveal(participant)
    except IdentityForgotten:
        return None, "forgotten"
    if who is None:
        return None, "unknown"
    person = {
        "given_name": who.given_name,
        "family_name": who.family_name,
        "date_of_birth": who.date_of_birth.isoformat(),
    }
    return person, "kept"


async def referral_history(
    uow: IntakeUnitOfWork, caller: Caller, referral_id: UUID
) -> dict[str, Any]:
    """Every event of the referral, in order (at its current schema version), audited."""
    async with uow:
        events = await uow.events.read(str(referral_id))
        await uow.audit.record(caller, "GET referral history", "referral", str(referral_id), "read")
        await uow.commit()
    return {
        "referral_id": str(referral_id),
        "events": [
            {
                "version": e.version,
                "position": e.position,
                **e.current.envelope.model_dump(mode="json"),
            }
            for e in events
        ],
    }


async def forget_participant(uow: IntakeUnitOfWork, caller: Caller, participant: UUID) -> bool:
    """Destroy the participant's identity key (crypto-shredding); whether there was one."""
    async with uow:
        destroyed = await uow.identities.forget(participant)
        outcome = "forgotten" if destroyed else "nothing to forget"
        await uow.audit.record(caller, "forget", "participant", str(participant), outcome)
        await uow.commit()
    return destroyed
