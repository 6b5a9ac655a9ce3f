"""Session-wide infrastructure for integration tests: one broker and one PostgreSQL server.

Chosen in this order:
1. `LEAD_KAFKA_BOOTSTRAP` and `LEAD_DATABASE_URL` both set: use those (external services);
2. `LEAD_TEST_INFRA=docker`: Apache Kafka and PostgreSQL in testcontainers (extra `docker`);
3. otherwise a local Tansu broker and a throwaway PostgreSQL started here.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass

import pytest
from hypothesis import settings

from services.devstack.localinfra import LocalBroker, LocalPostgres, ensure_database

# CI runs the property tests on a fixed seed, so that a submission's result does not depend on
# luck; local runs keep exploring new examples (`--hypothesis-seed` replays one).
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@dataclass(frozen=True)
class Infra:
    kafka_bootstrap: str
    server_dsn: str  # the server's `postgres` database, as a user allowed to create databases


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    bootstrap = os.environ.get("LEAD_KAFKA_BOOTSTRAP")
    database_url = os.environ.get("LEAD_DATABASE_URL")
    if bootstrap and database_url:
        yield Infra(kafka_bootstrap=bootstrap, server_dsn=database_url)
    elif os.environ.get("LEAD_TEST_INFRA") == "docker":
        yield from _docker_infra()
    else:
        yield from _local_infra()


def _local_infra() -> Iterator[Infra]:
    with LocalBroker() as broker, LocalPostgres() as postgres:
        yield Infra(kafka_bootstrap=broker.bootstrap, server_dsn=postgres.dsn())


def _docker_infra() -> Iterator[Infra]:
    from tests.docker_infra import docker_servers

    for bootstrap, server_dsn in docker_servers():
        yield Infra(kafka_bootstrap=bootstrap, server_dsn=server_dsn)


@pytest.fixture
async def database(infra: Infra) -> AsyncIterator[str]:
    """The DSN of a fresh, empty database on the session's server."""
    yield await ensure_database(infra.server_dsn, f"t_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def unique_topic() -> Callable[[str], str]:
    """Makes topic names no other test uses: `unique_topic("referrals")` -> `referrals.<hex>`."""

    def make(prefix: str) -> str:
        return f"{prefix}.{uuid.uuid4().hex[:12]}"

    return make
