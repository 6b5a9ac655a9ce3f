"""Strimzi resources (``kafka.strimzi.io/v1``) for the catalog's topics and the principals."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from events.topic_catalog import TopicSpec
from services.deployment.access import Principal

API_VERSION = "kafka.strimzi.io/v1"
CLUSTER = "lead"
"""The ``Kafka`` resource's name (deploy/k8s/base/kafka/kafka.yaml)."""
REPLICAS = 3
MIN_INSYNC_REPLICAS = 2

Document = dict[str, Any]


def _metadata(name: str) -> Document:
    return {
        "name": name,
        "labels": {"strimzi.io/cluster": CLUSTER, "app.kubernetes.io/part-of": "lead"},
    }


def kafka_topic(topic: TopicSpec) -> Document:
    return {
        "apiVersion": API_VERSION,
        "kind": "KafkaTopic",
        "metadata": _metadata(topic.name),
        "spec": {
            "topicName": topic.name,
            "partitions": topic.partitions,
            "replicas": REPLICAS,
            "config": {
                "cleanup.policy": topic.cleanup_policy,
                "retention.ms": topic.retention_ms,
                "min.insync.replicas": MIN_INSYNC_REPLICAS,
            },
        },
    }


def kafka_user(principal: Principal) -> Document:
    acls = [
        {
            "type": "allow",
            "resource": {"type": g.resource, "name": g.name, "patternType": g.pattern},
            "operations": list(g.operations),
        }
        for g in principal.grants
    ]
    return {
        "apiVersion": API_VERSION,
        "kind": "KafkaUser",
        "metadata": {
            **_metadata(principal.user),
            "annotations": {"lead/purpose": principal.purpose},
        },
        "spec": {
            "authentication": _authentication(principal),
            "authorization": {"type": "simple", "acls": acls},
        },
    }


def _authentication(principal: Principal) -> Document:
    if principal.password_secret is None:
        return {"type": "scram-sha-512"}
    reference = {"name": principal.password_secret, "key": "password"}
    return {"type": "scram-sha-512", "password": {"valueFrom": {"secretKeyRef": reference}}}


def kafka_topics(topics: Iterable[TopicSpec]) -> list[Document]:
    return [kafka_topic(t) for t in topics]


def kafka_users(principals: Iterable[Principal]) -> list[Document]:
    return [kafka_user(p) for p in principals]
