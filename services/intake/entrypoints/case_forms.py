"""The forms of a referral's page: which fields each has, what a sent form becomes (the very
body the API takes, for the same request model to validate), and each refusal's messages
placed next to the field it is about. Pure: no I/O.

A ``datetime-local`` field sends a wall-clock time without an offset ("2024-05-14T10:30"); it
is read in the site's time zone, as a case manager at the site means it. Anything else is
passed on as typed, so that the request model says what is wrong with it, in the API's words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from events.categories import Ethnicity, Gender, ParticipantStatus
from events.errors import field_errors
from services.intake.application.case_steps import CASE_STEPS
from services.intake.domain.errors import Rejection, ValidationFailure
from services.platform.idempotency import IdempotencyKeyReused

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
FORM = ""
"""The key of the messages about the form as a whole rather than one of its fields."""

ETHNICITY_WORDS = {
    Ethnicity.BLACK: "African American / Black",
    Ethnicity.ASIAN_PACIFIC_ISLANDER: "Asian / Pacific Islander",
    Ethnicity.WHITE: "Caucasian / White",
    Ethnicity.LATINX: "Latinx",
    Ethnicity.NATIVE_AMERICAN: "Native American",
    Ethnicity.OTHER: "other",
    Ethnicity.UNKNOWN: "not reported",
}
GENDER_WORDS = {g: g.value.replace("_", " ") for g in Gender} | {Gender.UNKNOWN: "not reported"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "datetime-local"
    """The input's type, or ``select``."""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = True


@dataclass(frozen=True)
class CaseForm:
    step: str
    """Its case step (``CASE_STEPS``), also the last part of its address."""
    title: str
    button: str
    fields: tuple[Field, ...]
    hint: str = ""

    @property
    def moments(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind == "datetime-local")


CASE_FORMS: dict[str, CaseForm] = {
    form.step: form
    for form in (
        CaseForm(
            "assessment",
            "Assessment",
            "Record the assessment",
            (Field("completed_at", "Completed at"),),
        ),
        CaseForm(
            "care-plan",
            "Care plan",
            "Record the care plan",
            (Field("completed_at", "Completed at"),),
        ),
        CaseForm(
            "status",
            "Status",
            "Change the status",
            (
                Field("status", "New status", "select", tuple((s, s) for s in ParticipantStatus)),
                Field("reason", "Reason", "text"),
                Field("changed_at", "Changed at"),
            ),
            "Inactive: referred, not taking part now; active again when they come back.",
        ),
        CaseForm(
            "withdrawal",
            "Withdrawal",
            "Record the withdrawal",
            (Field("withdrew_at", "Withdrew at"),),
            "Ends participation: the referral becomes inactive for good (a new referral brings"
            " the person back) and charges held in abeyance are not declined.",
        ),
        CaseForm(
            "demographics",
            "Demographics (self-reported)",
            "Record the demographics",
            (
                Field("gender", "Gender", "select", tuple(GENDER_WORDS.items())),
                Field("ethnicity", "Race / ethnicity", "select", tuple(ETHNICITY_WORDS.items())),
                Field("recorded_at", "Reported at", required=False),
            ),
        ),
    )
}
assert set(CASE_FORMS) == set(CASE_STEPS), "a form for every case step, and only those"


def forms_for(referral: Mapping[str, Any]) -> list[CaseForm]:
    """The forms a referral's page offers: a step not yet recorded, nothing but demographics
    once the participant withdrew (the domain would refuse the rest)."""
    if referral.get("withdrew_at"):
        return [CASE_FORMS["demographics"]]
    done = {
        "assessment": referral.get("assessment_completed_at"),
        "care-plan": referral.get("care_plan_completed_at"),
    }
    return [form for step, form in CASE_FORMS.items() if not done.get(step)]


def aware(value: str, time_zone: str) -> str:
    """A ``datetime-local`` value as an aware moment in ``time_zone`` (ISO 8601); any other
    text unchanged, for the request model to judge."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is not None:
        return value
    return moment.replace(tzinfo=ZoneInfo(time_zone)).isoformat()


def local_input(moment: datetime, time_zone: str) -> str:
    """A moment as a ``datetime-local`` field shows it, in ``time_zone``."""
    return moment.astimezone(ZoneInfo(time_zone)).strftime(LOCAL_INPUT)


def body_of(form: CaseForm, sent: Mapping[str, str], time_zone: str) -> dict[str, str]:
    """The body the API would take for this form (an optional field left empty is left out)."""
    body = {}
    for field in form.fields:
        value = sent.get(field.name, "").strip()
        if not value and not field.required:
            continue
        body[field.name] = aware(value, time_zone) if field.name in form.moments else value
    return body


def defaults(form: CaseForm, now: datetime, time_zone: str) -> dict[str, str]:
    """What a form shows before anything was typed: now in its time fields, the rest empty."""
    return {
        field.name: local_input(now, time_zone) if field.required else ""
        for field in form.fields
        if field.kind == "datetime-local"
    }


Messages = dict[str, list[str]]


def messages_of(form: CaseForm, problems: Iterable[tuple[str, str]]) -> Messages:
    """Each problem next to its field (the first part of its path); the rest about the form."""
    names = {f.name for f in form.fields}
    placed: Messages = {}
    for path, message in problems:
        field = path.split(".")[0]
        placed.setdefault(field if field in names else FORM, []).append(message)
    return placed


def invalid(form: CaseForm, error: ValidationError) -> Messages:
    """The request model's refusal, as the API's 422 lists it."""
    return messages_of(form, ((e.field, e.message) for e in field_errors(error)))


def refused(form: CaseForm, refusal: Rejection | IdempotencyKeyReused) -> Messages:
    """The domain's refusal: invalid fields next to them, a conflict about the whole form."""
    if isinstance(refusal, ValidationFailure):
        return messages_of(form, refusal.errors)
    if isinstance(refusal, IdempotencyKeyReused):
        return {FORM: ["This form was already sent with other values. Reload the page."]}
    return {FORM: [refusal.reason]}
