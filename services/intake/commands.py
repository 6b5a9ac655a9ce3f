"""Intake's application service: load a referral, let the decider rule, say what to record.

Shared by the HTTP API and the inbound topic, so that both paths apply the same validation and
produce the same events. Nothing here speaks HTTP or Kafka.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.payloads import EventPayload
from events.registry import decode
from services.intake import identities
from services.intake.domain import referral
from services.intake.domain.participants import age_on, participant_id
from services.intake.domain.referral_state import ReferralState, state_from
from services.intake.requests import ReferralRequest
from services.intake.writes import Decision
from services.platform.db import Connection
from services.platform.program import Program
from services.platform.settings import Settings


@dataclass(frozen=True)
class IntakeContext:
    program: Program
    participant_key: bytes
    master: AESGCM

    @classmethod
    def from_settings(cls, settings: Settings, program: Program) -> IntakeContext:
        return cls(
            program=program,
            participant_key=settings.participant_key.get_secret_value().encode(),
            master=identities.master_cipher(settings.identity_master_key.get_secret_value()),
        )


async def load_referral(conn: Connection, referral_id: UUID) -> tuple[ReferralState, int]:
    """The referral's state from its stream in the event store, and the stream's version."""
    rows = await conn.fetch(
        "SELECT envelope FROM event_store WHERE stream_id = $1 ORDER BY version",
        str(referral_id),
    )
    events: list[EventPayload] = [decode(row["envelope"]).payload for row in rows]
    return state_from(events), len(rows)


async def make_referral(
    conn: Connection, ctx: IntakeContext, body: ReferralRequest, now: datetime
) -> Decision:
    person = body.person
    pid = participant_id(
        ctx.participant_key, person.given_name, person.family_name, person.date_of_birth
    )
    referral_id = uuid4()
    # One referral of a person at a time, so that a re-referral is always recognised.
    await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", str(pid))
    command = referral.MakeReferral(
        referral_id=referral_id,
        participant_id=pid,
        is_re_referral=await _referred_before(conn, pid),
        site=body.site,
        pathway=body.pathway,
        referred_at=body.referred_at,
        referring_agency=body.referring_agency,
        gender=body.gender,
        ethnicity=body.ethnicity,
        age_at_referral=age_on(person.date_of_birth, body.referred_at.date()),
        arrest=body.arrest,
    )
    events = referral.decide(command, referral.INITIAL, now, ctx.program)
    await _note_participant(conn, pid, referral_id)
    await identities.keep(
        conn,
        ctx.master,
        pid,
        identities.Identity(person.given_name, person.family_name, person.date_of_birth),
    )
    answer = {
        "referral_id": str(referral_id),
        "participant_id": str(pid),
        "is_re_referral": command.is_re_referral,
    }
    return Decision(
        str(referral_id),
        0,
        events,
        body.referred_at,
        201,
        answer,
        "referral",
        also=view_updater(referral.INITIAL, events),
    )


async def record_case_event(
    conn: Connection,
    ctx: IntakeContext,
    command: referral.Command,
    occurred_at: datetime,
    now: datetime,
) -> Decision:
    state, version = await load_referral(conn, command.referral_id)
    events = referral.decide(command, state, now, ctx.program)
    answer: dict[str, Any] = {"referral_id": str(command.referral_id), "accepted": True}
    return Decision(
        str(command.referral_id),
        version,
        events,
        occurred_at,
        202,
        answer,
        "referral",
        also=view_updater(state, events),
    )


def view_updater(
    before: ReferralState, events: list[EventPayload]
) -> Callable[[Connection], Awaitable[None]]:
    """Keeps intake's read model of the referral in step with its stream."""
    after = state_from(events, before)

    async def update(conn: Connection) -> None:
        await conn.execute(
            "INSERT INTO referral_view (referral_id, site, participant_id, state)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (referral_id) DO UPDATE"
            " SET state = excluded.state, updated_at = now()",
            after.referral_id,
            after.site,
            after.participant_id,
            view_of(after),
        )

    return update


def view_of(state: ReferralState) -> dict[str, Any]:
    """The referral as ``GET /referrals/{id}`` shows it (no identity)."""
    arrest = state.arrest.model_dump(mode="json") if state.arrest else None
    return {
        "referral_id": str(state.referral_id),
        "participant_id": str(state.participant_id),
        "site": state.site,
        "pathway": state.pathway,
        "status": state.status,
        "referred_at": _iso(state.referred_at),
        "referring_agency": state.referring_agency,
        "arrest": arrest,
        "assessment_completed_at": _iso(state.assessment_at),
        "care_plan_completed_at": _iso(state.care_plan_at),
        "status_changed_at": _iso(state.status_changed_at),
        "withdrew_at": _iso(state.withdrew_at),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


async def _referred_before(conn: Connection, pid: UUID) -> bool:
    known = await conn.fetchval("SELECT 1 FROM participants WHERE participant_id = $1", pid)
    return known is not None


async def _note_participant(conn: Connection, pid: UUID, referral_id: UUID) -> None:
    await conn.execute(
        "INSERT INTO participants (participant_id, first_referral_id) VALUES ($1, $2)"
        " ON CONFLICT (participant_id) DO UPDATE"
        " SET referral_count = participants.referral_count + 1",
        pid,
        referral_id,
    )
