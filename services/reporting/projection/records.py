"""Facts that never change once recorded: naloxone records and the evaluation's data.

Each row ends with when it became known and its position.
"""

from __future__ import annotations

from events.payloads import (
    CohortMemberEnrolled,
    JusticeContactRecorded,
    NaloxoneDistributed,
    NaloxoneUseReported,
    ProbationSpellRecorded,
)
from services.reporting.domain.as_of import Known
from services.reporting.projection.writes import Insert, Writes

_KNOWN = (("known_at", "timestamptz"), ("position", "bigint"))


def _record(table: str, *columns: tuple[str, str]) -> Insert:
    return Insert(table, (*columns, *_KNOWN))


_DISTRIBUTED = _record(
    "naloxone_distributions",
    ("distribution_id", "uuid"),
    ("channel", "text"),
    ("kits", "integer"),
    ("doses", "integer"),
    ("distributed_on", "date"),
)
_USES = _record(
    "naloxone_uses",
    ("report_id", "uuid"),
    ("channel", "text"),
    ("uses", "integer"),
    ("reported_on", "date"),
)
_ENROLLED = _record(
    "cohort_members",
    ("subject_id", "uuid"),
    ("cohort", "text"),
    ("site", "text"),
    ("index_date", "date"),
    ("age", "integer"),
    ("gender", "text"),
    ("ethnicity", "text"),
    ("prior_arrests_12mo", "integer"),
)
_CONTACT = _record(
    "justice_contacts",
    ("event_id", "uuid"),
    ("subject_id", "uuid"),
    ("kind", "text"),
    ("occurred_on", "date"),
)
_PROBATION = _record(
    "probation_spells",
    ("event_id", "uuid"),
    ("subject_id", "uuid"),
    ("start_on", "date"),
    ("end_on", "date"),
)


def distributed(writes: Writes, record: NaloxoneDistributed, known: Known) -> None:
    writes.insert(
        _DISTRIBUTED,
        record.distribution_id,
        record.channel.value,
        record.kits,
        record.doses,
        record.distributed_on,
        known.known_at,
        known.position,
    )


def uses_reported(writes: Writes, record: NaloxoneUseReported, known: Known) -> None:
    writes.insert(
        _USES,
        record.report_id,
        record.channel.value,
        record.uses,
        record.reported_on,
        known.known_at,
        known.position,
    )


def enrolled(writes: Writes, member: CohortMemberEnrolled, known: Known) -> None:
    writes.insert(
        _ENROLLED,
        member.subject_id,
        member.cohort.value,
        member.site,
        member.index_date,
        member.age,
        member.gender.value,
        member.ethnicity.value,
        member.prior_arrests_12mo,
        known.known_at,
        known.position,
    )


def contact(writes: Writes, record: JusticeContactRecorded, known: Known) -> None:
    writes.insert(
        _CONTACT,
        known.event_id,
        record.subject_id,
        record.kind.value,
        record.occurred_on,
        known.known_at,
        known.position,
    )


def probation(writes: Writes, spell: ProbationSpellRecorded, known: Known) -> None:
    writes.insert(
        _PROBATION,
        known.event_id,
        spell.subject_id,
        spell.start_on,
        spell.end_on,
        known.known_at,
        known.position,
    )
