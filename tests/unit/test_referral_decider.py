"""The referral decider, given events / when a command / then events or a rejection."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from events.categories import ChargeLevel, Ethnicity, Gender, ParticipantStatus, Pathway
from events.common import Charge
from events.payloads import (
    Arrest,
    AssessmentCompleted,
    CarePlanCompleted,
    DemographicsRecorded,
    EventPayload,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ReferralMade,
)
from services.intake.domain.referral import (
    CLOCK_SKEW,
    INITIAL,
    ChangeStatus,
    Command,
    Conflict,
    MakeReferral,
    NotFound,
    RecordAssessment,
    RecordCarePlan,
    RecordWithdrawal,
    ReferralState,
    Rejection,
    ValidationFailure,
    decide,
    evolve,
    state_from,
)
from services.program import load_program

LA = ZoneInfo("America/Los_Angeles")
NOW = datetime(2024, 3, 20, 12, 0, tzinfo=LA)
REFERRED_AT = datetime(2024, 3, 10, 9, 30, tzinfo=LA)
PROGRAM = load_program()
RID = UUID("00000000-0000-4000-8000-000000000001")


def charge(statute: str = "HS 11350(a)") -> Charge:
    return Charge(statute=statute, description="possession", level=ChargeLevel.MISDEMEANOR)


def arrest(arresting: str = "lapd", prosecuting: str = "lacityatty", *statutes: str) -> Arrest:
    return Arrest(
        report_number="R-1",
        arresting_agency=arresting,
        prosecuting_agency=prosecuting,
        charges=tuple(charge(s) for s in statutes or ("HS 11350(a)",)),
    )


def make(**changes: Any) -> MakeReferral:
    """A valid pre-booking referral at Hollywood by LAPD, with ``changes`` applied."""
    command = MakeReferral(
        referral_id=RID,
        participant_id=uuid4(),
        is_re_referral=False,
        site="hollywood",
        pathway=Pathway.PREBOOKING,
        referred_at=REFERRED_AT,
        referring_agency="lapd",
        gender=Gender.FEMALE,
        ethnicity=Ethnicity.LATINX,
        age_at_referral=34,
        arrest=arrest(),
    )
    return replace(command, **changes)


def when(command: Command, *given: EventPayload, now: datetime = NOW) -> list[EventPayload]:
    return decide(command, state_from(given), now, PROGRAM)


def rejected(command: Command, *given: EventPayload, now: datetime = NOW) -> Rejection:
    with pytest.raises(Rejection) as info:
        when(command, *given, now=now)
    return info.value


def invalid(command: Command, *given: EventPayload, now: datetime = NOW) -> ValidationFailure:
    rejection = rejected(command, *given, now=now)
    assert isinstance(rejection, ValidationFailure), rejection.reason
    return rejection


def made(**changes: Any) -> ReferralMade:
    [event] = when(make(**changes))
    assert isinstance(event, ReferralMade)
    return event


def community(**changes: Any) -> MakeReferral:
    defaults: dict[str, Any] = {
        "pathway": Pathway.COMMUNITY,
        "referring_agency": "lahsa",
        "arrest": None,
    }
    return make(**(defaults | changes))


def at(days: float = 0, **kwargs: float) -> datetime:
    return REFERRED_AT + timedelta(days=days, **kwargs)


def assessment(agency: str = "chpla", completed_at: datetime | None = None) -> RecordAssessment:
    return RecordAssessment(RID, completed_at or at(1), agency)


def care_plan(agency: str = "chpla", completed_at: datetime | None = None) -> RecordCarePlan:
    return RecordCarePlan(RID, completed_at or at(2), agency)


# --- MakeReferral: accepted ---------------------------------------------------------------


def test_prebooking_referral_is_made() -> None:
    command = make()
    assert when(command) == [
        ReferralMade(
            referral_id=RID,
            participant_id=command.participant_id,
            site="hollywood",
            pathway=Pathway.PREBOOKING,
            referred_at=REFERRED_AT,
            referring_agency="lapd",
            is_re_referral=False,
            gender=Gender.FEMALE,
            ethnicity=Ethnicity.LATINX,
            age_at_referral=34,
            arrest=arrest(),
        )
    ]


@pytest.mark.parametrize("agency", ["lapd", "la-probation", "la-public-defender", "lada"])
def test_social_contact_referral_by_law_enforcement_or_a_justice_partner(agency: str) -> None:
    [event] = when(make(pathway=Pathway.SOCIAL_CONTACT, referring_agency=agency, arrest=None))
    assert isinstance(event, ReferralMade)
    assert event.pathway is Pathway.SOCIAL_CONTACT
    assert event.arrest is None


@pytest.mark.parametrize("agency", ["lahsa", "dmh", "chpla", "hopics", "usc-keck"])
def test_community_referral_by_a_non_justice_entity(agency: str) -> None:
    [event] = when(community(referring_agency=agency))
    assert isinstance(event, ReferralMade)
    assert event.pathway is Pathway.COMMUNITY


@pytest.mark.parametrize(
    ("site", "police", "prosecutor"),
    [
        ("south-la-north-long-beach", "lasd", "lada"),
        ("south-la-north-long-beach", "lbpd", "lbcp"),
        ("south-la-north-long-beach", "lbpd", "lada"),
        ("hollywood", "lapd", "lada"),
        ("east-la", "lasd", "lada"),
    ],
)
def test_prebooking_at_every_site(site: str, police: str, prosecutor: str) -> None:
    event = made(site=site, referring_agency=police, arrest=arrest(police, prosecutor))
    assert event.site == site


def test_every_default_eligible_offense_and_any_spelling_of_it() -> None:
    statutes = ("HS 11350(a)", "hs 11357", "HS11364", "hs 11377 (A)", "HS 11550(a)", "pc 647(b)")
    event = made(arrest=arrest("lapd", "lacityatty", *statutes))
    assert event.arrest is not None
    assert len(event.arrest.charges) == 6


def test_a_timestamp_within_the_clock_skew_is_accepted() -> None:
    assert made(referred_at=NOW + CLOCK_SKEW).referred_at == NOW + CLOCK_SKEW
    assert made(referred_at=NOW + timedelta(minutes=4)).referred_at > NOW


# --- MakeReferral: rejected ---------------------------------------------------------------


def test_a_referral_that_exists_already_conflicts() -> None:
    rejection = rejected(make(), made())
    assert isinstance(rejection, Conflict)
    assert not isinstance(rejection, ValidationFailure)


def test_unknown_site() -> None:
    failure = invalid(make(site="atlantis", arrest=arrest()))
    assert failure.fields == ["site"]
    assert "atlantis" in failure.reason


def test_prebooking_needs_an_arrest() -> None:
    assert invalid(make(arrest=None)).fields == ["arrest"]


@pytest.mark.parametrize(
    ("pathway", "agency"), [(Pathway.SOCIAL_CONTACT, "lapd"), (Pathway.COMMUNITY, "lahsa")]
)
def test_other_pathways_carry_no_arrest(pathway: Pathway, agency: str) -> None:
    assert invalid(make(pathway=pathway, referring_agency=agency)).fields == ["arrest"]


def test_arresting_agency_must_be_law_enforcement_of_the_site() -> None:
    failure = invalid(make(referring_agency="lasd", arrest=arrest("lasd", "lada")))
    assert failure.fields == ["arrest.arresting_agency"]
    assert "hollywood" in failure.reason


def test_prosecuting_agency_must_be_a_prosecutor_of_the_site() -> None:
    assert invalid(make(arrest=arrest("lapd", "lbcp"))).fields == ["arrest.prosecuting_agency"]


def test_prosecuting_agency_must_fit_the_arresting_agency() -> None:
    command = make(
        site="south-la-north-long-beach", referring_agency="lasd", arrest=arrest("lasd", "lbcp")
    )
    failure = invalid(command)
    assert failure.fields == ["arrest.prosecuting_agency"]
    assert "lada" in failure.reason


def test_an_ineligible_charge_is_named_with_the_eligible_list() -> None:
    failure = invalid(make(arrest=arrest("lapd", "lacityatty", "HS 11350(a)", "PC 245(a)(1)")))
    assert failure.fields == ["arrest.charges.1.statute"]
    [(_, message)] = failure.errors
    assert "PC 245(a)(1)" in message
    for statute in PROGRAM.sites["hollywood"].eligible_offenses:
        assert statute in message


@pytest.mark.parametrize(
    ("pathway", "agency"),
    [
        (Pathway.PREBOOKING, "la-probation"),
        (Pathway.PREBOOKING, "lada"),
        (Pathway.SOCIAL_CONTACT, "lahsa"),
        (Pathway.SOCIAL_CONTACT, "chpla"),
        (Pathway.COMMUNITY, "lapd"),
        (Pathway.COMMUNITY, "lada"),
        (Pathway.COMMUNITY, "la-probation"),
        (Pathway.COMMUNITY, "no-such-agency"),
    ],
)
def test_the_referring_agency_must_fit_the_pathway(pathway: Pathway, agency: str) -> None:
    holds = arrest(agency, "lacityatty") if pathway is Pathway.PREBOOKING else None
    failure = invalid(make(pathway=pathway, referring_agency=agency, arrest=holds))
    assert "referring_agency" in failure.fields


def test_prebooking_is_referred_by_the_arresting_agency() -> None:
    command = make(
        site="south-la-north-long-beach", referring_agency="lbpd", arrest=arrest("lasd", "lada")
    )
    failure = invalid(command)
    assert failure.fields == ["referring_agency"]
    assert "arresting agency" in failure.reason


def test_referred_at_beyond_the_clock_skew_is_in_the_future() -> None:
    failure = invalid(make(referred_at=NOW + CLOCK_SKEW + timedelta(seconds=1)))
    assert failure.fields == ["referred_at"]
    assert "future" in failure.reason


def test_a_timestamp_without_offset() -> None:
    assert invalid(make(referred_at=datetime(2024, 3, 10, 9, 30))).fields == ["referred_at"]


def test_an_unknown_pathway() -> None:
    assert invalid(make(pathway="walk_in", arrest=None)).fields == ["pathway"]


def test_a_contract_violation_becomes_a_422_for_its_field() -> None:
    assert invalid(make(age_at_referral=200)).fields == ["age_at_referral"]


def test_every_invalid_field_is_listed_at_once() -> None:
    command = make(
        referring_agency="la-probation",
        referred_at=NOW + timedelta(days=1),
        arrest=arrest("lasd", "lbcp", "PC 245(a)(1)", "HS 11357", "VC 23152(a)"),
    )
    assert invalid(command).fields == [
        "referred_at",
        "referring_agency",
        "referring_agency",
        "arrest.arresting_agency",
        "arrest.prosecuting_agency",
        "arrest.charges.0.statute",
        "arrest.charges.2.statute",
    ]


def test_an_unknown_site_still_reports_the_other_fields() -> None:
    command = community(site="atlantis", referring_agency="lapd", referred_at=NOW + timedelta(1))
    assert invalid(command).fields == ["site", "referred_at", "referring_agency"]


# --- case events --------------------------------------------------------------------------

CASE_COMMANDS: list[Command] = [
    assessment(),
    care_plan(),
    ChangeStatus(RID, ParticipantStatus.INACTIVE, "not seen", at(3)),
    RecordWithdrawal(RID, at(3)),
]


@pytest.mark.parametrize("command", CASE_COMMANDS, ids=lambda c: type(c).__name__)
def test_a_case_event_for_an_unknown_referral_is_not_found(command: Command) -> None:
    rejection = rejected(command)
    assert isinstance(rejection, NotFound)
    assert str(RID) in rejection.reason


def test_assessment_and_care_plan_in_either_order() -> None:
    referral_made = made()
    assessed = AssessmentCompleted(referral_id=RID, completed_at=at(1), case_manager_agency="chpla")
    planned = CarePlanCompleted(referral_id=RID, completed_at=at(2), case_manager_agency="chpla")
    assert when(assessment(), referral_made) == [assessed]
    assert when(care_plan(), referral_made, assessed) == [planned]
    assert when(care_plan(), referral_made) == [planned]
    assert when(assessment(), referral_made, planned) == [assessed]


@pytest.mark.parametrize("agency", ["alma", "hopics", "lapd", "nobody"])
def test_the_case_manager_must_be_the_sites_case_management(agency: str) -> None:
    failure = invalid(care_plan(agency), made())
    assert failure.fields == ["case_manager_agency"]


def test_completion_before_the_referral_is_invalid() -> None:
    failure = invalid(assessment(completed_at=at(-1)), made())
    assert failure.fields == ["completed_at"]
    assert "before the referral" in failure.reason


def test_completion_in_the_future() -> None:
    assert invalid(care_plan(completed_at=NOW + timedelta(hours=1)), made()).fields == [
        "completed_at"
    ]
    [event] = when(care_plan(completed_at=NOW + timedelta(minutes=5)), made())
    assert isinstance(event, CarePlanCompleted)


def test_completion_lists_every_invalid_field() -> None:
    failure = invalid(assessment("alma", completed_at=at(-1)), made())
    assert failure.fields == ["case_manager_agency", "completed_at"]


def test_a_second_assessment_conflicts() -> None:
    done = AssessmentCompleted(referral_id=RID, completed_at=at(1), case_manager_agency="chpla")
    rejection = rejected(assessment(completed_at=at(2)), made(), done)
    assert isinstance(rejection, Conflict)
    assert rejection.reason == "assessment already recorded on 2024-03-11"


def test_a_second_care_plan_conflicts() -> None:
    done = CarePlanCompleted(referral_id=RID, completed_at=at(2), case_manager_agency="chpla")
    rejection = rejected(care_plan(completed_at=at(3)), made(), done)
    assert isinstance(rejection, Conflict)
    assert rejection.reason == "care plan already recorded on 2024-03-12"


def withdrew(moment: datetime | None = None) -> ParticipantWithdrew:
    return ParticipantWithdrew(referral_id=RID, withdrew_at=moment or at(1))


@pytest.mark.parametrize(
    "command",
    [
        care_plan(completed_at=at(2)),
        assessment(completed_at=at(2)),
        ChangeStatus(RID, ParticipantStatus.ACTIVE, "back again", at(2)),
    ],
    ids=lambda c: type(c).__name__,
)
def test_nothing_is_recorded_after_a_withdrawal(command: Command) -> None:
    # 02:00 UTC on 12 March is still 11 March in Los Angeles.
    moment = datetime(2024, 3, 12, 2, 0, tzinfo=UTC)
    rejection = rejected(command, made(), withdrew(moment))
    assert isinstance(rejection, Conflict)
    assert rejection.reason == "participant withdrew on 2024-03-11"


def test_withdrawal() -> None:
    assert when(RecordWithdrawal(RID, at(4)), made()) == [withdrew(at(4))]


def test_withdrawal_after_completion_is_allowed() -> None:
    done = AssessmentCompleted(referral_id=RID, completed_at=at(1), case_manager_agency="chpla")
    assert when(RecordWithdrawal(RID, at(4)), made(), done) == [withdrew(at(4))]


def test_a_withdrawal_makes_the_participant_inactive_from_then_on() -> None:
    state = state_from([made(), withdrew(at(4))])
    assert (state.status, state.status_changed_at) == (ParticipantStatus.INACTIVE, at(4))


def test_inactive_after_a_withdrawal_is_accepted_as_already_true() -> None:
    went_inactive = ChangeStatus(RID, ParticipantStatus.INACTIVE, "withdrew from LEAD", at(5))
    assert when(went_inactive, made(), withdrew(at(4))) == []


def test_a_second_withdrawal_conflicts() -> None:
    rejection = rejected(RecordWithdrawal(RID, at(5)), made(), withdrew(at(1)))
    assert isinstance(rejection, Conflict)
    assert rejection.reason == "participant already withdrew on 2024-03-11"


def test_withdrawal_times_are_checked() -> None:
    assert invalid(RecordWithdrawal(RID, at(-1)), made()).fields == ["withdrew_at"]
    assert invalid(RecordWithdrawal(RID, NOW + timedelta(minutes=6)), made()).fields == [
        "withdrew_at"
    ]


def test_status_goes_inactive_and_back() -> None:
    inactive = ChangeStatus(RID, ParticipantStatus.INACTIVE, "no contact for 60 days", at(5))
    [went_inactive] = when(inactive, made())
    assert went_inactive == ParticipantStatusChanged(
        referral_id=RID,
        status=ParticipantStatus.INACTIVE,
        reason="no contact for 60 days",
        changed_at=at(5),
    )
    back = ChangeStatus(RID, ParticipantStatus.ACTIVE, "re-engaged", at(6))
    [went_active] = when(back, made(), went_inactive)
    assert isinstance(went_active, ParticipantStatusChanged)
    assert went_active.status is ParticipantStatus.ACTIVE


def test_a_status_change_to_the_current_status_conflicts() -> None:
    rejection = rejected(ChangeStatus(RID, ParticipantStatus.ACTIVE, "still here", at(1)), made())
    assert isinstance(rejection, Conflict)
    assert rejection.reason == "referral is already active"


def test_a_status_other_than_active_or_inactive_is_invalid() -> None:
    failure = invalid(ChangeStatus(RID, "closed", "done", at(1)), made())  # type: ignore[arg-type]
    assert failure.fields == ["status"]


def test_status_change_lists_every_invalid_field() -> None:
    command = ChangeStatus(RID, ParticipantStatus.INACTIVE, "  ", NOW + timedelta(days=2))
    assert invalid(command, made()).fields == ["reason", "changed_at"]
    before = ChangeStatus(RID, ParticipantStatus.INACTIVE, "x", at(-2))
    assert invalid(before, made()).fields == ["changed_at"]


# --- evolve / state_from ------------------------------------------------------------------


def test_state_from_folds_every_referral_event() -> None:
    referral_made = made()
    state = state_from(
        [
            referral_made,
            AssessmentCompleted(referral_id=RID, completed_at=at(1), case_manager_agency="chpla"),
            CarePlanCompleted(referral_id=RID, completed_at=at(2), case_manager_agency="chpla"),
            ParticipantStatusChanged(
                referral_id=RID, status=ParticipantStatus.INACTIVE, reason="x", changed_at=at(3)
            ),
            DemographicsRecorded(
                participant_id=referral_made.participant_id,
                gender=Gender.MALE,
                ethnicity=Ethnicity.WHITE,
            ),
            withdrew(at(4)),
        ]
    )
    assert state == ReferralState(
        referral_id=RID,
        site="hollywood",
        pathway=Pathway.PREBOOKING,
        status=ParticipantStatus.INACTIVE,
        participant_id=referral_made.participant_id,
        referred_at=REFERRED_AT,
        referring_agency="lapd",
        arrest=arrest(),
        assessment_at=at(1),
        care_plan_at=at(2),
        status_changed_at=at(3),
        withdrew_at=at(4),
    )
    assert state.exists and state.withdrawn


def test_initial_state_and_evolve() -> None:
    assert state_from([]) == INITIAL
    assert not INITIAL.exists
    state = evolve(INITIAL, made())
    assert state.exists
    assert state.status is ParticipantStatus.ACTIVE
    assert state.assessment_at is None and not state.withdrawn


def test_decide_does_not_change_the_state() -> None:
    state = state_from([made()])
    decide(assessment(), state, NOW, PROGRAM)
    assert state.assessment_at is None
