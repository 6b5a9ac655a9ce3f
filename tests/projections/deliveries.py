"""The orders a consumer may be given one topic's records in, as batches.

Kafka keeps order only within a partition (every event of one referral shares a partition, by its
key); across partitions the interleaving and the batch boundaries are whatever the fetches give.
A projection must end in the same state whichever of these it was given:

- ``live``: one record at a time, in the order they were recorded (normal operation);
- ``rebuild``: large batches, one partition's backlog after another (a consumer catching up
  from the beginning after a rewind);
- ``interleaved``: a seeded random merge of the partitions, in batches of random size.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterable, Sequence
from typing import Any, TypeAlias

from aiokafka import ConsumerRecord

from events.envelope import Envelope, encode

Record: TypeAlias = "ConsumerRecord[Any, Any]"
Batch: TypeAlias = "list[Record]"
PARTITIONS = 3


def on_topic(
    topic: str, envelopes: Iterable[Envelope], partitions: int = PARTITIONS
) -> list[Record]:
    """The envelopes as a consumer reads them from ``topic``: each on its key's partition, at the
    next offset there. Returned in the order given (the order they were produced)."""
    offsets = [0] * partitions
    records: list[Record] = []
    for envelope in envelopes:
        key = envelope.subject.encode()
        partition = zlib.crc32(key) % partitions
        records.append(
            ConsumerRecord(
                topic, partition, offsets[partition], 0, 0, key, encode(envelope), None, 0, 0, []
            )
        )
        offsets[partition] += 1
    return records


def live(records: Sequence[Record]) -> list[Batch]:
    return [[record] for record in records]


def rebuild(records: Sequence[Record], size: int = 400) -> list[Batch]:
    ordered = sorted(records, key=lambda r: (r.topic, r.partition, r.offset))
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def interleaved(records: Sequence[Record], seed: int, largest: int = 25) -> list[Batch]:
    rng = random.Random(seed)
    queues: dict[tuple[str, int], list[Record]] = {}
    for record in sorted(records, key=lambda r: r.offset, reverse=True):
        queues.setdefault((record.topic, record.partition), []).append(record)
    merged: list[Record] = []
    while queues:
        key = rng.choice(sorted(queues))
        merged.append(queues[key].pop())
        if not queues[key]:
            del queues[key]
    batches: list[Batch] = []
    while merged:
        size = rng.randint(1, largest)
        batches.append(merged[:size])
        merged = merged[size:]
    return batches


def highwaters(records: Sequence[Record]) -> dict[tuple[str, int], int]:
    """Each partition's end, as the consumer would report it (the offset after its last record)."""
    ends: dict[tuple[str, int], int] = {}
    for record in records:
        key = (record.topic, record.partition)
        ends[key] = max(ends.get(key, 0), record.offset + 1)
    return ends
