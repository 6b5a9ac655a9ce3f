"""KEDA ``ScaledObject``s: each service scales on its consumer groups' lag, at most one replica
per partition of the topics it reads (more would sit idle)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from events.topic_catalog import TopicSpec
from services.deployment.access import KEDA_SECRET
from services.deployment.strimzi import CLUSTER

BOOTSTRAP = f"{CLUSTER}-kafka-bootstrap:9093"
TRIGGER_AUTHENTICATION = "lead-keda-kafka"
LAG_THRESHOLD = 1000
"""Messages behind, per replica, before KEDA adds one."""

Document = dict[str, Any]


@dataclass(frozen=True)
class Consumer:
    service: str
    group: str
    topics: tuple[str, ...]


def scaled_object(
    service: str, consumers: Sequence[Consumer], topics: Mapping[str, TopicSpec], minimum: int
) -> Document:
    """One per service (KEDA allows one per Deployment), with a trigger for each topic each of
    its consumer groups reads."""
    read = [(c.group, topic) for c in consumers for topic in c.topics]
    ceiling = min(topics[topic].partitions for _, topic in read)
    triggers = [
        {
            "type": "kafka",
            "metadata": {
                "bootstrapServers": BOOTSTRAP,
                "consumerGroup": group,
                "topic": topic,
                "lagThreshold": str(LAG_THRESHOLD),
                "offsetResetPolicy": "earliest",
                "sasl": "scram_sha512",
                "tls": "enable",
            },
            "authenticationRef": {"name": TRIGGER_AUTHENTICATION},
        }
        for group, topic in read
    ]
    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "ScaledObject",
        "metadata": {"name": service, "labels": {"app.kubernetes.io/part-of": "lead"}},
        "spec": {
            "scaleTargetRef": {"name": service},
            "minReplicaCount": minimum,
            "maxReplicaCount": max(ceiling, minimum),
            "triggers": triggers,
        },
    }


def trigger_authentication() -> Document:
    def secret(parameter: str, name: str, key: str) -> Document:
        return {"parameter": parameter, "name": name, "key": key}

    return {
        "apiVersion": "keda.sh/v1alpha1",
        "kind": "TriggerAuthentication",
        "metadata": {
            "name": TRIGGER_AUTHENTICATION,
            "labels": {"app.kubernetes.io/part-of": "lead"},
        },
        "spec": {
            "secretTargetRef": [
                secret("username", KEDA_SECRET, "username"),
                secret("password", KEDA_SECRET, "password"),
                secret("ca", f"{CLUSTER}-cluster-ca-cert", "ca.crt"),
            ]
        },
    }


def scaled_objects(
    consumers: Iterable[Consumer], topics: Iterable[TopicSpec], minimum: int
) -> list[Document]:
    by_name = {t.name: t for t in topics}
    by_service: dict[str, list[Consumer]] = {}
    for consumer in consumers:
        by_service.setdefault(consumer.service, []).append(consumer)
    return [
        trigger_authentication(),
        *(scaled_object(s, group, by_name, minimum) for s, group in by_service.items()),
    ]
