"""Whether the abeyance consumer has caught up with a partition, asked of the broker directly.

After a restart the consumer may not have fetched yet, and a partition it left caught up may
have received events meanwhile: so at start every partition counts as behind, and this probe
(a group-less consumer that only fetches to learn the partitions' high watermarks) marks one
caught up again when the consumer's applied offset has reached the partition's end.
"""

from __future__ import annotations

from aiokafka import AIOKafkaConsumer, TopicPartition

from services.platform.db import Pool
from services.platform.kafka import client_options_for
from services.platform.settings import Settings


class LagProbe:
    def __init__(self, kafka: str | Settings, topic: str, consumer: str) -> None:
        self._topic = topic
        self._consumer_name = consumer
        self._kafka = AIOKafkaConsumer(
            **client_options_for(kafka), enable_auto_commit=False, fetch_max_wait_ms=10
        )

    async def start(self, pool: Pool) -> None:
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE consumer_positions SET caught_up = false WHERE consumer = $1",
                self._consumer_name,
            )
        await self._kafka.start()

    async def stop(self) -> None:
        await self._kafka.stop()

    async def refresh(self, pool: Pool) -> None:
        """Mark caught up every behind partition whose applied offset reached its end."""
        async with pool.acquire() as conn:
            behind = await conn.fetch(
                'SELECT partition, "offset" FROM consumer_positions'
                " WHERE consumer = $1 AND topic = $2 AND NOT caught_up",
                self._consumer_name,
                self._topic,
            )
        if not behind:
            return
        partitions = [TopicPartition(self._topic, row["partition"]) for row in behind]
        self._kafka.assign(partitions)
        for tp, row in zip(partitions, behind, strict=True):
            self._kafka.seek(tp, row["offset"] + 1)
        await self._kafka.getmany(*partitions, timeout_ms=100, max_records=1)
        ends = [
            (row, self._kafka.highwater(tp)) for tp, row in zip(partitions, behind, strict=True)
        ]
        done = [
            (row["partition"], row["offset"])
            for row, end in ends
            if end is not None and end <= row["offset"] + 1
        ]
        async with pool.acquire() as conn:
            await conn.executemany(
                "UPDATE consumer_positions SET caught_up = true WHERE consumer = $1"
                ' AND topic = $2 AND partition = $3 AND "offset" = $4',
                [(self._consumer_name, self._topic, p, o) for p, o in done],
            )
