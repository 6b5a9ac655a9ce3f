"""``LEAD_TEST_INFRA=docker``: Apache Kafka and PostgreSQL in testcontainers (extra ``docker``).

The same fixtures use it as the local Tansu and PostgreSQL (``tests/conftest.py``), with the same
images as deploy/compose. The broker behaves as the local one does for the tests: it creates a
topic on first use with 4 partitions (the stack and the compose job still create every topic
of the catalog explicitly). Its listener is published on a host port chosen before start, so
the advertised address is known to the broker from the beginning.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field

KAFKA_IMAGE = "apache/kafka:4.3.1"
POSTGRES_IMAGE = "postgres:16-bookworm"
"""The images deploy/compose/.env.example names (a unit test keeps them equal)."""
KAFKA_CONTAINER_PORT = 9092
KAFKA_STARTED = "Kafka Server started"
CLUSTER_ID = "bGVhZC10ZXN0LWNsdXN0ZQ"


@dataclass(frozen=True)
class KafkaContainerConfig:
    image: str
    host: str
    host_port: int
    env: dict[str, str] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"{self.host}:{self.host_port}"


def kafka_container_config(host_port: int, host: str | None = None) -> KafkaContainerConfig:
    """Single-node KRaft broker advertising ``host:host_port`` (the published port)."""
    host = host or os.environ.get("TESTCONTAINERS_HOST_OVERRIDE", "localhost")
    env = {
        "CLUSTER_ID": CLUSTER_ID,
        "KAFKA_NODE_ID": "1",
        "KAFKA_PROCESS_ROLES": "broker,controller",
        "KAFKA_LISTENERS": f"PLAINTEXT://:{KAFKA_CONTAINER_PORT},CONTROLLER://127.0.0.1:9093",
        "KAFKA_ADVERTISED_LISTENERS": f"PLAINTEXT://{host}:{host_port}",
        "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "KAFKA_CONTROLLER_LISTENER_NAMES": "CONTROLLER",
        "KAFKA_CONTROLLER_QUORUM_VOTERS": "1@127.0.0.1:9093",
        "KAFKA_INTER_BROKER_LISTENER_NAME": "PLAINTEXT",
        "KAFKA_AUTO_CREATE_TOPICS_ENABLE": "true",
        "KAFKA_NUM_PARTITIONS": "4",
        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR": "1",
        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR": "1",
        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR": "1",
        "KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS": "0",
    }
    return KafkaContainerConfig(KAFKA_IMAGE, host, host_port, env)


def docker_servers() -> Iterator[tuple[str, str]]:
    """Start both containers; yield ``(kafka_bootstrap, server_dsn)``; stop them."""
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs
    from testcontainers.postgres import PostgresContainer

    from services.devstack.localinfra import free_port

    config = kafka_container_config(free_port())
    kafka = DockerContainer(config.image).with_bind_ports(KAFKA_CONTAINER_PORT, config.host_port)
    for name, value in config.env.items():
        kafka = kafka.with_env(name, value)
    postgres = PostgresContainer(POSTGRES_IMAGE, dbname="postgres", driver=None)
    with kafka, postgres:
        wait_for_logs(kafka, KAFKA_STARTED, timeout=120)
        yield config.bootstrap, postgres.get_connection_url()
