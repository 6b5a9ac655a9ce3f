"""The inbound topic: partners publish referral submissions instead of calling HTTP.

The platform's consumer runner hands each message over once, in the transaction that records
the consumer's progress. A valid submission becomes the same events as ``POST /referrals``; an
invalid one is copied unchanged to ``lead.inbound.rejected`` with every reason in the
``lead-rejection`` header (through the outbox, so a rejection is never lost nor doubled).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from aiokafka import ConsumerRecord
from fastapi import HTTPException
from pydantic import StringConstraints, ValidationError

from events.categories import AgencyCode
from events.errors import field_errors
from events.topics import HEADER_REJECTION, INBOUND_REFERRALS, INBOUND_REJECTED
from services.intake import commands
from services.intake.domain.rejections import Rejection, ValidationFailure
from services.intake.requests import ReferralRequest
from services.intake.writes import apply_decision
from services.platform.auth import Caller, Role
from services.platform.db import Connection
from services.platform.deadletter import original_headers, where_from
from services.platform.idempotency import (
    StoredAnswer,
    earlier_answer,
    fingerprint,
    remember_answer,
)
from services.platform.kafka import OutgoingMessage
from services.platform.logging import get_logger
from services.platform.outbox import enqueue

log = get_logger(__name__)
Reason = dict[str, str]


class InboundSubmission(ReferralRequest):
    submission_id: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    submitted_by: AgencyCode


class Rejected(Exception):
    def __init__(self, reasons: list[Reason]) -> None:
        super().__init__("; ".join(f"{r['field']}: {r['message']}" for r in reasons))
        self.reasons = reasons


def _reasons_of(rejection: Rejection) -> list[Reason]:
    if isinstance(rejection, ValidationFailure):
        return [{"field": f, "message": m} for f, m in rejection.errors]
    return [{"field": "", "message": rejection.reason}]


def parse(value: bytes | None) -> InboundSubmission:
    """The submission, or ``Rejected`` with a reason per offending field."""
    try:
        body = json.loads(value or b"")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise Rejected([{"field": "", "message": f"not valid JSON: {error}"}]) from error
    if not isinstance(body, dict):
        raise Rejected([{"field": "", "message": "a submission must be a JSON object"}])
    try:
        submission = InboundSubmission.model_validate(body)
    except ValidationError as error:
        reasons = [{"field": e.field, "message": e.message} for e in field_errors(error)]
        raise Rejected(reasons) from error
    if submission.submitted_by != submission.referring_agency:
        raise Rejected(
            [
                {
                    "field": "referring_agency",
                    "message": f"{submission.submitted_by} may only submit its own referrals",
                }
            ]
        )
    return submission


def rejection_message(record: ConsumerRecord[Any, Any], reasons: list[Reason]) -> OutgoingMessage:
    """The submission as it came (key and value byte for byte), with every reason; it holds a
    person's identity, so its outbox row is deleted once published."""
    headers = [*original_headers(record), (HEADER_REJECTION, json.dumps(reasons).encode())]
    headers += where_from(record)
    key = record.key if isinstance(record.key, bytes) else None
    value = record.value if isinstance(record.value, bytes) else b""
    return OutgoingMessage(INBOUND_REJECTED, key, value, tuple(headers), personal=True)


class InboundReferrals:
    """Run by the platform's consumer runner: each submission exactly once (claimed by a hash of
    its bytes), a fault of ours retried, never rejected."""

    name = "inbound"
    topics = (INBOUND_REFERRALS,)
    personal = True

    def __init__(self, ctx: commands.IntakeContext) -> None:
        self._ctx = ctx

    async def apply_record(self, conn: Connection, record: ConsumerRecord[Any, Any]) -> str:
        try:
            submission = parse(record.value)
            async with conn.transaction():  # a rejected submission leaves nothing behind
                return await self._accept(conn, submission)
        except Rejected as rejected:
            await enqueue(conn, [rejection_message(record, rejected.reasons)])
            log.info("inbound_rejected", offset=record.offset, reasons=rejected.reasons)
            return "rejected"

    async def _accept(self, conn: Connection, submission: InboundSubmission) -> str:
        caller = Caller(
            self._role_of(submission.submitted_by),
            submission.submitted_by,
            f"inbound:{submission.submitted_by}",
        )
        body = submission.model_dump(mode="json", exclude={"submission_id", "submitted_by"})
        print_ = fingerprint("INBOUND", INBOUND_REFERRALS, body)
        try:
            if await earlier_answer(conn, caller, submission.submission_id, print_):
                return "duplicate"
        except HTTPException as error:  # the same submission_id with a different body
            raise Rejected(
                [{"field": "submission_id", "message": "already used for a different submission"}]
            ) from error
        request = ReferralRequest.model_validate(body)
        try:
            decision = await commands.make_referral(conn, self._ctx, request, datetime.now(UTC))
        except Rejection as rejection:
            raise Rejected(_reasons_of(rejection)) from rejection
        await apply_decision(conn, caller, "inbound referral", decision, submission.submission_id)
        answer = StoredAnswer(decision.status_code, decision.answer)
        await remember_answer(conn, caller, submission.submission_id, print_, answer)
        return "accepted"

    def _role_of(self, agency_code: str) -> Role:
        """The caller role an agency publishing on the topic acts in (for the audit trail)."""
        agency = self._ctx.program.agency(agency_code)
        role = agency.role.value if agency else ""
        return Role(role) if role in Role.__members__ else Role.community_partner
