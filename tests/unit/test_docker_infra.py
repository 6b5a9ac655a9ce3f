"""The testcontainers path (``LEAD_TEST_INFRA=docker``), checked where no Docker engine runs:
the broker it configures and the images it uses are those of deploy/compose, and the fixtures
choose it exactly when asked."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import tests.conftest as conftest
from tests.docker_infra import KAFKA_IMAGE, POSTGRES_IMAGE, kafka_container_config
from tests.unit.deploy_support import DEPLOY


def test_the_broker_advertises_the_published_port() -> None:
    config = kafka_container_config(41234, host="localhost")
    assert config.bootstrap == "localhost:41234"
    assert config.env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://localhost:41234"
    assert config.env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, no ZooKeeper
    listeners = config.env["KAFKA_LISTENERS"].split(",")
    assert listeners[0] == "PLAINTEXT://:9092"


def test_the_broker_creates_topics_on_first_use_like_the_local_one() -> None:
    env = kafka_container_config(41234).env
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "true"
    assert env["KAFKA_NUM_PARTITIONS"] == "4"  # Tansu's auto-created topics have 4


def test_the_images_are_the_compose_images() -> None:
    example = (DEPLOY / "compose/.env.example").read_text().splitlines()
    assert f"KAFKA_IMAGE={KAFKA_IMAGE}" in example
    assert f"POSTGRES_IMAGE={POSTGRES_IMAGE}" in example


def test_the_fixture_uses_docker_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def servers() -> Iterator[tuple[str, str]]:
        yield "localhost:41234", "postgresql://test:test@localhost:41235/postgres"

    monkeypatch.setattr("tests.docker_infra.docker_servers", servers)
    monkeypatch.delenv("LEAD_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.delenv("LEAD_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEAD_TEST_INFRA", "docker")
    infra_fixture = conftest.infra.__wrapped__  # type: ignore[attr-defined]
    (infra,) = list(infra_fixture())
    assert infra == conftest.Infra(
        "localhost:41234", "postgresql://test:test@localhost:41235/postgres"
    )
