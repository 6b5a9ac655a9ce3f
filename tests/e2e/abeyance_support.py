"""Requests, reads and topic helpers for abeyance's end-to-end tests (synthetic people only)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from services.devstack.stack import LocalStack
from services.platform.settings import with_database
from tests.e2e.conftest import ADMIN
from tests.e2e.intake_support import referral

FINAL = ("declined", "expired", "ended")


def unique_report_number(prefix: str = "LAPD-AB") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].upper()}"


def prebooking(
    referred_at: str,
    *,
    site: str = "hollywood",
    agency: str = "lapd",
    prosecutor: str = "lacityatty",
    report_number: str | None = None,
) -> dict[str, Any]:
    """A valid pre-booking referral with its own report number."""
    base = referral()
    arrest = base["arrest"] | {
        "report_number": report_number or unique_report_number(),
        "arresting_agency": agency,
        "prosecuting_agency": prosecutor,
    }
    return referral(site=site, referring_agency=agency, referred_at=referred_at, arrest=arrest)


def post_referral(client: httpx.Client, stack: LocalStack, body: dict[str, Any]) -> str:
    made = client.post(f"{stack.url('intake')}/referrals", json=body, headers=ADMIN)
    assert made.status_code == 201, made.text
    referral_id: str = made.json()["referral_id"]
    return referral_id


def complete(
    client: httpx.Client, stack: LocalStack, referral_id: str, at: tuple[str, str]
) -> None:
    """Record the assessment and the care plan (as admin) at the two given times."""
    for step, completed_at in zip(("assessment", "care-plan"), at, strict=True):
        done = client.post(
            f"{stack.url('intake')}/referrals/{referral_id}/{step}",
            json={"completed_at": completed_at},
            headers=ADMIN,
        )
        assert done.status_code == 202, done.text


def abeyance(client: httpx.Client, stack: LocalStack, referral_id: str) -> dict[str, Any] | None:
    got = client.get(f"{stack.url('abeyance')}/abeyances/{referral_id}", headers=ADMIN)
    if got.status_code == 404:
        return None
    assert got.status_code == 200, got.text
    body: dict[str, Any] = got.json()
    return body


def wait_final(
    client: httpx.Client,
    stack: LocalStack,
    ids: list[str],
    expected: dict[str, str] | None = None,
    timeout_s: float = 45.0,
) -> dict[str, dict[str, Any]]:
    """Every abeyance of ``ids`` once each is in its ``expected`` state (else in a final one).

    An expiry can be rescinded by a completion applied after it, so ``expired`` is final only
    for a referral without completions: pass the state each referral must end in.
    """
    deadline = time.monotonic() + timeout_s
    done: dict[str, dict[str, Any]] = {}
    last: dict[str, str] = {}
    while True:
        for referral_id in ids:
            if referral_id in done:
                continue
            found = abeyance(client, stack, referral_id)
            if found is None:
                continue
            last[referral_id] = found["state"]
            wanted = expected.get(referral_id) if expected else None
            if found["state"] == wanted or (wanted is None and found["state"] in FINAL):
                done[referral_id] = found
        if len(done) == len(ids):
            return done
        if time.monotonic() > deadline:
            late = {i: last.get(i, "missing") for i in ids if i not in done}
            raise AssertionError(f"{len(late)} abeyances not as expected in time: {late}")
        time.sleep(0.3)


async def fetch(stack: LocalStack, sql: str, *args: object) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(with_database(stack.database_url, "lead_abeyance"))
    try:
        rows: list[asyncpg.Record] = await conn.fetch(sql, *args)
    finally:
        await conn.close()
    return rows


def abeyance_rows(stack: LocalStack, sql: str, *args: object) -> list[asyncpg.Record]:
    return asyncio.run(fetch(stack, sql, *args))


async def _read_all(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topic`` up to its end offsets as of now (no consumer group)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, auto_offset_reset="earliest", fetch_max_wait_ms=50
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer.force_metadata_update()
            found = consumer.partitions_for_topic(topic) or set()
            partitions = [TopicPartition(topic, p) for p in found]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        position = dict.fromkeys(partitions, -1)
        deadline = time.monotonic() + 20
        while any(position[tp] + 1 < ends[tp] for tp in partitions):
            if time.monotonic() > deadline:
                raise AssertionError(f"could not read {topic} to its end")
            batches = await consumer.getmany(timeout_ms=200)
            for tp, batch in batches.items():
                records.extend(batch)
                if batch:
                    position[tp] = batch[-1].offset
    finally:
        await consumer.stop()
    return records


def read_all(bootstrap: str, topic: str) -> list[ConsumerRecord[bytes, bytes]]:
    return asyncio.run(_read_all(bootstrap, topic))


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str | None:
    for key, value in record.headers or ():
        if key == name:
            text: str = value.decode()
            return text
    return None
