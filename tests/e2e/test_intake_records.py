"""Intake's naloxone and evaluation endpoints over HTTP, with tokens and idempotency keys."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.devstack.stack import LocalStack
from services.platform.auth import Role
from services.platform.settings import Settings
from services.tokens import create_token
from tests.e2e.conftest import ADMIN

pytestmark = pytest.mark.integration


def _token(stack: LocalStack, role: Role, agency: str) -> dict[str, str]:
    settings = Settings(database_url=stack.database_url)
    return {"Authorization": f"Bearer {asyncio.run(create_token(settings, role, agency))}"}


def test_naloxone_distribution_defaults_to_two_doses_per_kit_and_is_idempotent(
    stack: LocalStack,
) -> None:
    oend = _token(stack, Role.oend, "dph-sapc")
    url = f"{stack.url('intake')}/naloxone/distributions"
    body = {"channel": "jail_vending", "kits": 12, "distributed_on": "2023-03-01"}
    first = httpx.post(url, json=body, headers={**oend, "Idempotency-Key": "k-1"})
    assert first.status_code == 201, first.text
    again = httpx.post(url, json=body, headers={**oend, "Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first.json()
    changed = httpx.post(url, json={**body, "kits": 13}, headers={**oend, "Idempotency-Key": "k-1"})
    assert changed.status_code == 422
    assert "Idempotency-Key" in changed.text


def test_writes_check_role_and_fields(stack: LocalStack) -> None:
    police = _token(stack, Role.law_enforcement, "lapd")
    url = f"{stack.url('intake')}/naloxone/uses"
    good = {"channel": "dhs_providers", "uses": 3, "reported_on": "2023-03-01"}
    assert httpx.post(url, json=good).status_code == 401
    assert httpx.post(url, json=good, headers=police).status_code == 403
    bad = httpx.post(url, json={"channel": "nowhere", "uses": -1}, headers=ADMIN)
    assert bad.status_code == 422
    fields = {tuple(e["loc"]) for e in bad.json()["detail"]}
    assert {("body", "channel"), ("body", "uses"), ("body", "reported_on")} <= fields


def test_justice_contacts_need_a_known_subject(stack: LocalStack) -> None:
    evaluator = _token(stack, Role.evaluator, "usc-keck")
    base = stack.url("intake")
    member = {
        "cohort": "lead",
        "site": "hollywood",
        "index_date": "2020-01-15",
        "age": 34,
        "gender": "male",
        "ethnicity": "black",
        "prior_arrests_12mo": 2,
    }
    enrolled = httpx.post(f"{base}/evaluation/cohort-members", json=member, headers=evaluator)
    assert enrolled.status_code == 201, enrolled.text
    subject_id = enrolled.json()["subject_id"]
    contact = {"subject_id": subject_id, "kind": "felony_arrest", "occurred_on": "2020-03-01"}
    ok = httpx.post(f"{base}/evaluation/justice-contacts", json=contact, headers=evaluator)
    assert ok.status_code == 201, ok.text
    unknown = {**contact, "subject_id": "00000000-0000-4000-8000-000000000000"}
    missing = httpx.post(f"{base}/evaluation/justice-contacts", json=unknown, headers=evaluator)
    assert missing.status_code == 404


def test_dates_outside_the_program_lifetime_are_refused(stack: LocalStack) -> None:
    oend = _token(stack, Role.oend, "dph-sapc")
    url = f"{stack.url('intake')}/naloxone/distributions"
    for day in ("0001-01-01", "1899-12-31"):
        body = {"channel": "jail_vending", "kits": 1, "distributed_on": day}
        response = httpx.post(url, json=body, headers=oend)
        assert response.status_code == 422, response.text
        assert ["body", "distributed_on"] in [e["loc"] for e in response.json()["detail"]]
