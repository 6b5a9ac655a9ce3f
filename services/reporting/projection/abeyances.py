"""Pre-booking abeyances and their state: pending, then declined, expired or ended.

An expiry later rescinded keeps its ``rescinded`` mark (abeyance then declines the charges).
"""

from __future__ import annotations

from events.payloads import (
    AbeyanceEnded,
    AbeyanceExpired,
    AbeyanceExpiryRescinded,
    AbeyanceStarted,
    ChargesDeclined,
)
from services.reporting.domain.as_of import Known
from services.reporting.projection.writes import Change, Insert, Writes

STATE_COLUMNS = ("state", "rescinded", "declined_at", "decided_at")

_STARTED = Insert(
    "abeyances",
    (
        ("referral_id", "uuid"),
        ("prosecuting_agency", "text"),
        ("started_at", "timestamptz"),
        ("deadline_at", "timestamptz"),
        ("known_at", "timestamptz"),
        ("position", "bigint"),
    ),
)
_PENDING = Insert(
    "abeyance_states",
    (
        ("referral_id", "uuid"),
        ("state", "text"),
        ("known_from", "timestamptz"),
        ("from_position", "bigint"),
    ),
)
_DECLINED = Change(
    "abeyance_states",
    STATE_COLUMNS,
    (("state", "'declined'"), ("declined_at", "v.declined_at"), ("decided_at", "v.declined_at")),
    (("declined_at", "timestamptz"),),
)
_EXPIRED = Change(
    "abeyance_states",
    STATE_COLUMNS,
    (
        ("state", "'expired'"),
        ("decided_at", "(SELECT deadline_at FROM abeyances a WHERE a.referral_id = c.referral_id)"),
    ),
)
_RESCINDED = Change("abeyance_states", STATE_COLUMNS, (("rescinded", "true"),))
_ENDED = Change("abeyance_states", STATE_COLUMNS, (("state", "'ended'"),))


def started(writes: Writes, start: AbeyanceStarted, known: Known) -> None:
    writes.insert(
        _STARTED,
        start.referral_id,
        start.prosecuting_agency,
        start.started_at,
        start.deadline_at,
        known.known_at,
        known.position,
    )
    writes.insert(_PENDING, start.referral_id, "pending", known.known_at, known.position)


def declined(writes: Writes, decline: ChargesDeclined, known: Known) -> None:
    writes.change(_DECLINED, decline.referral_id, known, decline.declined_at)


def expired(writes: Writes, expiry: AbeyanceExpired, known: Known) -> None:
    writes.change(_EXPIRED, expiry.referral_id, known)


def rescinded(writes: Writes, rescission: AbeyanceExpiryRescinded, known: Known) -> None:
    writes.change(_RESCINDED, rescission.referral_id, known)


def ended(writes: Writes, end: AbeyanceEnded, known: Known) -> None:
    writes.change(_ENDED, end.referral_id, known)
