"""Every service answers 503 with Retry-After while its database is down, records nothing, and
recovers on its own when the database is back: PostgreSQL is really stopped (immediately, as in
a crash) and restarted on the same data."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from services.devstack.localinfra import LocalPostgres, free_port
from services.devstack.stack import LocalStack
from tests.conftest import Infra
from tests.e2e.intake_support import referral

pytestmark = pytest.mark.integration
TOKEN = "outage-admin-token"
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def postgres() -> Iterator[LocalPostgres]:
    with LocalPostgres(durable=True) as server:
        yield server


@pytest.fixture(scope="module")
def stack(infra: Infra, postgres: LocalPostgres) -> Iterator[LocalStack]:
    ports = {name: free_port() for name in ("intake", "abeyance", "reporting")}
    with LocalStack(
        ports=ports,
        extra_env={"LEAD_ADMIN_TOKEN": TOKEN},
        kafka_bootstrap=infra.kafka_bootstrap,
        database_url=postgres.dsn(),
    ) as running:
        yield running


def _requests(stack: LocalStack) -> list[tuple[str, str, str]]:
    """One request per service that needs its database."""
    return [
        ("POST", stack.url("intake"), "/referrals"),
        ("GET", stack.url("abeyance"), "/notices"),
        ("GET", stack.url("reporting"), "/reports/referrals-by-site"),
    ]


def test_503_with_retry_after_while_the_database_is_down_then_recovery(
    stack: LocalStack, postgres: LocalPostgres
) -> None:
    key = {**ADMIN, "Idempotency-Key": "outage-1"}
    body = referral()
    postgres.crash()
    try:
        with httpx.Client(timeout=30) as client:
            for method, base, path in _requests(stack):
                answer = client.request(method, base + path, json=body, headers=key)
                assert answer.status_code == 503, (path, answer.text)
                assert int(answer.headers["retry-after"]) >= 1
                assert answer.json()["cause"] == "database"
                assert answer.json()["correlation_id"] == answer.headers["x-correlation-id"]
                assert client.get(f"{base}/health").status_code == 200
                ready = client.get(f"{base}/ready")
                assert ready.status_code == 503 and ready.json()["database"] is False
    finally:
        postgres.start()
    recovered = _until_ready(stack)
    assert recovered, "the services did not recover on their own"
    with httpx.Client(timeout=30) as client:
        first = client.post(stack.url("intake") + "/referrals", json=body, headers=key)
        again = client.post(stack.url("intake") + "/referrals", json=body, headers=key)
    assert first.status_code == 201  # the 503 recorded nothing: the key was never used
    assert again.json() == first.json()


def _until_ready(stack: LocalStack, timeout_s: float = 60) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answers = []
        for name in ("intake", "abeyance", "reporting"):
            try:
                answers.append(httpx.get(f"{stack.url(name)}/ready", timeout=5).status_code)
            except httpx.HTTPError:
                answers.append(0)
        if all(code == 200 for code in answers):
            return True
        time.sleep(0.5)
    return False
