"""A running stack for end-to-end tests, shared by the tests of one module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.devstack.localinfra import free_port
from services.devstack.stack import LocalStack
from tests.conftest import Infra

ADMIN_TOKEN = "e2e-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def running_stack(infra: Infra) -> Iterator[LocalStack]:
    """The three services on free ports, on the session's broker and PostgreSQL."""
    ports = {name: free_port() for name in ("intake", "abeyance", "reporting")}
    with LocalStack(
        ports=ports,
        extra_env={"LEAD_ADMIN_TOKEN": ADMIN_TOKEN},
        kafka_bootstrap=infra.kafka_bootstrap,
        database_url=infra.server_dsn,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def stack(infra: Infra) -> Iterator[LocalStack]:
    yield from running_stack(infra)
