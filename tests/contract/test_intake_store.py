"""Intake's repositories, one contract for both adapters: participants, the identity vault,
the referral read model."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from events.categories import ParticipantStatus, Pathway
from services.intake.application.unit_of_work import IdentityForgotten
from services.intake.domain.participants import Identity
from services.intake.domain.referral_state import ReferralState
from tests.contract.conftest import Adapters

pytestmark = pytest.mark.integration
PERSON = Identity("Testa", "Synthetic", date(1990, 2, 3))


async def test_each_referral_of_a_person_is_counted(adapters: Adapters) -> None:
    person, referral = uuid4(), uuid4()
    async with adapters.intake() as uow:
        assert await uow.participants.note(person, referral) == 1
        assert await uow.participants.note(person, uuid4()) == 2  # a re-referral
        await uow.commit()
    async with adapters.intake() as uow:
        assert await uow.participants.note(uuid4(), referral) == 1
        assert await uow.participants.note(person, uuid4()) == 3


async def test_an_identity_is_revealed_until_forgotten(adapters: Adapters) -> None:
    person = uuid4()
    async with adapters.intake() as uow:
        assert await uow.identities.reveal(person) is None
        await uow.identities.keep(person, PERSON)
        await uow.commit()
    async with adapters.intake() as uow:
        assert await uow.identities.reveal(person) == PERSON
        assert await uow.identities.forget(person)
        assert not await uow.identities.forget(person)
        await uow.commit()
    async with adapters.intake() as uow:
        with pytest.raises(IdentityForgotten):
            await uow.identities.reveal(person)
        await uow.identities.keep(person, PERSON)  # referred again: kept again
        assert await uow.identities.reveal(person) == PERSON


async def test_a_referral_view_is_kept_with_its_site(adapters: Adapters) -> None:
    referral = uuid4()
    state = ReferralState(
        referral_id=referral,
        site="hollywood",
        pathway=Pathway.COMMUNITY,
        status=ParticipantStatus.ACTIVE,
        participant_id=uuid4(),
        referred_at=datetime(2024, 5, 14, 17, 30, tzinfo=UTC),
        referring_agency="dmh",
    )
    async with adapters.intake() as uow:
        assert await uow.referrals.site_of(referral) is None
        assert await uow.referrals.get(referral) is None
        await uow.referrals.save(state)
        await uow.referrals.save(ReferralState(**{**vars(state), "status": "inactive"}))
        await uow.commit()
    async with adapters.intake() as uow:
        assert await uow.referrals.site_of(referral) == "hollywood"
        view = await uow.referrals.get(referral)
    assert view is not None
    assert (view["referral_id"], view["status"]) == (str(referral), "inactive")
    assert view["referred_at"] == "2024-05-14T17:30:00+00:00"
