"""A case event's request as the domain's step: one mapping, for the HTTP API and the pages'
forms alike, named by the last part of the API's path (``POST /referrals/{id}/<name>``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from services.intake.application.requests import (
    CompletionBody,
    DemographicsBody,
    Request,
    StatusBody,
    WithdrawalBody,
)
from services.intake.domain import referral


def _assessment(referral_id: UUID, body: CompletionBody) -> referral.Command:
    return referral.RecordAssessment(referral_id, body.completed_at, body.case_manager_agency or "")


def _care_plan(referral_id: UUID, body: CompletionBody) -> referral.Command:
    return referral.RecordCarePlan(referral_id, body.completed_at, body.case_manager_agency or "")


def _status(referral_id: UUID, body: StatusBody) -> referral.Command:
    return referral.ChangeStatus(referral_id, body.status, body.reason, body.changed_at)


def _withdrawal(referral_id: UUID, body: WithdrawalBody) -> referral.Command:
    return referral.RecordWithdrawal(referral_id, body.withdrew_at)


def _demographics(referral_id: UUID, body: DemographicsBody) -> referral.Command:
    """Self-reported gender and ethnicity of the referral's participant (``unknown`` allowed)."""
    return referral.RecordDemographics(referral_id, body.gender, body.ethnicity, body.recorded_at)


@dataclass(frozen=True)
class CaseStep:
    body: type[Request]
    """The request model that validates the step's fields."""
    to_step: Callable[[UUID, Any], referral.Command]


CASE_STEPS: dict[str, CaseStep] = {
    "assessment": CaseStep(CompletionBody, _assessment),
    "care-plan": CaseStep(CompletionBody, _care_plan),
    "status": CaseStep(StatusBody, _status),
    "withdrawal": CaseStep(WithdrawalBody, _withdrawal),
    "demographics": CaseStep(DemographicsBody, _demographics),
}
