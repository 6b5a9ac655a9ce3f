"""In-memory adapters of the platform's ports: the event store with its outbox, idempotent
answers, the audit trail and the unit of work that commits them together.

They keep everything in a ``MemoryState``; a unit of work copies the state when it opens and
puts the copy back unless it commits, so a refused command leaves nothing behind, as a
rolled-back transaction would. For handler tests: milliseconds, no database. The contract tests
(``tests/contract``) hold them to the same behaviour as the PostgreSQL adapters.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from events.envelope import Envelope
from services.platform.audit import AuditTrail
from services.platform.auth import Caller
from services.platform.eventstore import ConcurrencyConflict, EventStore, StoredEvent
from services.platform.idempotency import Answers, IdempotencyKeyReused, StoredAnswer
from services.platform.kafka import OutgoingMessage
from services.platform.outbox import event_message


@dataclass
class MemoryState:
    streams: dict[str, list[StoredEvent]] = field(default_factory=dict)
    outbox: list[OutgoingMessage] = field(default_factory=list)
    answers: dict[tuple[str, str], tuple[str, StoredAnswer]] = field(default_factory=dict)
    audit: list[tuple[str, str, str, str | None, str]] = field(default_factory=list)
    """(token id, action, record type, record id, outcome)."""
    position: int = 0


class MemoryEventStore:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def append(
        self,
        stream_id: str,
        expected_version: int,
        events: Sequence[Envelope],
        *,
        also_publish: Sequence[OutgoingMessage] = (),
    ) -> int:
        stream = self._state.streams.get(stream_id, [])
        known = {e.envelope.event_id for s in self._state.streams.values() for e in s}
        if len(stream) != expected_version or known & {e.event_id for e in events}:
            raise ConcurrencyConflict(stream_id, expected_version, len(stream))
        for offset, envelope in enumerate(events, start=1):
            self._state.position += 1
            stored = StoredEvent(
                stream_id, expected_version + offset, envelope, self._state.position
            )
            stream.append(stored)
            self._state.outbox.append(event_message(envelope))
        if events:
            self._state.streams[stream_id] = stream
        self._state.outbox.extend(also_publish)
        return expected_version + len(events)

    async def read(self, stream_id: str) -> list[StoredEvent]:
        return list(self._state.streams.get(stream_id, []))

    async def read_many(self, stream_ids: Sequence[str]) -> dict[str, list[StoredEvent]]:
        return {s: list(self._state.streams[s]) for s in stream_ids if s in self._state.streams}

    async def version(self, stream_id: str) -> int:
        return len(self._state.streams.get(stream_id, []))


class MemoryAnswers:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def earlier(self, caller: str, key: str, print_: str) -> StoredAnswer | None:
        found = self._state.answers.get((caller, key))
        if found is None:
            return None
        if found[0] != print_:
            raise IdempotencyKeyReused()
        return found[1]

    async def remember(self, caller: str, key: str, print_: str, answer: StoredAnswer) -> None:
        self._state.answers[(caller, key)] = (print_, answer)


class MemoryAuditTrail:
    def __init__(self, state: MemoryState) -> None:
        self._state = state

    async def record(
        self, caller: Caller, action: str, record_type: str, record_id: str | None, outcome: str
    ) -> None:
        self._state.audit.append((caller.token_id, action, record_type, record_id, outcome))


class MemoryUnitOfWork:
    """Commits by keeping the changes; leaving without ``commit`` restores the state as it was."""

    events: EventStore
    answers: Answers
    audit: AuditTrail

    def __init__(self, state: MemoryState) -> None:
        self.state = state
        self.events = MemoryEventStore(state)
        self.answers = MemoryAnswers(state)
        self.audit = MemoryAuditTrail(state)
        self._saved: dict[str, Any] | None = None

    async def __aenter__(self) -> Self:
        self._saved = copy.deepcopy(vars(self.state))
        return self

    async def commit(self) -> None:
        self._saved = None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._saved is not None:
            vars(self.state).update(self._saved)
            self._saved = None
