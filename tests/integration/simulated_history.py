"""The simulated LA County history as the events intake would publish, straight into reporting.

No stack: each action of ``build_plan`` becomes the event intake records for it, with the
action's time as ``recorded_at`` (the simulated recording time) and the time it happened as
``occurred_at``; ids are derived from the plan's chain keys. Abeyance's decisions are not
simulated (every pre-booking abeyance reads as pending). Enough for reporting's tests of
whole-page suppression and of the two published snapshots, in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from events.envelope import new_envelope
from events.payloads import (
    CohortMemberEnrolled,
    EventPayload,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ProbationSpellRecorded,
    ReferralMade,
)
from events.registry import DecodedEvent
from services.intake.domain.participants import normalize_name
from services.simulation.actions import Action, Plan
from services.simulation.timeline import LA

_NOT_IN_THE_EVENT = frozenset({"person", "submission_id", "submitted_by"})


def _id(*parts: str) -> UUID:
    return uuid5(NAMESPACE_URL, "lead-test/" + "/".join(parts))


def _moment(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _day(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time(0), tzinfo=LA)


def _person(body: dict[str, Any]) -> UUID:
    person = body["person"]
    name = f"{normalize_name(person['given_name'])}|{normalize_name(person['family_name'])}"
    return _id("person", name, person["date_of_birth"])


def _payload(action: Action, seen: set[UUID]) -> tuple[EventPayload, datetime] | None:
    body, chain = action.body, action.chain or ""
    match action.kind:
        case "referral":
            person = _person(body)
            made = ReferralMade(
                referral_id=_id(chain),
                participant_id=person,
                is_re_referral=person in seen,
                **{
                    k: body[k] for k in body if k not in ("person", "submission_id", "submitted_by")
                },
            )
            seen.add(person)
            return made, made.referred_at
        case "status":
            change = ParticipantStatusChanged(referral_id=_id(chain), **body)
            return change, change.changed_at
        case "withdrawal":
            return ParticipantWithdrew(referral_id=_id(chain), **body), _moment(body["withdrew_at"])
        case "naloxone_distribution":
            record = NaloxoneDistributed(distribution_id=_id(action.name), **body)
            return record, _day(body["distributed_on"])
        case "naloxone_use":
            return NaloxoneUseReported(report_id=_id(action.name), **body), _day(
                body["reported_on"]
            )
        case "cohort_member":
            fields = {k: v for k, v in body.items() if k != "subject_ref"}
            return CohortMemberEnrolled(subject_id=_id(chain), **fields), _day(body["index_date"])
        case "justice_contact":
            contact = JusticeContactRecorded(subject_id=_id(chain), **body)
            return contact, _day(body["occurred_on"])
        case "probation_spell":
            return ProbationSpellRecorded(subject_id=_id(chain), **body), _day(body["start_on"])
    return None  # assessments and care plans: reporting does not read them


def history(plan: Plan) -> Iterator[DecodedEvent]:
    """The plan's events in the order they are sent (each chain's order kept)."""
    seen: set[UUID] = set()
    for action in plan.actions:
        made = _payload(action, seen)
        if made is None:
            continue
        payload, occurred = made
        envelope = new_envelope(
            payload,
            occurred_at=occurred,
            source="intake",
            recorded_at=action.sent_at,
            event_id=_id("event", action.name),
        )
        yield DecodedEvent(envelope, payload)
