"""The referral decider: pure rules, no I/O.

``decide(command, state, now, program)`` returns the events a command produces or raises a
``Rejection`` (``ValidationFailure`` for invalid input, listing every offending field);
``evolve(state, event)`` folds an event into the state and ``state_from(events)`` folds a whole
stream. Handlers load the state from the referral's stream, call ``decide`` and append the
events. ``now`` and ``program`` (sites, partners, eligible offenses) are passed in.

Checks run in this order: ``Conflict`` for a referral that already exists / ``NotFound`` for an
unknown one, then ``Conflict`` with the referral's state, then ``ValidationFailure`` listing
every invalid field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from events.categories import Ethnicity, Gender, ParticipantStatus, Pathway
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
from events.payloads.referral import arrest_problem
from services.intake.domain.errors import Conflict, NotFound, Rejection, ValidationFailure
from services.intake.domain.problems import (
    CLOCK_SKEW,
    Problems,
    build_event,
    choice,
    listed,
    local_day,
)
from services.intake.domain.referral_state import INITIAL, ReferralState, evolve, state_from
from services.intake.domain.referrers import REFERRER_ROLES
from services.program import Program, Site

__all__ = [
    "CLOCK_SKEW",
    "INITIAL",
    "ChangeStatus",
    "Command",
    "Conflict",
    "MakeReferral",
    "NotFound",
    "RecordAssessment",
    "RecordCarePlan",
    "RecordDemographics",
    "RecordWithdrawal",
    "ReferralState",
    "Rejection",
    "ValidationFailure",
    "decide",
    "evolve",
    "state_from",
]


@dataclass(frozen=True)
class MakeReferral:
    referral_id: UUID
    participant_id: UUID
    is_re_referral: bool
    site: str
    pathway: Pathway
    referred_at: datetime
    referring_agency: str
    gender: Gender | None
    ethnicity: Ethnicity | None
    age_at_referral: int | None
    arrest: Arrest | None


@dataclass(frozen=True)
class RecordAssessment:
    referral_id: UUID
    completed_at: datetime
    case_manager_agency: str


@dataclass(frozen=True)
class RecordCarePlan:
    referral_id: UUID
    completed_at: datetime
    case_manager_agency: str


@dataclass(frozen=True)
class ChangeStatus:
    referral_id: UUID
    status: ParticipantStatus
    reason: str
    changed_at: datetime


@dataclass(frozen=True)
class RecordWithdrawal:
    referral_id: UUID
    withdrew_at: datetime


@dataclass(frozen=True)
class RecordDemographics:
    """Self-reported gender and ethnicity of the referral's participant (``unknown`` allowed),
    as reported at ``reported_at`` (None: now)."""

    referral_id: UUID
    gender: Gender
    ethnicity: Ethnicity
    reported_at: datetime | None = None


Command = (
    MakeReferral
    | RecordAssessment
    | RecordCarePlan
    | ChangeStatus
    | RecordWithdrawal
    | RecordDemographics
)


def decide(
    command: Command, state: ReferralState, now: datetime, program: Program
) -> list[EventPayload]:
    """The events ``command`` produces given ``state``; raises ``Rejection`` when refused."""
    match command:
        case MakeReferral():
            return _make_referral(command, state, now, program)
        case RecordAssessment() | RecordCarePlan():
            return _record_completion(command, state, now, program)
        case ChangeStatus():
            return _change_status(command, state, now, program)
        case RecordWithdrawal():
            return _record_withdrawal(command, state, now, program)
        case RecordDemographics():
            return _record_demographics(command, state)
    raise TypeError(f"not a referral command: {command!r}")


# --- MakeReferral ---------------------------------------------------------------------------


def _make_referral(
    command: MakeReferral, state: ReferralState, now: datetime, program: Program
) -> list[EventPayload]:
    if state.exists:
        raise Conflict(f"referral {command.referral_id} already exists")
    problems = Problems()
    site = program.site(command.site)
    if site is None:
        problems.add(
            "site", f"unknown site {command.site!r}; configured: {listed(tuple(program.sites))}"
        )
    problems.timestamp("referred_at", command.referred_at, now)
    pathway = choice(problems, "pathway", Pathway, command.pathway)
    if pathway is not None:
        _check_referrer(problems, command, pathway, program)
    if pathway is not None and (problem := arrest_problem(pathway, command.arrest)):
        problems.add("arrest", problem)
    elif pathway is Pathway.PREBOOKING and command.arrest is not None:
        _check_arrest(problems, command, command.arrest, site)
    return build_event(
        problems,
        lambda: ReferralMade(
            referral_id=command.referral_id,
            participant_id=command.participant_id,
            site=command.site,
            pathway=Pathway(command.pathway),
            referred_at=command.referred_at,
            referring_agency=command.referring_agency,
            is_re_referral=command.is_re_referral,
            gender=command.gender,
            ethnicity=command.ethnicity,
            age_at_referral=command.age_at_referral,
            arrest=command.arrest,
        ),
    )


def _check_referrer(
    problems: Problems, command: MakeReferral, pathway: Pathway, program: Program
) -> None:
    referrer = program.agency(command.referring_agency)
    allowed = REFERRER_ROLES[pathway]
    if referrer is None:
        problems.add("referring_agency", f"unknown agency {command.referring_agency!r}")
    elif referrer.role not in allowed:
        problems.add(
            "referring_agency",
            f"{referrer.code!r} is a {referrer.role.value} agency; {pathway.value} referrals"
            f" come from: {listed(frozenset(r.value for r in allowed))}",
        )


def _check_arrest(
    problems: Problems, command: MakeReferral, arrest: Arrest, site: Site | None
) -> None:
    if command.referring_agency != arrest.arresting_agency:
        problems.add(
            "referring_agency",
            f"a prebooking referral is made by the arresting agency"
            f" {arrest.arresting_agency!r}, not {command.referring_agency!r}",
        )
    if site is None:
        return
    if arrest.arresting_agency not in site.law_enforcement:
        problems.add(
            "arrest.arresting_agency",
            f"{arrest.arresting_agency!r} is not a law-enforcement partner of site"
            f" {site.code!r} ({listed(site.law_enforcement)})",
        )
    if arrest.prosecuting_agency not in site.prosecutors:
        problems.add(
            "arrest.prosecuting_agency",
            f"{arrest.prosecuting_agency!r} is not a prosecutor partner of site"
            f" {site.code!r} ({listed(site.prosecutors)})",
        )
    elif arrest.prosecuting_agency not in site.prosecutors_for(arrest.arresting_agency):
        problems.add(
            "arrest.prosecuting_agency",
            f"arrests by {arrest.arresting_agency!r} at site {site.code!r} go to"
            f" {listed(site.prosecutors_for(arrest.arresting_agency))},"
            f" not {arrest.prosecuting_agency!r}",
        )
    for index, charge in enumerate(arrest.charges):
        if not site.is_eligible(charge.statute):
            problems.add(
                f"arrest.charges.{index}.statute",
                f"{charge.statute} is not an eligible LEAD offense at site {site.code!r};"
                f" eligible offenses: {', '.join(site.eligible_offenses)}",
            )


# --- case events ----------------------------------------------------------------------------


def _existing(state: ReferralState, referral_id: UUID) -> datetime:
    """The referral's ``referred_at``; 404 when the referral was never made."""
    if not state.exists or state.referred_at is None:
        raise NotFound(f"referral {referral_id} not found")
    return state.referred_at


