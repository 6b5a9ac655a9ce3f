"""Intake's repositories, one contract for both adapters: participants, the identity vault,
the referral read model and the caseload's abeyance views."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from uuid import uuid4

import pytest

from events.categories import CompletionStep, ParticipantStatus, Pathway
from services.intake.application.unit_of_work import IdentityForgotten
from services.intake.domain.caseload import AbeyanceView
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


def _referral(site: str, pathway: Pathway, day: int, status: str = "active") -> ReferralState:
    return ReferralState(
        referral_id=uuid4(),
        site=site,
        pathway=pathway,
        status=ParticipantStatus(status),
        participant_id=uuid4(),
        referred_at=datetime(2024, 5, day, 17, 30, tzinfo=UTC),
        referring_agency="lapd",
    )


async def test_a_caseload_lists_its_sites_referrals_newest_first_filtered(
    adapters: Adapters,
) -> None:
    oldest = _referral("hollywood", Pathway.PREBOOKING, 1)
    inactive = _referral("hollywood", Pathway.SOCIAL_CONTACT, 2, "inactive")
    newest = _referral("hollywood", Pathway.PREBOOKING, 3)
    elsewhere = _referral("east-la", Pathway.PREBOOKING, 4)
    # an offset Python takes and PostgreSQL's timestamptz text input does not (beyond 15:59)
    far_offset = replace(
        _referral("hollywood", Pathway.PREBOOKING, 4),
        referred_at=datetime(2024, 5, 5, 10, 0, tzinfo=timezone(timedelta(hours=20))),
    )
    async with adapters.intake() as uow:
        for state in (oldest, inactive, newest, elsewhere, far_offset):
            await uow.referrals.save(state)
        await uow.commit()

    async def listed(
        status: str | None = None, pathway: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[str]:
        async with adapters.intake() as uow:
            views = await uow.referrals.of_sites(
                ["hollywood"], status=status, pathway=pathway, limit=limit, offset=offset
            )
        return [v["referral_id"] for v in views]

    ids = [str(s.referral_id) for s in (far_offset, newest, inactive, oldest)]
    assert await listed() == ids
    assert await listed(status="active") == [ids[0], ids[1], ids[3]]
    assert await listed(pathway="social_contact", status="inactive") == [ids[2]]
    assert await listed(limit=2) == ids[:2]
    assert await listed(limit=2, offset=2) == ids[2:]


async def test_an_abeyance_view_is_kept_and_read_by_referral(adapters: Adapters) -> None:
    referral = uuid4()
    deadline = datetime(2024, 6, 14, 6, 59, 59, 999999, tzinfo=UTC)
    view = AbeyanceView(referral, "pending", deadline, (CompletionStep.ASSESSMENT,))
    async with adapters.intake() as uow:
        assert await uow.abeyances.get(referral) is None
        await uow.abeyances.save(view)
        await uow.abeyances.save(replace(view, state="declined", rescinded=True))
        await uow.commit()
    async with adapters.intake() as uow:
        found = await uow.abeyances.of_referrals([referral, uuid4()])
    assert found == {referral: replace(view, state="declined", rescinded=True)}
