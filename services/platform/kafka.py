"""Kafka wiring shared by every service: the producer adapter and consumer settings.

The local broker (Tansu) has quirks that these defaults design around (see
``docs/spec/infrastructure.md``): no idempotent producer, ``earliest`` offsets only, short
session timeouts so that a group join does not stall for seconds.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.helpers import create_ssl_context
from faststream.kafka import KafkaBroker
from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)

from services.platform.settings import Settings


@dataclass(frozen=True)
class OutgoingMessage:
    """A message to publish: topic, key (bytes, kept as they came; None for no key), raw body
    and headers. ``personal``: it carries a person's identity (a rejected inbound submission),
    so its outbox row is deleted as soon as it is published."""

    topic: str
    key: bytes | None
    body: bytes
    headers: Sequence[tuple[str, bytes]] = field(default_factory=tuple)
    personal: bool = False


def kafka_client_options(settings: Settings) -> dict[str, Any]:
    """How every Kafka client of a service connects: bootstrap servers, security protocol,
    TLS (the CA file, hostnames checked) and SASL credentials. Spread into each aiokafka
    producer, consumer and admin client; the faststream broker gets the same through
    ``broker_security``."""
    protocol = settings.kafka_security_protocol
    options: dict[str, Any] = {
        "bootstrap_servers": settings.kafka_bootstrap,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        ca_file = settings.kafka_ssl_ca_file
        options["ssl_context"] = create_ssl_context(cafile=str(ca_file) if ca_file else None)
    if protocol.startswith("SASL_"):
        password = settings.kafka_sasl_password
        if not settings.kafka_sasl_username or not (password and password.get_secret_value()):
            raise ValueError(
                f"LEAD_KAFKA_SECURITY_PROTOCOL={protocol} needs LEAD_KAFKA_SASL_USERNAME and"
                " LEAD_KAFKA_SASL_PASSWORD (or LEAD_KAFKA_SASL_PASSWORD_FILE)"
            )
        options["sasl_mechanism"] = settings.kafka_sasl_mechanism
        options["sasl_plain_username"] = settings.kafka_sasl_username
        options["sasl_plain_password"] = password.get_secret_value()
    return options


_SASL_SECURITY = {
    "PLAIN": SASLPlaintext,
    "SCRAM-SHA-256": SASLScram256,
    "SCRAM-SHA-512": SASLScram512,
}


def broker_security(options: dict[str, Any]) -> BaseSecurity | None:
    """``kafka_client_options`` as faststream's security object (faststream turns it back into
    the same aiokafka options for every consumer and producer it creates)."""
    protocol = options["security_protocol"]
    use_ssl = protocol in ("SSL", "SASL_SSL")
    context = options.get("ssl_context")
    if protocol.startswith("SASL_"):
        security = _SASL_SECURITY[options["sasl_mechanism"]]
        return security(
            options["sasl_plain_username"],
            options["sasl_plain_password"],
            ssl_context=context,
            use_ssl=use_ssl,
        )
    return BaseSecurity(ssl_context=context, use_ssl=use_ssl) if use_ssl else None


class Publisher(Protocol):
    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None: ...


class KafkaPublisher:
    """Sends messages with acks=all and waits until every one is acknowledged."""

    def __init__(self, settings: Settings, client_id: str) -> None:
        self._settings = settings
        self._client_id = client_id
        self._started: AIOKafkaProducer | None = None

    @property
    def _producer(self) -> AIOKafkaProducer:
        if self._started is None:
            raise RuntimeError("the Kafka publisher is not started")
        return self._started

    async def start(self) -> None:
        producer = AIOKafkaProducer(
            **kafka_client_options(self._settings),
            client_id=self._client_id,
            acks="all",
            enable_idempotence=self._settings.kafka_enable_idempotence,
            linger_ms=5,
        )
        await producer.start()
        self._started = producer

    async def stop(self) -> None:
        if self._started is not None:
            await self._started.stop()
            self._started = None

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        # send() only enqueues; per-partition order is kept by the producer's batching.
        futures = [
            await self._producer.send(m.topic, value=m.body, key=m.key, headers=list(m.headers))
            for m in messages
        ]
        await asyncio.gather(*futures)

    async def is_reachable(self) -> bool:
        try:
            await self._producer.client.fetch_all_metadata()
        except Exception:
            return False
        return True


def make_broker(settings: Settings) -> KafkaBroker:
    """A faststream broker for the service's subscribers: its warnings and errors (a lost
    broker, a failed join) are logged; its access log per message is not (it costs ~40%)."""
    logger = logging.getLogger("faststream.lead")
    logger.setLevel(logging.WARNING)
    return KafkaBroker(
        settings.kafka_bootstrap,
        security=broker_security(kafka_client_options(settings)),
        logger=logger,
        log_level=logging.DEBUG,
        enable_idempotence=False,
    )


def consumer_options(settings: Settings) -> dict[str, Any]:
    """Consumer-group options that suit both Tansu and Apache Kafka."""
    return {
        "auto_offset_reset": "earliest",
        "session_timeout_ms": settings.kafka_session_timeout_ms,
        "heartbeat_interval_ms": settings.kafka_heartbeat_interval_ms,
        "fetch_max_wait_ms": settings.kafka_fetch_max_wait_ms,
        "max_records": settings.consumer_batch_max_records,
    }


def topic_partitions(consumer: AIOKafkaConsumer, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` the started consumer's metadata knows, in order."""
    return [
        TopicPartition(topic, p)
        for topic in topics
        for p in sorted(consumer.partitions_for_topic(topic) or ())
    ]


