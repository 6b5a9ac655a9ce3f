"""Intake over HTTP and the inbound topic, against the real broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from events.topics import HEADER_REJECTION, INBOUND_REFERRALS, INBOUND_REJECTED
from services.devstack.stack import LocalStack
from services.platform.auth import Role
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import (
    bearer,
    community,
    intake_count,
    recorded,
    referral,
    social_contact,
)
from tests.integration.support import produce, read_topic

pytestmark = pytest.mark.integration


def post(stack: LocalStack, path: str, body: Any, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{stack.url('intake')}{path}", json=body, headers=headers, timeout=10)


def get(stack: LocalStack, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(f"{stack.url('intake')}{path}", headers=headers, timeout=10)


def test_each_pathway_is_accepted(stack: LocalStack) -> None:
    lapd = bearer(stack, Role.law_enforcement, "lapd")
    probation = bearer(stack, Role.justice_partner, "la-probation")
    lahsa = bearer(stack, Role.community_partner, "lahsa")
    for body, token in (
        (referral(), lapd),
        (social_contact(), probation),
        (community(), lahsa),
    ):
        response = post(stack, "/referrals", body, token)
        assert response.status_code == 201, response.text
        assert set(response.json()) == {"referral_id", "participant_id", "is_re_referral"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            referral(
                arrest={
                    **referral()["arrest"],
                    "charges": [
                        {"statute": "PC 245(a)(1)", "description": "assault", "level": "felony"}
                    ],
                }
            ),
            ["body", "arrest", "charges", "0", "statute"],
        ),
        (referral(site="atlantis"), ["body", "site"]),
        (referral(referred_at="2024-05-14T10:30:00"), ["body", "referred_at"]),
        (referral(referred_at="2999-01-01T00:00:00Z"), ["body", "referred_at"]),
        (referral(arrest=None), ["body", "arrest"]),
        (
            referral(arrest={**referral()["arrest"], "prosecuting_agency": "lbcp"}),
            ["body", "arrest", "prosecuting_agency"],
        ),
        (referral(person={"given_name": "", "family_name": "X"}), ["body", "person", "given_name"]),
    ],
)
def test_invalid_referrals_name_the_field_and_record_nothing(
    stack: LocalStack, body: dict[str, Any], field: list[str]
) -> None:
    before = recorded(stack)
    response = post(stack, "/referrals", body, ADMIN)
    assert response.status_code == 422, response.text
    assert field in [e["loc"] for e in response.json()["detail"]], response.text
    assert all(e["msg"] for e in response.json()["detail"])
    assert recorded(stack) == before


def test_the_same_person_spelled_differently_is_one_participant(stack: LocalStack) -> None:
    person = {"given_name": "Zoë Ann", "family_name": "Ménard", "date_of_birth": "1977-07-07"}
    first = post(stack, "/referrals", referral(person=person), ADMIN).json()
    respelled = {"given_name": "  zoe  ann", "family_name": "MENARD", "date_of_birth": "1977-07-07"}
    second = post(
        stack, "/referrals", community(site="hollywood") | {"person": respelled}, ADMIN
    ).json()
    assert first["participant_id"] == second["participant_id"]
    assert (first["is_re_referral"], second["is_re_referral"]) == (False, True)


def test_idempotency_key_returns_the_first_answer(stack: LocalStack) -> None:
    key = {"Idempotency-Key": "referral-idem-1", **ADMIN}
    first = post(stack, "/referrals", referral(), key)
    before = recorded(stack)
    again = post(stack, "/referrals", referral(), key)
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert recorded(stack) == before
    other = post(stack, "/referrals", referral(gender="male"), key)
    assert other.status_code == 422


def test_case_events_follow_the_legal_order(stack: LocalStack) -> None:
    chpla = bearer(stack, Role.case_manager, "chpla")
    made = post(stack, "/referrals", referral(), ADMIN).json()
    rid = made["referral_id"]
    at = {"completed_at": "2024-05-20T09:00:00-07:00"}
    assert post(stack, f"/referrals/{rid}/assessment", at, chpla).status_code == 202
    again = post(stack, f"/referrals/{rid}/assessment", at, chpla)
    assert again.status_code == 409
    withdrawal = {"withdrew_at": "2024-05-21T09:00:00-07:00"}
    assert post(stack, f"/referrals/{rid}/withdrawal", withdrawal, chpla).status_code == 202
    care_plan = post(
        stack, f"/referrals/{rid}/care-plan", {"completed_at": "2024-05-22T09:00:00-07:00"}, chpla
    )
    assert care_plan.status_code == 409 and "withdrew" in care_plan.text
    assert post(stack, f"/referrals/{rid}/withdrawal", withdrawal, chpla).status_code == 409
    # a withdrawal ended participation: inactive is already true, active conflicts
    inactive = {"status": "inactive", "reason": "withdrew", "changed_at": withdrawal["withdrew_at"]}
    assert post(stack, f"/referrals/{rid}/status", inactive, chpla).status_code == 202
    back = {**inactive, "status": "active"}
    assert post(stack, f"/referrals/{rid}/status", back, chpla).status_code == 409
    unknown = "00000000-0000-4000-8000-000000000001"
    assert post(stack, f"/referrals/{unknown}/care-plan", at, chpla).status_code == 404
    view = get(stack, f"/referrals/{rid}", chpla).json()
    assert view["assessment_completed_at"] and view["withdrew_at"]
    assert view["status"] == "inactive"
    history = get(stack, f"/referrals/{rid}/history", chpla).json()["events"]
    assert [e["event_type"] for e in history] == [
        "ReferralMade",
        "AssessmentCompleted",
        "ParticipantWithdrew",
    ]


def test_two_concurrent_commands_never_both_apply(stack: LocalStack) -> None:
    rid = post(stack, "/referrals", referral(), ADMIN).json()["referral_id"]
    withdrawal = {"withdrew_at": "2024-05-21T09:00:00-07:00"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(
            pool.map(
                lambda _: (
                    post(stack, f"/referrals/{rid}/withdrawal", withdrawal, ADMIN).status_code
                ),
                range(6),
            )
        )
    assert codes.count(202) == 1 and set(codes) <= {202, 409}
    count = asyncio.run(
        intake_count(stack, "SELECT count(*) FROM event_store WHERE stream_id = $1", rid)
    )
    assert count == 2


def test_forgetting_a_participant_keeps_referral_and_history(stack: LocalStack) -> None:
    made = post(stack, "/referrals", referral(), ADMIN).json()
    rid, pid = made["referral_id"], made["participant_id"]
    assert get(stack, f"/referrals/{rid}", ADMIN).json()["person"]["family_name"] == "Synthetic"
    forget = subprocess.run(
        [sys.executable, "-m", "services.cli", "participant", "forget", pid],
        env={**stack.env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert forget.returncode == 0, forget.stdout + forget.stderr
    view = get(stack, f"/referrals/{rid}", ADMIN)
    assert view.status_code == 200
    assert view.json()["person"] is None and view.json()["identity"] == "forgotten"
    assert "Synthetic" not in view.text
    assert get(stack, f"/referrals/{rid}/history", ADMIN).status_code == 200
    keys = asyncio.run(
        intake_count(
            stack,
            "SELECT count(*) FROM identities WHERE participant_id = $1::uuid"
            " AND wrapped_key IS NOT NULL",
            pid,
        )
    )
    assert keys == 0


def test_inbound_topic_accepts_good_submissions_and_rejects_bad_ones(stack: LocalStack) -> None:
    good = referral() | {"submission_id": "lapd-sub-1", "submitted_by": "lapd"}
    invalid = referral(site="atlantis") | {"submission_id": "lapd-sub-2", "submitted_by": "lapd"}
    other_agency = referral() | {"submission_id": "x-3", "submitted_by": "lbpd"}
    good_after = referral(arrest={**referral()["arrest"], "report_number": "LAPD-IN-9"}) | {
        "submission_id": "lapd-sub-4",
        "submitted_by": "lapd",
    }
    views_before = asyncio.run(intake_count(stack, "SELECT count(*) FROM referral_view"))
    messages = [
        (b"k1", json.dumps(good).encode(), None),
        (b"k2", b"{this is not json", None),
        (b"k3", json.dumps(invalid).encode(), None),
        (b"k4", json.dumps(other_agency).encode(), None),
        (b"k1", json.dumps(good).encode(), None),  # a repeated submission: recorded once
        (b"k6", b"{broken", [("x-partner-trace", b"\xff\xfe\x00binary")]),  # not UTF-8
        (b"\xff\xfek7", b"{broken key", None),  # a key that is not UTF-8 either
        (b"k5", json.dumps(good_after).encode(), None),
    ]
    asyncio.run(produce(stack.kafka_bootstrap, INBOUND_REFERRALS, messages))
    rejected = asyncio.run(read_topic(stack.kafka_bootstrap, INBOUND_REJECTED, expected=5))
    reasons = {r.key: json.loads(dict(r.headers)[HEADER_REJECTION]) for r in rejected}
    assert set(reasons) >= {b"k2", b"k3", b"k4", b"k6", b"\xff\xfek7"}  # keys byte for byte
    binary = next(r for r in rejected if r.key == b"k6")  # copied unchanged, headers included
    assert binary.value == b"{broken"
    assert dict(binary.headers)["x-partner-trace"] == b"\xff\xfe\x00binary"
    assert reasons[b"k3"][0]["field"] == "site"
    assert reasons[b"k4"][0]["field"] == "referring_agency"
    assert next(r.value for r in rejected if r.key == b"k2") == b"{this is not json"

    async def both_good_recorded() -> bool:
        count = await intake_count(stack, "SELECT count(*) FROM referral_view")
        return count - views_before >= 2

    from tests.integration.support import eventually

    asyncio.run(eventually(both_good_recorded))
    asyncio.run(asyncio.sleep(1))
    assert asyncio.run(intake_count(stack, "SELECT count(*) FROM referral_view")) == (
        views_before + 2
    )
    # published rejected copies (names and dates of birth in the clear) are not kept in intake
    kept = "SELECT count(*) FROM outbox WHERE topic = $1"
    assert asyncio.run(intake_count(stack, kept, INBOUND_REJECTED)) == 0


def test_case_managers_record_self_reported_demographics(stack: LocalStack) -> None:
    chpla = bearer(stack, Role.case_manager, "chpla")
    hopics = bearer(stack, Role.case_manager, "hopics")
    rid = post(stack, "/referrals", referral(gender=None, ethnicity=None), ADMIN).json()[
        "referral_id"
    ]
    body = {"gender": "trans_woman", "ethnicity": "latinx"}
    assert post(stack, f"/referrals/{rid}/demographics", body, hopics).status_code == 403
    bad = post(stack, f"/referrals/{rid}/demographics", {"gender": "x"}, chpla)
    assert bad.status_code == 422
    assert post(stack, f"/referrals/{rid}/demographics", body, chpla).status_code == 202
