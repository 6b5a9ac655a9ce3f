"""A referral page's forms: what a sent form becomes (the API's body, for the API's request
model), and each refusal's messages next to its field."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from services.intake.application.case_steps import CASE_STEPS
from services.intake.domain.errors import Conflict, ValidationFailure
from services.intake.entrypoints.case_forms import (
    CASE_FORMS,
    FORM,
    aware,
    body_of,
    defaults,
    forms_for,
    invalid,
    refused,
)
from services.platform.idempotency import IdempotencyKeyReused

LA = "America/Los_Angeles"


def test_a_wall_clock_time_is_read_in_the_site_time_zone() -> None:
    assert aware("2024-05-14T10:30", LA) == "2024-05-14T10:30:00-07:00"
    assert aware("2024-01-14T10:30", LA) == "2024-01-14T10:30:00-08:00"
    assert aware("2024-05-14T10:30:00+00:00", LA) == "2024-05-14T10:30:00+00:00"
    assert aware("yesterday", LA) == "yesterday"  # for the request model to refuse


def test_a_sent_form_becomes_the_body_the_api_takes() -> None:
    status = CASE_FORMS["status"]
    sent = {"status": "inactive", "reason": " moved away ", "changed_at": "2024-05-20T09:00"}
    body = body_of(status, sent, LA)
    assert body == {
        "status": "inactive",
        "reason": "moved away",
        "changed_at": "2024-05-20T09:00:00-07:00",
    }
    model = CASE_STEPS["status"].body.model_validate(body)
    assert model.model_dump(mode="json")["changed_at"] == "2024-05-20T09:00:00-07:00"


def test_an_optional_field_left_empty_is_left_out() -> None:
    demographics = CASE_FORMS["demographics"]
    body = body_of(demographics, {"gender": "female", "ethnicity": "latinx", "recorded_at": ""}, LA)
    assert body == {"gender": "female", "ethnicity": "latinx"}


def test_the_request_model_messages_are_placed_next_to_their_fields() -> None:
    form = CASE_FORMS["status"]
    with pytest.raises(ValidationError) as refused_body:
        CASE_STEPS["status"].body.model_validate(body_of(form, {"changed_at": "soon"}, LA))
    messages = invalid(form, refused_body.value)
    assert set(messages) == {"status", "reason", "changed_at"}
    assert all(messages.values())


def test_the_domain_refusals_go_next_to_the_field_or_above_the_form() -> None:
    form = CASE_FORMS["assessment"]
    failure = ValidationFailure(
        [("completed_at", "must not be in the future"), ("case_manager_agency", "not of site")]
    )
    assert refused(form, failure) == {
        "completed_at": ["must not be in the future"],
        FORM: ["not of site"],
    }
    assert refused(form, Conflict("assessment already recorded")) == {
        FORM: ["assessment already recorded"]
    }
    assert FORM in refused(form, IdempotencyKeyReused())


def test_a_page_offers_the_steps_not_yet_recorded() -> None:
    fresh = {"assessment_completed_at": None, "care_plan_completed_at": None, "withdrew_at": None}
    assert [f.step for f in forms_for(fresh)] == list(CASE_FORMS)
    assessed = fresh | {"assessment_completed_at": "2024-05-15T10:00:00-07:00"}
    assert "assessment" not in [f.step for f in forms_for(assessed)]
    withdrawn = fresh | {"withdrew_at": "2024-05-16T10:00:00-07:00"}
    assert [f.step for f in forms_for(withdrawn)] == ["demographics"]


def test_time_fields_start_at_now_on_the_site_clock() -> None:
    now = datetime(2024, 5, 14, 17, 30, tzinfo=UTC)
    assert defaults(CASE_FORMS["care-plan"], now, LA) == {"completed_at": "2024-05-14T10:30"}
    assert defaults(CASE_FORMS["demographics"], now, LA) == {"recorded_at": ""}