def _not_withdrawn(state: ReferralState, site: Site | None) -> None:
    if state.withdrew_at is not None:
        raise Conflict(f"participant withdrew on {local_day(state.withdrew_at, site)}")


def _record_completion(
    command: RecordAssessment | RecordCarePlan,
    state: ReferralState,
    now: datetime,
    program: Program,
) -> list[EventPayload]:
    referred_at = _existing(state, command.referral_id)
    site = program.site(state.site or "")
    _not_withdrawn(state, site)
    step, recorded = (
        ("assessment", state.assessment_at)
        if isinstance(command, RecordAssessment)
        else ("care plan", state.care_plan_at)
    )
    if recorded is not None:
        raise Conflict(f"{step} already recorded on {local_day(recorded, site)}")
    problems = Problems()
    if site is None:
        problems.add("case_manager_agency", f"the referral's site {state.site!r} is not configured")
    elif command.case_manager_agency not in site.case_management:
        problems.add(
            "case_manager_agency",
            f"{command.case_manager_agency!r} is not a case-management agency of site"
            f" {site.code!r} ({listed(site.case_management)})",
        )
    problems.timestamp("completed_at", command.completed_at, now, not_before=referred_at)
    event_type = AssessmentCompleted if isinstance(command, RecordAssessment) else CarePlanCompleted
    return build_event(
        problems,
        lambda: event_type(
            referral_id=command.referral_id,
            completed_at=command.completed_at,
            case_manager_agency=command.case_manager_agency,
        ),
    )


def _change_status(
    command: ChangeStatus, state: ReferralState, now: datetime, program: Program
) -> list[EventPayload]:
    """A withdrawal made the participant inactive: a later ``inactive`` is accepted as already
    true (nothing to record), ``active`` conflicts (a new referral brings the person back)."""
    referred_at = _existing(state, command.referral_id)
    site = program.site(state.site or "")
    if state.withdrawn and command.status == ParticipantStatus.INACTIVE:
        return []
    _not_withdrawn(state, site)
    problems = Problems()
    status = choice(problems, "status", ParticipantStatus, command.status)
    if status is not None and status == state.status:
        raise Conflict(f"referral is already {status.value}")
    if not command.reason.strip():
        problems.add("reason", "say why the status changes")
    problems.timestamp("changed_at", command.changed_at, now, not_before=referred_at)
    return build_event(
        problems,
        lambda: ParticipantStatusChanged(
            referral_id=command.referral_id,
            status=ParticipantStatus(command.status),
            reason=command.reason,
            changed_at=command.changed_at,
        ),
    )


def _record_withdrawal(
    command: RecordWithdrawal, state: ReferralState, now: datetime, program: Program
) -> list[EventPayload]:
    referred_at = _existing(state, command.referral_id)
    site = program.site(state.site or "")
    if state.withdrew_at is not None:
        raise Conflict(f"participant already withdrew on {local_day(state.withdrew_at, site)}")
    problems = Problems()
    problems.timestamp("withdrew_at", command.withdrew_at, now, not_before=referred_at)
    return build_event(
        problems,
        lambda: ParticipantWithdrew(
            referral_id=command.referral_id, withdrew_at=command.withdrew_at
        ),
    )


# --- demographics ---------------------------------------------------------------------------


def _record_demographics(command: RecordDemographics, state: ReferralState) -> list[EventPayload]:
    """Recorded on the participant (a later self-report replaces an earlier one in reports)."""
    _existing(state, command.referral_id)
    assert state.participant_id is not None  # every made referral names its participant
    return [
        DemographicsRecorded(
            participant_id=state.participant_id,
            gender=command.gender,
            ethnicity=command.ethnicity,
        )
    ]
