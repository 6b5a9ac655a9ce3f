"""Every intake endpoint against every caller: who may do what (api.md, "Callers and credentials").

Each case sends a valid body, so that the caller is the only thing that varies: an allowed caller
gets the endpoint's success status, a known token whose role (or agency, or site) is not allowed
gets 403, and a missing or unknown token gets 401. A refused write records nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.devstack.stack import LocalStack
from services.platform.auth import Role
from tests.e2e.conftest import ADMIN, ADMIN_TOKEN
from tests.e2e.intake_support import bearer, community, recorded, referral, social_contact

pytestmark = pytest.mark.integration

# --- callers --------------------------------------------------------------------------------

TOKENS: dict[str, tuple[Role, str]] = {
    "le_lapd": (Role.law_enforcement, "lapd"),
    "le_lbpd": (Role.law_enforcement, "lbpd"),
    "jp_la_probation": (Role.justice_partner, "la-probation"),
    "cp_lahsa": (Role.community_partner, "lahsa"),
    "cm_chpla": (Role.case_manager, "chpla"),  # Hollywood's case manager
    "cm_hopics": (Role.case_manager, "hopics"),  # South LA / North Long Beach's
    "pros_lacityatty": (Role.prosecutor, "lacityatty"),
    "oend_dph_sapc": (Role.oend, "dph-sapc"),
    "eval_usc_keck": (Role.evaluator, "usc-keck"),
    "pp_usc_keck": (Role.program_partner, "usc-keck"),  # a program partner refers nobody
}
UNAUTHENTICATED: dict[str, dict[str, str]] = {
    "no_token": {},
    "unknown_token": {"Authorization": "Bearer lead_not-a-token-anyone-was-given"},
    # The admin token itself, under another scheme than Bearer.
    "admin_token_as_basic": {"Authorization": f"Basic {ADMIN_TOKEN}"},
}
CALLERS = [*TOKENS, "admin", *UNAUTHENTICATED]

# --- endpoints ------------------------------------------------------------------------------

HOLLYWOOD = "hollywood"
SOUTH_LA = "south-la-north-long-beach"


@dataclass(frozen=True)
class Target:
    """What a case needs that is made once per module or per case."""

    referral_id: str
    subject_id: str


@dataclass(frozen=True)
class Endpoint:
    id: str
    method: str
    path: str
    """May name ``{referral_id}``."""
    body: Callable[[Target], dict[str, Any] | None]
    success: int
    allowed: frozenset[str]
    """The callers (besides ``admin``) the spec lets do this."""
    referral_site: str | None = None
    """For a referral's case events and reads: the site of the fresh referral each case gets."""

    @property
    def writes(self) -> bool:
        return self.method == "POST"


def _fixed(body: dict[str, Any]) -> Callable[[Target], dict[str, Any]]:
    return lambda _target: body


def _subject(body: dict[str, Any]) -> Callable[[Target], dict[str, Any]]:
    return lambda target: {"subject_id": target.subject_id, **body}


COMPLETED = {"completed_at": "2024-05-20T09:00:00-07:00"}
STATUS = {
    "status": "inactive",
    "reason": "no contact for 30 days",
    "changed_at": "2024-05-21T09:00:00-07:00",
}
WITHDRAWAL = {"withdrew_at": "2024-05-22T09:00:00-07:00"}
COHORT_MEMBER = {
    "cohort": "comparison",
    "site": HOLLYWOOD,
    "index_date": "2020-01-15",
    "age": 41,
    "gender": "female",
    "ethnicity": "white",
    "prior_arrests_12mo": 1,
}
HOLLYWOOD_CM = frozenset({"cm_chpla"})


def _case(
    id_: str, method: str, suffix: str, body: dict[str, Any] | None, success: int
) -> Endpoint:
    return Endpoint(
        id_,
        method,
        "/referrals/{referral_id}" + suffix,
        _fixed(body) if body is not None else (lambda _t: None),
        success,
        HOLLYWOOD_CM,
        referral_site=HOLLYWOOD,
    )


