"""The unit of work: one command's reads and writes, committed together or not at all.

A service's handlers take a unit of work and know nothing of where it keeps things:
``PostgresUnitOfWork`` runs one transaction on one pooled connection; the memory adapter
(``services.platform.memory``) keeps everything in dictionaries, for handler tests that need no
database. Each service extends both with its own repositories (``bind``). Leaving the ``async
with`` block without ``commit()`` (an exception, a refusal) records nothing.
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from services.platform.audit import AuditTrail, PostgresAuditTrail
from services.platform.db import Connection, Pool
from services.platform.eventstore import EventStore, PostgresEventStore
from services.platform.idempotency import Answers, PostgresAnswers
from services.platform.writes import DeferredWrites


class UnitOfWork(Protocol):
    events: EventStore
    answers: Answers
    audit: AuditTrail

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None: ...


class PostgresUnitOfWork:
    """One transaction on one connection of the service's pool; or, ``joining`` a connection
    already in a transaction (a consumer's batch), part of it, so that the message's claim and
    what the command records commit together: in a savepoint (a refused command leaves nothing
    while the batch goes on), or, ``savepoint=False``, in the batch's transaction itself (for
    handlers that never refuse: the batch is their unit)."""

    events: EventStore
    answers: Answers
    audit: AuditTrail

    def __init__(
        self,
        pool: Pool | None = None,
        *,
        joining: Connection | None = None,
        savepoint: bool = True,
    ) -> None:
        if (pool is None) == (joining is None):
            raise ValueError("a unit of work takes a pool or a connection to join")
        self._pool = pool
        self._joined = joining
        self._own_transaction = savepoint or joining is None
        self._conn: Connection | None = None
        self._committed = False

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    async def __aenter__(self) -> Self:
        conn = self._joined or await self._acquire()
        self._transaction = conn.transaction()
        if self._own_transaction:
            try:
                await self._transaction.start()
            except BaseException:
                await self._release(conn)
                raise
        self._conn, self._committed = conn, False
        self.deferred = DeferredWrites(conn)
        self.events = PostgresEventStore(conn)
        self.answers = PostgresAnswers(conn, self.deferred)
        self.audit = PostgresAuditTrail(self.deferred)
        self.bind(conn)
        return self

    def bind(self, conn: Connection) -> None:
        """A service's own repositories on the unit of work's connection."""

    async def commit(self) -> None:
        await self.deferred.flush()
        if self._own_transaction:
            await self._transaction.commit()
        self._committed = True

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            if self._own_transaction and not self._committed and not conn.is_closed():
                await self._transaction.rollback()
        finally:
            await self._release(conn)

    async def _acquire(self) -> Connection:
        assert self._pool is not None
        conn: Connection = await self._pool.acquire()
        return conn

    async def _release(self, conn: Connection) -> None:
        if self._pool is not None:
            await self._pool.release(conn)  # type: ignore[arg-type]
