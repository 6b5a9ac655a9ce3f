"""Reporting's projection: every topic's events into a bitemporal read model (ADR 0030).

Each event gets its stable position (``positions``) and the moment it became known
(``domain.as_of.known_from``: recorded and occurred, or occurred alone on event time); the
handler of its type says what it writes, and a whole batch's writes are made together
(``writes``). The result does not depend on the order of events of different subjects (a rebuild
reads partitions in another interleaving than live operation) nor on how they are batched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
    CohortMemberEnrolled,
    DemographicsRecorded,
    EventPayload,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ParticipantStatusChanged,
    ParticipantWithdrew,
    ProbationSpellRecorded,
    ReferralMade,
)
from events.registry import DecodedEvent
from events.topics import ABEYANCE_EVENTS, EVALUATION_EVENTS, OEND_EVENTS, REFERRAL_EVENTS
from services.platform.db import Connection
from services.platform.projection import Source
from services.reporting.domain.as_of import Known, known_from
from services.reporting.facts import publish_changed_facts
from services.reporting.projection import abeyances, records, referrals
from services.reporting.projection.positions import claim_positions
from services.reporting.projection.writes import Writes

TOPICS = (REFERRAL_EVENTS, ABEYANCE_EVENTS, OEND_EVENTS, EVALUATION_EVENTS)
NAME = "reports"

Handler = Callable[[Writes, Any, Known], None]
HANDLERS: dict[type[EventPayload], Handler] = {
    ReferralMade: referrals.referral_made,
    ParticipantStatusChanged: referrals.status_changed,
    ParticipantWithdrew: referrals.withdrew,
    DemographicsRecorded: referrals.demographics,
    NaloxoneDistributed: records.distributed,
    NaloxoneUseReported: records.uses_reported,
    AbeyanceStarted: abeyances.started,
    ChargesDeclined: abeyances.declined,
    AbeyanceExpired: abeyances.expired,
    AbeyanceExpiryRescinded: abeyances.rescinded,
    AbeyanceEnded: abeyances.ended,
    CohortMemberEnrolled: records.enrolled,
    JusticeContactRecorded: records.contact,
    ProbationSpellRecorded: records.probation,
}
"""Events reporting reads; any other event is counted as applied and changes nothing."""


async def apply_event(conn: Connection, payload: EventPayload, known: Known) -> None:
    """Apply one event, whose position is ``known``, to the read model."""
    writes = Writes()
    _write(writes, payload, known)
    await writes.execute(conn)


def _write(writes: Writes, payload: EventPayload, known: Known) -> None:
    handler = HANDLERS.get(type(payload))
    if handler is not None:
        handler(writes, payload, known)


class ReportingProjection:
    """The projection runner's view of reporting. ``event_time``: a replayed history that was
    never recorded live is read on event time (a fact is known from when it occurred)."""

    name = NAME
    topics = TOPICS

    def __init__(self, *, event_time: bool = False) -> None:
        self.event_time = event_time

    async def apply(self, conn: Connection, event: DecodedEvent, source: Source) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Connection, events: Sequence[DecodedEvent]) -> None:
        """Apply the events (distinct, in their order): positions claimed with one statement,
        their writes made together."""
        positions = await claim_positions(conn, [event.envelope.event_id for event in events])
        writes = Writes()
        for event in events:
            envelope = event.envelope
            known = Known(
                position=positions[envelope.event_id],
                event_id=envelope.event_id,
                occurred_at=envelope.occurred_at,
                known_at=known_from(
                    envelope.recorded_at, envelope.occurred_at, event_time=self.event_time
                ),
            )
            _write(writes, event.payload, known)
        await writes.execute(conn)

    async def batch_applied(self, conn: Connection) -> None:
        """Queue the fact rows this batch changed for the warehouse topic (same transaction)."""
        published: int = await conn.fetchval("SELECT facts_published FROM projection_position")
        upto = await publish_changed_facts(conn, published)
        await conn.execute("UPDATE projection_position SET facts_published = $1", upto)
