"""The deployment's topics (the catalog with this program's prosecutors) and their creation.

``lead topics ensure`` (the compose job), the local stack and the generated Strimzi manifests
all read ``deployment_topics``; creation goes through the service's own Kafka client options, so
it works on a secured cluster too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import for_code

from events.topic_catalog import TopicSpec, topic_catalog
from services.program import Program, Role, default_program

_TOPIC_ALREADY_EXISTS = 36
_LISTED_TIMEOUT_S = 30.0


def prosecutor_codes(program: Program | None = None) -> tuple[str, ...]:
    """The prosecuting agencies of the program: each gets its own notices topic."""
    agencies = (program or default_program()).agencies_with_role(Role.prosecutor)
    return tuple(sorted(agency.code for agency in agencies))


def deployment_topics(program: Program | None = None) -> tuple[TopicSpec, ...]:
    return topic_catalog(prosecutor_codes(program))


async def create_missing_topics(
    client_options: Mapping[str, Any],
    topics: Sequence[TopicSpec],
    replication_factor: int,
) -> list[str]:
    """Create the topics that do not exist yet (with partitions and configuration), wait until
    the broker lists them all, and return the names created now. Existing topics are left as
    they are: changing one is an operator's decision (docs/operations.md)."""
    admin = AIOKafkaAdminClient(**client_options)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t.name not in existing]
        if missing:
            new = [
                NewTopic(t.name, t.partitions, replication_factor, topic_configs=t.config())
                for t in missing
            ]
            response = await admin.create_topics(new)
            _raise_topic_errors(response.topic_errors)
        await _wait_until_listed(admin, {t.name for t in topics})
        return [t.name for t in missing]
    finally:
        await admin.close()


def _raise_topic_errors(topic_errors: Iterable[tuple[Any, ...]]) -> None:
    for name, code, *_ in topic_errors:
        if code not in (0, _TOPIC_ALREADY_EXISTS):
            raise for_code(code)(f"creating topic {name!r}")


async def _wait_until_listed(admin: AIOKafkaAdminClient, wanted: set[str]) -> None:
    deadline = time.monotonic() + _LISTED_TIMEOUT_S
    while not wanted <= set(await admin.list_topics()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics not listed by the broker: {sorted(wanted)}")
        await asyncio.sleep(0.05)
