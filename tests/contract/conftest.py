"""Each contract test runs against both adapters of a port: in memory and in PostgreSQL.

A test takes ``adapters`` (a fresh world of one kind per test) and asks it for units of work;
``outbox()`` reads what was queued for Kafka, whichever way the adapter keeps it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from services.abeyance.adapters.memory import MemoryAbeyanceUnitOfWork
from services.abeyance.adapters.postgres import PostgresAbeyanceUnitOfWork
from services.abeyance.app import migrations as abeyance_migrations
from services.devstack.localinfra import ensure_database
from services.intake.adapters.memory import MemoryIntakeUnitOfWork
from services.intake.adapters.postgres import PostgresIntakeUnitOfWork
from services.intake.adapters.vault import master_cipher
from services.intake.app import migrations as intake_migrations
from services.platform.db import Pool, create_pool, migrate
from services.platform.kafka import OutgoingMessage
from services.platform.outbox import OutboxRelay
from services.platform.runtime import platform_migrations
from tests.conftest import Infra


@dataclass
class Adapters:
    kind: str
    intake: Callable[[], Any]
    abeyance: Callable[[], Any]
    outbox: Callable[[], Any]
    """An awaitable list of the messages queued so far."""


class _Captured:
    def __init__(self) -> None:
        self.messages: list[OutgoingMessage] = []

    async def publish_many(self, messages: Sequence[OutgoingMessage]) -> None:
        self.messages.extend(messages)


async def _postgres_outbox(pool: Pool) -> list[OutgoingMessage]:
    """What the relay would publish (read without marking anything sent)."""
    relay = OutboxRelay(pool, _Captured(), batch_size=10_000)
    async with pool.acquire() as conn:
        return [row.message for row in await relay._unsent(conn)]


@pytest.fixture(params=["memory", "postgres"])
async def adapters(request: pytest.FixtureRequest, infra: Infra) -> AsyncIterator[Adapters]:
    if request.param == "memory":
        intake = MemoryIntakeUnitOfWork()
        abeyance = MemoryAbeyanceUnitOfWork()

        async def memory_outbox() -> list[OutgoingMessage]:
            return [*intake.state.outbox, *abeyance.state.outbox]

        yield Adapters(
            "memory",
            lambda: MemoryIntakeUnitOfWork(intake.state),
            lambda: MemoryAbeyanceUnitOfWork(abeyance.state),
            memory_outbox,
        )
        return
    database = await ensure_database(infra.server_dsn, f"c_{uuid.uuid4().hex[:12]}")
    pool = await create_pool(database)
    await migrate(pool, platform_migrations() + intake_migrations() + abeyance_migrations())
    master = master_cipher("contract-test-master-key")
    try:
        yield Adapters(
            "postgres",
            lambda: PostgresIntakeUnitOfWork(pool, master=master),
            lambda: PostgresAbeyanceUnitOfWork(pool),
            lambda: _postgres_outbox(pool),
        )
    finally:
        await pool.close()
