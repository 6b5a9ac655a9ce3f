"""Events for the benchmarks, produced straight to the topics (as intake's relay would): referral
histories of all three sites, with case events and naloxone records, synthetic and valid."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID, uuid4

import httpx
from aiokafka import AIOKafkaProducer

from events.categories import Ethnicity, Gender, NaloxoneChannel, ParticipantStatus, Pathway
from events.envelope import Envelope, encode, kafka_headers, new_envelope
from events.payloads import (
    AssessmentCompleted,
    EventPayload,
    NaloxoneDistributed,
    ParticipantStatusChanged,
    ReferralMade,
)
from events.topics import topic_for_event

SITES = (("south-la-north-long-beach", "la-probation"), ("hollywood", "lapd"), ("east-la", "lasd"))
START = datetime(2020, 1, 1, 17, tzinfo=UTC)


def referral_events(rng: random.Random, i: int) -> list[EventPayload]:
    """A social-contact referral, sometimes assessed, sometimes made inactive."""
    site, agency = SITES[i % len(SITES)]
    referral_id = uuid4()
    referred_at = START + timedelta(hours=i % 20_000)
    made = ReferralMade(
        referral_id=referral_id,
        participant_id=UUID(int=rng.getrandbits(128)),
        site=site,
        pathway=Pathway.SOCIAL_CONTACT,
        referred_at=referred_at,
        referring_agency=agency,
        is_re_referral=False,
        gender=rng.choice(list(Gender)),
        ethnicity=rng.choice(list(Ethnicity)),
        age_at_referral=rng.randint(18, 70),
    )
    events: list[EventPayload] = [made]
    if rng.random() < 0.5:
        events.append(
            AssessmentCompleted(
                referral_id=referral_id,
                completed_at=referred_at + timedelta(days=2),
                case_manager_agency="hopics" if site.startswith("south") else "chpla",
            )
        )
    if rng.random() < 0.4:
        events.append(
            ParticipantStatusChanged(
                referral_id=referral_id,
                status=ParticipantStatus.INACTIVE,
                reason="no contact",
                changed_at=referred_at + timedelta(days=40),
            )
        )
    return events


def history(events: int, seed: int = 11, *, referrals_only: bool = False) -> Iterator[Envelope]:
    """``events`` envelopes: referral histories, one naloxone record in twenty (or only
    ``ReferralMade`` events)."""
    rng = random.Random(seed)
    produced = i = 0
    while produced < events:
        if referrals_only:
            batch: list[EventPayload] = referral_events(rng, i)[:1]
        elif i % 20 == 19:
            batch = [
                NaloxoneDistributed(
                    distribution_id=uuid4(),
                    channel=rng.choice(list(NaloxoneChannel)),
                    kits=rng.randint(1, 50),
                    doses=100,
                    distributed_on=(START + timedelta(days=i % 1000)).date(),
                )
            ]
        else:
            batch = referral_events(rng, i)
        for payload in batch[: events - produced]:
            yield new_envelope(payload, occurred_at=START, source="bench", recorded_at=START)
            produced += 1
        i += 1


async def produce(bootstrap: str, envelopes: Iterator[Envelope]) -> int:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20)
    await producer.start()
    sent = 0
    try:
        pending = []
        for envelope in envelopes:
            pending.append(
                await producer.send(
                    topic_for_event(envelope.event_type),
                    value=encode(envelope),
                    key=envelope.subject.encode(),
                    headers=kafka_headers(envelope),
                )
            )
            sent += 1
            if len(pending) >= 5000:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    finally:
        await producer.stop()
    return sent


async def reporting_position(reporting_url: str, admin: str) -> int:
    async with httpx.AsyncClient(timeout=60) as client:
        answer = await client.get(
            f"{reporting_url}/reports/referrals-by-site",
            params={"audience": "internal"},
            headers={"Authorization": f"Bearer {admin}"},
        )
    position: int = answer.json()["as_of"]["position"]
    return position


def cpu_seconds(pids: Sequence[int | None]) -> float:
    """CPU time (user and system) the processes have used so far."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except (OSError, TypeError):
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


async def until_quiet(
    pids: Sequence[int | None],
    busy_below: float = 0.05,
    window_s: float = 1.0,
    timeout_s: float = 600.0,
) -> float:
    """Seconds until the processes together used less than ``busy_below`` of a core over
    ``window_s``: every consumer has caught up, so a measure that follows has the CPU alone
    (given up after ``timeout_s``: the measure then runs beside them)."""
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        before = cpu_seconds(pids)
        await asyncio.sleep(window_s)
        if cpu_seconds(pids) - before < busy_below * window_s:
            break
    return time.perf_counter() - started


async def until_reporting_applied(reporting_url: str, admin: str, position: int) -> float:
    """Seconds until reporting's position reaches ``position``."""
    started = time.perf_counter()
    while await reporting_position(reporting_url, admin) < position:  # noqa: ASYNC110 - another process
        await asyncio.sleep(0.5)
    return time.perf_counter() - started
