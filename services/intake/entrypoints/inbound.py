"""The inbound topic: partners publish referral submissions instead of calling HTTP.

The platform's consumer runner hands each message over once, in the transaction that records
the consumer's progress; the submission becomes the same command as ``POST /referrals`` and runs
through the same handler, in a unit of work joining that transaction. An invalid one is copied
unchanged to ``lead.inbound.rejected`` with every reason in the ``lead-rejection`` header
(through the outbox, so a rejection is never lost nor doubled). Refusals are mapped to reasons
here, once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from aiokafka import ConsumerRecord
from pydantic import StringConstraints, ValidationError

from events.categories import AgencyCode
from events.errors import field_errors
from events.topics import HEADER_REJECTION, INBOUND_REFERRALS, INBOUND_REJECTED
from services.intake.application.commands import MakeReferral, Write
from services.intake.application.handlers import Intake, handle
from services.intake.application.requests import ReferralRequest
from services.intake.application.unit_of_work import IntakeUnitOfWork
from services.intake.domain.errors import Rejection, ValidationFailure
from services.intake.domain.referrers import caller_role_for
from services.platform.auth import Caller, Role
from services.platform.db import Connection
from services.platform.deadletter import original_headers, where_from
from services.platform.idempotency import IdempotencyKeyReused, fingerprint
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


def reasons_of(refusal: Rejection | IdempotencyKeyReused) -> list[Reason]:
    """A refusal as the reasons of a rejected copy (the HTTP API's 4xx, in the topic's words)."""
    if isinstance(refusal, ValidationFailure):
        return [{"field": f, "message": m} for f, m in refusal.errors]
    if isinstance(refusal, IdempotencyKeyReused):
        return [{"field": "submission_id", "message": "already used for a different submission"}]
    return [{"field": "", "message": refusal.reason}]


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
        message = f"{submission.submitted_by} may only submit its own referrals"
        raise Rejected([{"field": "referring_agency", "message": message}])
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
    """Run by the platform's consumer runner (a consumer of raw records)."""

    name = "inbound"
    topics = (INBOUND_REFERRALS,)
    personal = True

    def __init__(self, intake: Intake, unit_of_work: Callable[[Connection], IntakeUnitOfWork]):
        self._intake = intake
        self._unit_of_work = unit_of_work

    async def apply_record(self, conn: Connection, record: ConsumerRecord[Any, Any]) -> str:
        try:
            command = self._command(parse(record.value))
            await handle(command, self._unit_of_work(conn), self._intake)
        except (Rejected, Rejection, IdempotencyKeyReused) as refusal:
            reasons = refusal.reasons if isinstance(refusal, Rejected) else reasons_of(refusal)
            await enqueue(conn, [rejection_message(record, reasons)])
            log.info("inbound_rejected", offset=record.offset, reasons=reasons)
            return "rejected"
        return "accepted"

    def _command(self, submission: InboundSubmission) -> MakeReferral:
        agency = self._intake.program.agency(submission.submitted_by)
        role = (agency and caller_role_for(agency.role)) or Role.community_partner
        caller = Caller(role, submission.submitted_by, f"inbound:{submission.submitted_by}")
        body = submission.model_dump(mode="json", exclude={"submission_id", "submitted_by"})
        write = Write(
            caller=caller,
            action="inbound referral",
            fingerprint=fingerprint("INBOUND", INBOUND_REFERRALS, body),
            idempotency_key=submission.submission_id,
            correlation_id=submission.submission_id,
        )
        return MakeReferral(write, ReferralRequest.model_validate(body))