ENDPOINTS = [
    Endpoint(
        "refer_prebooking_as_lapd",
        "POST",
        "/referrals",
        _fixed(referral()),
        201,
        frozenset({"le_lapd"}),
    ),
    Endpoint(
        "refer_social_contact_as_lapd",
        "POST",
        "/referrals",
        _fixed(social_contact("lapd", HOLLYWOOD)),
        201,
        frozenset({"le_lapd"}),
    ),
    Endpoint(
        "refer_social_contact_as_lbpd",
        "POST",
        "/referrals",
        _fixed(social_contact("lbpd", SOUTH_LA)),
        201,
        frozenset({"le_lbpd"}),
    ),
    Endpoint(
        "refer_social_contact_as_la_probation",
        "POST",
        "/referrals",
        _fixed(social_contact("la-probation", SOUTH_LA)),
        201,
        frozenset({"jp_la_probation"}),
    ),
    Endpoint(
        "refer_community_as_lahsa",
        "POST",
        "/referrals",
        _fixed(community("lahsa", HOLLYWOOD)),
        201,
        frozenset({"cp_lahsa"}),
    ),
    _case("assessment", "POST", "/assessment", COMPLETED, 202),
    _case("care_plan", "POST", "/care-plan", COMPLETED, 202),
    _case("status", "POST", "/status", STATUS, 202),
    _case("withdrawal", "POST", "/withdrawal", WITHDRAWAL, 202),
    _case("demographics", "POST", "/demographics", {"gender": "other", "ethnicity": "other"}, 202),
    _case("read_referral", "GET", "", None, 200),
    _case("read_history", "GET", "/history", None, 200),
    Endpoint(
        # The same step on a South LA referral: HOPICS may, Hollywood's case manager may not.
        "assessment_south_la",
        "POST",
        "/referrals/{referral_id}/assessment",
        _fixed(COMPLETED),
        202,
        frozenset({"cm_hopics"}),
        referral_site=SOUTH_LA,
    ),
    Endpoint(
        "naloxone_distribution",
        "POST",
        "/naloxone/distributions",
        _fixed({"channel": "la_50k_partners", "kits": 5, "distributed_on": "2023-04-01"}),
        201,
        frozenset({"oend_dph_sapc"}),
    ),
    Endpoint(
        "naloxone_uses",
        "POST",
        "/naloxone/uses",
        _fixed({"channel": "dhs_providers", "uses": 2, "reported_on": "2023-04-01"}),
        201,
        frozenset({"oend_dph_sapc"}),
    ),
    Endpoint(
        "cohort_member",
        "POST",
        "/evaluation/cohort-members",
        _fixed(COHORT_MEMBER),
        201,
        frozenset({"eval_usc_keck"}),
    ),
    Endpoint(
        "justice_contact",
        "POST",
        "/evaluation/justice-contacts",
        _subject({"kind": "misdemeanor_arrest", "occurred_on": "2020-06-01"}),
        201,
        frozenset({"eval_usc_keck"}),
    ),
    Endpoint(
        "probation_spell",
        "POST",
        "/evaluation/probation-spells",
        _subject({"start_on": "2020-07-01", "end_on": "2020-12-31"}),
        201,
        frozenset({"eval_usc_keck"}),
    ),
]


def expected_status(endpoint: Endpoint, caller: str) -> int:
    if caller in UNAUTHENTICATED:
        return 401
    if caller == "admin" or caller in endpoint.allowed:
        return endpoint.success
    return 403


MATRIX = [
    pytest.param(
        endpoint,
        caller,
        expected_status(endpoint, caller),
        id=f"{endpoint.id}-by-{caller}-{expected_status(endpoint, caller)}",
    )
    for endpoint in ENDPOINTS
    for caller in CALLERS
]

# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def headers(stack: LocalStack) -> dict[str, dict[str, str]]:
    """Each caller's headers; the tokens are created (hashed, in every service) once."""
    made = {name: bearer(stack, role, agency) for name, (role, agency) in TOKENS.items()}
    return {**made, "admin": ADMIN, **UNAUTHENTICATED}


@pytest.fixture(scope="module")
def subject_id(stack: LocalStack) -> str:
    made = _send(stack, "POST", "/evaluation/cohort-members", COHORT_MEMBER, ADMIN)
    assert made.status_code == 201, made.text
    subject: str = made.json()["subject_id"]
    return subject


def _send(
    stack: LocalStack, method: str, path: str, body: dict[str, Any] | None, hdrs: dict[str, str]
) -> httpx.Response:
    return httpx.request(
        method, f"{stack.url('intake')}{path}", json=body, headers=hdrs, timeout=10
    )


def _fresh_referral(stack: LocalStack, site: str) -> str:
    body = referral() if site == HOLLYWOOD else social_contact("la-probation", site)
    made = _send(stack, "POST", "/referrals", body, ADMIN)
    assert made.status_code == 201, made.text
    referral_id: str = made.json()["referral_id"]
    return referral_id