def client_options_for(kafka: str | Settings) -> dict[str, Any]:
    """A bare bootstrap address (local stack, tests) or a service's settings (every option)."""
    return {"bootstrap_servers": kafka} if isinstance(kafka, str) else kafka_client_options(kafka)


async def at_end(consumer: AIOKafkaConsumer, partitions: Sequence[TopicPartition]) -> bool:
    """Whether the consumer has read every partition to the end its last fetch reported."""
    for tp in partitions:
        end = consumer.highwater(tp)
        if end is None or await consumer.position(tp) < end:
            return False
    return True


async def read_all(
    kafka: str | Settings, topic: str, timeout_s: float = 60
) -> list[ConsumerRecord[Any, Any]]:
    """Every message of ``topic`` up to its current end (no consumer group), in partition and
    offset order."""
    consumer = AIOKafkaConsumer(
        **client_options_for(kafka), enable_auto_commit=False, fetch_max_wait_ms=50
    )
    await consumer.start()
    found: list[ConsumerRecord[Any, Any]] = []
    try:
        partitions = topic_partitions(consumer, [topic])
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        deadline = time.monotonic() + timeout_s
        while not await at_end(consumer, partitions):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{topic} not read to its end in {timeout_s:.0f} s")
            batches = await consumer.getmany(timeout_ms=200)
            found += [r for batch in batches.values() for r in batch]
    finally:
        await consumer.stop()
    return sorted(found, key=lambda r: (r.partition, r.offset))


async def end_offsets(kafka: str | Settings, topics: Sequence[str]) -> dict[tuple[str, int], int]:
    """Each partition's end (high watermark), as fetch responses report it.

    Tansu's ListOffsets answers can be wrong (infrastructure.md), so this fetches once from the
    beginning of every partition: the responses carry the true high watermarks.
    """
    consumer = AIOKafkaConsumer(
        **client_options_for(kafka), enable_auto_commit=False, fetch_max_wait_ms=10
    )
    await consumer.start()
    try:
        partitions = topic_partitions(consumer, topics)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        await consumer.getmany(timeout_ms=500, max_records=len(partitions) or 1)
        return {(tp.topic, tp.partition): consumer.highwater(tp) or 0 for tp in partitions}
    finally:
        await consumer.stop()
