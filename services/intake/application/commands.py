"""What callers ask intake to do: one command per write, whatever way it came in.

Each carries a ``Write``: who asks, what to call the write in the audit trail, how to recognise
a retry (the caller's ``Idempotency-Key`` and the request's fingerprint) and how to trace it.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.intake.application.requests import ReferralRequest
from services.intake.domain import records, referral
from services.platform.auth import Caller


@dataclass(frozen=True)
class Write:
    caller: Caller
    action: str
    """What the audit trail calls it (e.g. ``POST /referrals``)."""
    fingerprint: str
    """Identifies the request, so that a key reused for another request is refused (made only
    when there is a key)."""
    idempotency_key: str | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class MakeReferral:
    write: Write
    request: ReferralRequest


@dataclass(frozen=True)
class RecordCaseEvent:
    """An assessment, care plan, status change, withdrawal or demographics of a referral.

    A completion's ``case_manager_agency`` may be left empty: the caller's own agency (an admin:
    the site's first case-management agency)."""

    write: Write
    site: str
    step: referral.Command


@dataclass(frozen=True)
class RecordProgramRecord:
    """A naloxone distribution or use report, or an evaluation record."""

    write: Write
    record: records.Record


Command = MakeReferral | RecordCaseEvent | RecordProgramRecord


@dataclass(frozen=True)
class Accepted:
    """What a write did (``created`` a new record, or ``accepted`` an event on one) and the
    answer the caller gets, the same on every retry of its key."""

    outcome: str
    answer: dict[str, object]

    @property
    def created(self) -> bool:
        return self.outcome == "created"