# --- the matrix -----------------------------------------------------------------------------


def test_the_matrix_covers_every_endpoint_and_caller() -> None:
    routes = {(e.method, e.path) for e in ENDPOINTS}
    assert routes == {
        ("POST", "/referrals"),
        ("POST", "/referrals/{referral_id}/assessment"),
        ("POST", "/referrals/{referral_id}/care-plan"),
        ("POST", "/referrals/{referral_id}/status"),
        ("POST", "/referrals/{referral_id}/withdrawal"),
        ("POST", "/referrals/{referral_id}/demographics"),
        ("GET", "/referrals/{referral_id}"),
        ("GET", "/referrals/{referral_id}/history"),
        ("POST", "/naloxone/distributions"),
        ("POST", "/naloxone/uses"),
        ("POST", "/evaluation/cohort-members"),
        ("POST", "/evaluation/justice-contacts"),
        ("POST", "/evaluation/probation-spells"),
    }
    bodies = [e.body(Target("", "")) for e in ENDPOINTS if e.path == "/referrals"]
    pathways = {body["pathway"] for body in bodies if body is not None}
    assert pathways == {"prebooking", "social_contact", "community"}
    assert {str(role) for role, _ in TOKENS.values()} | {"admin"} == {str(r) for r in Role}
    assert len(MATRIX) == len(ENDPOINTS) * len(CALLERS)


@pytest.mark.parametrize(("endpoint", "caller", "expected"), MATRIX)
def test_caller_gets_the_status_the_spec_gives(
    stack: LocalStack,
    headers: dict[str, dict[str, str]],
    subject_id: str,
    endpoint: Endpoint,
    caller: str,
    expected: int,
) -> None:
    referral_id = _fresh_referral(stack, endpoint.referral_site) if endpoint.referral_site else ""
    path = endpoint.path.format(referral_id=referral_id)
    body = endpoint.body(Target(referral_id, subject_id))
    refused = expected >= 400
    before = recorded(stack) if endpoint.writes and refused else None

    response = _send(stack, endpoint.method, path, body, headers[caller])

    assert response.status_code == expected, f"{endpoint.method} {path}: {response.text}"
    if expected == 401:
        assert response.headers.get("www-authenticate") == "Bearer"
    if refused:
        assert "detail" in response.json()
    if before is not None:
        assert recorded(stack) == before


def test_a_role_that_never_works_on_referrals_learns_nothing_of_which_exist(
    stack: LocalStack,
) -> None:
    """403 for a referral that exists and for one that does not: the answer reveals neither."""
    prosecutor = bearer(stack, Role.prosecutor, "lacityatty")
    intake = stack.url("intake")
    with httpx.Client(timeout=15) as client:
        made = client.post(f"{intake}/referrals", json=referral(), headers=ADMIN)
        assert made.status_code == 201, made.text
        existing = made.json()["referral_id"]
        unknown = "00000000-0000-4000-8000-000000000000"
        for referral_id in (existing, unknown):
            for path in ("", "/history"):
                got = client.get(f"{intake}/referrals/{referral_id}{path}", headers=prosecutor)
                assert got.status_code == 403, (referral_id, path, got.text)


def test_a_caller_who_may_not_send_is_refused_before_its_body_is_read(stack: LocalStack) -> None:
    """403, not 422, for an empty body from a caller whose role may never send it."""
    police = bearer(stack, Role.law_enforcement, "lapd")
    intake = stack.url("intake")
    with httpx.Client(timeout=15) as client:
        made = client.post(f"{intake}/referrals", json=referral(), headers=ADMIN)
        assert made.status_code == 201, made.text
        rid = made.json()["referral_id"]
        paths = [
            f"/referrals/{rid}/{step}"
            for step in ("assessment", "care-plan", "status", "withdrawal", "demographics")
        ]
        paths += ["/naloxone/distributions", "/naloxone/uses", "/evaluation/cohort-members"]
        paths += ["/evaluation/justice-contacts", "/evaluation/probation-spells"]
        for path in paths:
            refused = client.post(f"{intake}{path}", json={}, headers=police)
            assert refused.status_code == 403, (path, refused.status_code, refused.text)
            invalid = client.post(f"{intake}{path}", json={}, headers=ADMIN)
            assert invalid.status_code == 422, (path, invalid.status_code, invalid.text)
