"""Who may do what on the cluster, derived from the services' specs and the program.

Each service reads the topics its projections and consumers read (and their consumer groups),
writes what it publishes and the dead-letter topics of what it reads. Each prosecuting agency
reads only its own notices topic; each referring partner may only write the inbound topic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from events.topic_catalog import EVENT_TOPICS
from events.topics import INBOUND_REFERRALS, dlq_topic, notices_topic
from services.platform.runtime import ServiceSpec
from services.program import Program, Role

Operation = Literal["Read", "Write", "Describe", "Delete"]
READ: tuple[Operation, ...] = ("Read", "Describe")
WRITE: tuple[Operation, ...] = ("Write", "Describe")
REFERRING_ROLES = (
    Role.law_enforcement,
    Role.justice_partner,
    Role.community_partner,
)
OPERATOR = "lead-operator"
KEDA = "lead-keda"
KEDA_SECRET = "lead-keda-kafka"
"""Holds ``username`` and ``password`` for both Strimzi and KEDA's TriggerAuthentication."""


@dataclass(frozen=True)
class Grant:
    resource: Literal["topic", "group"]
    name: str
    pattern: Literal["literal", "prefix"]
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class Principal:
    user: str
    purpose: str
    grants: tuple[Grant, ...]
    password_secret: str | None = None
    """A Secret (key ``password``) the operator creates; unset: Strimzi generates one."""


def group_prefix(service: str) -> str:
    """Every consumer group of a service starts with this (``lead-<service>-<consumer>``)."""
    return f"lead-{service}-"


def _topic(name: str, operations: tuple[Operation, ...]) -> Grant:
    if "{" in name:  # a family of topics, e.g. lead.notices.{prosecuting_agency}
        return Grant("topic", name.split("{")[0], "prefix", operations)
    return Grant("topic", name, "literal", operations)


def consumed_topics(spec: ServiceSpec) -> tuple[str, ...]:
    return tuple(dict.fromkeys(t for consumer in spec.consumers for t in consumer.topics))


def service_principal(spec: ServiceSpec) -> Principal:
    consumed = consumed_topics(spec)
    grants = [_topic(t, READ) for t in consumed]
    grants += [_topic(t, WRITE) for t in spec.publishes]
    grants += [_topic(dlq_topic(t), WRITE) for t in consumed]
    grants.append(Grant("group", group_prefix(spec.name), "prefix", READ))
    return Principal(f"lead-{spec.name}", f"the {spec.name} service", tuple(grants))


def prosecutor_principal(code: str) -> Principal:
    return Principal(
        f"prosecutor-{code}",
        f"prosecuting agency {code}: its own notices topic only",
        (
            Grant("topic", notices_topic(code), "literal", READ),
            Grant("group", f"prosecutor-{code}", "prefix", READ),
        ),
    )


def partner_principal(code: str) -> Principal:
    return Principal(
        f"partner-{code}",
        f"referring partner {code}: publishes submissions on {INBOUND_REFERRALS}",
        (Grant("topic", INBOUND_REFERRALS, "literal", WRITE),),
    )


def operator_principal() -> Principal:
    """`lead dlq ...`, `lead consumer rewind` and `lead reporting rebuild`: reads every topic,
    replays dead letters to the topics they came from (a rebuild dead-letters what it cannot
    apply), and resets the services' consumer groups."""
    replayable = [*EVENT_TOPICS, INBOUND_REFERRALS]
    writes = [*replayable, *(dlq_topic(t) for t in replayable)]
    return Principal(
        OPERATOR,
        "operators: dead-letter tooling, consumer rewinds, rebuilds",
        (
            Grant("topic", "lead.", "prefix", READ),
            *(Grant("topic", t, "literal", WRITE) for t in writes),
            Grant("group", "lead-", "prefix", ("Read", "Describe", "Delete")),
        ),
    )


def keda_principal(specs: Iterable[ServiceSpec]) -> Principal:
    """KEDA's Kafka scaler: reads end offsets and the services' committed offsets (lag)."""
    grants = [Grant("topic", "lead.", "prefix", ("Describe",))]
    grants += [Grant("group", group_prefix(s.name), "prefix", ("Describe",)) for s in specs]
    purpose = "KEDA: consumer lag of the services' groups"
    return Principal(KEDA, purpose, tuple(grants), password_secret=KEDA_SECRET)


def principals(specs: Iterable[ServiceSpec], program: Program) -> tuple[Principal, ...]:
    specs = tuple(specs)
    prosecutors = sorted(a.code for a in program.agencies_with_role(Role.prosecutor))
    partners = sorted(a.code for role in REFERRING_ROLES for a in program.agencies_with_role(role))
    return (
        *(service_principal(s) for s in specs),
        *(prosecutor_principal(code) for code in prosecutors),
        *(partner_principal(code) for code in partners),
        operator_principal(),
        keda_principal(specs),
    )


def may_read(principal: Principal, topic: str) -> bool:
    return any(
        g.resource == "topic"
        and "Read" in g.operations
        and (topic == g.name if g.pattern == "literal" else topic.startswith(g.name))
        for g in principal.grants
    )
