"""`lead topics ensure` / the local stack: the catalog's topics are created with their
partitions on the broker, once."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient

from services.platform.kafka import kafka_client_options
from services.platform.settings import Settings
from services.platform.topics import create_missing_topics, deployment_topics
from tests.conftest import Infra


async def test_the_catalog_is_created_once_with_its_partitions(infra: Infra) -> None:
    options = kafka_client_options(Settings(kafka_bootstrap=infra.kafka_bootstrap))
    topics = deployment_topics()
    await create_missing_topics(options, topics, replication_factor=1)
    assert await create_missing_topics(options, topics, replication_factor=1) == []
    admin = AIOKafkaAdminClient(**options)
    await admin.start()
    try:
        described = await admin.describe_topics([t.name for t in topics])
    finally:
        await admin.close()
    partitions = {d["topic"]: len(d["partitions"]) for d in described}
    assert partitions == {t.name: t.partitions for t in topics}
