"""The warehouse feed: de-identified fact tables, one per grain, read from the reporting tables.

A fact row carries no names, dates of birth or case references: only pseudonymous ids, codes,
dates and counts. Each row carries the projection ``position`` of the latest write it reflects
(across every reporting table it is read from), so ``position > p`` selects exactly the rows
that changed after position ``p``: the topic publishes those, the Parquet export records the
maximum per table. The export can also read the facts as of a day or a position (the rows as
they stood then); the topic always carries the current rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final, Literal

import pyarrow as pa

from events.topics import REPORTING_FACTS
from services.platform.db import Connection
from services.platform.kafka import OutgoingMessage
from services.platform.outbox import enqueue
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain.as_of import AsOf
from services.reporting.tables.known import IN_CUT, IN_PERIOD, VERSION_IN_CUT, referrals_as_of
from services.reporting.tables.naloxone import LA_50K_SINCE

Param = Literal["after_position", "observed_through", "zone", "la_50k_since"]
"""A value a fact query may take after the first four (the period and the cut of
``tables/known.py``); each query lists the ones it uses, in ``$n`` order from ``$5``."""

HEADER_FACT_TABLE: Final = "fact_table"
HEADER_POSITION: Final = "position"


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = False


@dataclass(frozen=True)
class FactTable:
    """One grain: its columns (documented), the columns identifying a row, and its query."""

    name: str
    doc: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    sql: str
    params: tuple[Param, ...]

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(
            [pa.field(c.name, c.type, c.nullable, metadata={"doc": c.doc}) for c in self.columns],
            metadata={"fact_table": self.name, "doc": self.doc},
        )

    def message_key(self, row: Mapping[str, Any]) -> str:
        return ":".join([self.name, *(str(row[k]) for k in self.key)])


_POSITION = Column(
    "position", pa.int64(), "projection position (events applied) of the latest write reflected"
)
_SITE = Column("site", pa.string(), "site code")
_GENDER = Column("gender", pa.string(), "gender category code ('unknown' if not reported)")
_ETHNICITY = Column("ethnicity", pa.string(), "ethnicity category code ('unknown' if not reported)")
_CHANNEL = Column("channel", pa.string(), "naloxone distribution channel code")
_LA_50K = Column("la_50k", pa.bool_(), f"within the LA 50K initiative (since {LA_50K_SINCE})")

_CHANGED_REFERRALS = """
SELECT referral_id FROM referral_statuses WHERE from_position > $5
 UNION SELECT referral_id FROM referrals WHERE position > $5
 UNION SELECT r.referral_id FROM demographic_reports d JOIN referrals r USING (participant_id)
        WHERE d.position > $5
"""
"""Referrals whose fact row changed after position ``$5``: status, referral or demographics."""

REFERRAL = FactTable(
    name="referral",
    doc="One row per referral (a re-referral is a referral of its own).",
    key=("referral_id",),
    columns=(
        Column("referral_id", pa.string(), "referral id (uuid)"),
        Column("participant_id", pa.string(), "pseudonymous participant id (uuid)"),
        _SITE,
        Column("pathway", pa.string(), "prebooking | social_contact | community"),
        Column("status", pa.string(), "active | inactive"),
        Column("referred_on", pa.date32(), "day of the referral (program time zone)"),
        Column("is_re_referral", pa.bool_(), "the person was referred before"),
        _GENDER,
        _ETHNICITY,
        Column("age_at_referral", pa.int32(), "age in years at referral, when reported", True),
        Column("withdrew", pa.bool_(), "the participant withdrew"),
        _POSITION,
    ),
    sql=f"""{referrals_as_of(changed=_CHANGED_REFERRALS)}
SELECT k.referral_id::text AS referral_id, k.participant_id::text AS participant_id, k.site,
       k.pathway, k.status, k.referred_on, r.is_re_referral, k.gender, k.ethnicity,
       r.age_at_referral, k.withdrew_at IS NOT NULL AS withdrew,
       greatest(k.status_position, r.position, (
           SELECT max(d.position) FROM demographic_reports d
            WHERE d.participant_id = k.participant_id AND {IN_CUT.format(t="d")})) AS position
  FROM known k JOIN referrals r USING (referral_id)
 ORDER BY k.referral_id
""",
    params=("after_position",),
)

# The site comes from the referral, which reporting may project after the abeyance (they arrive
# on different topics): the row's position is the later of the two writes.
ABEYANCE_DECISION = FactTable(
    name="abeyance_decision",
    doc="One row per pre-booking abeyance, in its current (final) state.",
    key=("referral_id",),
    columns=(
        Column("referral_id", pa.string(), "referral id (uuid) of the pre-booking referral"),
        Column("site", pa.string(), "site code of the referral (null until it is known)", True),
        Column("prosecuting_agency", pa.string(), "prosecuting agency code"),
        Column("state", pa.string(), "pending | declined | expired | ended"),
        Column("rescinded", pa.bool_(), "an expiry was rescinded (the condition was met in time)"),
        Column("started_on", pa.date32(), "day the charges were held (program time zone)"),
        Column("deadline_on", pa.date32(), "day of the deadline (program time zone)"),
        Column("declined_on", pa.date32(), "day the charges were declined", True),
        Column(
            "days_to_decline",
            pa.float64(),
            "days (fractional) from the referral to the decline, as in the abeyance report",
            True,
        ),
        _POSITION,
    ),
    sql=f"""
WITH changed AS MATERIALIZED (
    SELECT referral_id FROM abeyance_states WHERE from_position > $5
    UNION SELECT referral_id FROM abeyances WHERE position > $5
    UNION SELECT referral_id FROM referrals WHERE position > $5
)
SELECT a.referral_id::text AS referral_id, r.site, a.prosecuting_agency, st.state, st.rescinded,
       (a.started_at AT TIME ZONE $6)::date AS started_on,
       (a.deadline_at AT TIME ZONE $6)::date AS deadline_on,
       (st.declined_at AT TIME ZONE $6)::date AS declined_on,
       (extract(epoch FROM st.declined_at - r.referred_at) / 86400)::float8 AS days_to_decline,
       greatest(st.from_position, a.position, r.position) AS position
  FROM abeyances a
  JOIN abeyance_states st ON st.referral_id = a.referral_id AND {VERSION_IN_CUT.format(t="st")}
  LEFT JOIN referrals r ON r.referral_id = a.referral_id AND {IN_CUT.format(t="r")}
 WHERE {IN_CUT.format(t="a")} AND {IN_PERIOD.format(c="r.referred_on")}
   AND a.referral_id IN (SELECT referral_id FROM changed)
 ORDER BY a.referral_id
""",
    params=("after_position", "zone"),
)

NALOXONE_DISTRIBUTION = FactTable(
    name="naloxone_distribution",
    doc="One row per recorded naloxone distribution.",
    key=("distribution_id",),
    columns=(
        Column("distribution_id", pa.string(), "distribution id (uuid)"),
        _CHANNEL,
        Column("kits", pa.int32(), "kits distributed"),
        Column("doses", pa.int32(), "doses distributed"),
        Column("distributed_on", pa.date32(), "day of the distribution"),
        _LA_50K,
        _POSITION,
    ),
    sql=f"""
SELECT distribution_id::text AS distribution_id, channel, kits, doses, distributed_on,
       distributed_on >= $6 AS la_50k, position
  FROM naloxone_distributions n
 WHERE position > $5 AND {IN_CUT.format(t="n")} AND {IN_PERIOD.format(c="distributed_on")}
 ORDER BY n.distribution_id
""",
    params=("after_position", "la_50k_since"),
)

NALOXONE_USE = FactTable(
    name="naloxone_use",
    doc="One row per report of naloxone uses.",
    key=("report_id",),
    columns=(
        Column("report_id", pa.string(), "use report id (uuid)"),
        _CHANNEL,
        Column("uses", pa.int32(), "reported uses"),
        Column("reported_on", pa.date32(), "day of the report"),
        _LA_50K,
        _POSITION,
    ),
    sql=f"""
SELECT report_id::text AS report_id, channel, uses, reported_on, reported_on >= $6 AS la_50k,
       position
  FROM naloxone_uses n
 WHERE position > $5 AND {IN_CUT.format(t="n")} AND {IN_PERIOD.format(c="reported_on")}
 ORDER BY n.report_id
""",
    params=("after_position", "la_50k_since"),
)

_OUTCOME_DOC = "1 when at least one {} occurred in (index_date, window_end], else 0"

# Window end: PostgreSQL's month arithmetic keeps the day of the month and clamps it to the
# month's last day (Aug 31 + 6 months = Feb 28/29), as the outcome model defines it.
EVALUATION_SUBJECT_WINDOW = FactTable(
    name="evaluation_subject_window",
    doc="One row per evaluation subject and outcome window (6 and 12 months).",
    key=("subject_id", "window"),
    columns=(
        Column("subject_id", pa.string(), "pseudonymous evaluation subject id (uuid)"),
        Column("cohort", pa.string(), "lead | comparison"),
        _SITE,
        Column("index_date", pa.date32(), "the subject's index date"),
        Column("window", pa.int32(), "window length in months: 6 or 12"),
        Column("window_end", pa.date32(), "index_date + window months (clamped to month end)"),
        Column("observed", pa.bool_(), "window_end <= the as-of date: the full window is observed"),
        Column("misdemeanor_arrest", pa.int32(), _OUTCOME_DOC.format("misdemeanor arrest")),
        Column("felony_arrest", pa.int32(), _OUTCOME_DOC.format("felony arrest")),
        Column("felony_case_filed", pa.int32(), _OUTCOME_DOC.format("felony case filing")),
        Column("probation", pa.int32(), "1 when a probation spell overlaps the window, else 0"),
        Column("age", pa.int32(), "age in years at the index date (covariate)"),
        _GENDER,
        _ETHNICITY,
        Column("prior_arrests_12mo", pa.int32(), "arrests in the 12 months before the index date"),
        _POSITION,
    ),
    sql=f"""
WITH changed AS MATERIALIZED (
    SELECT subject_id FROM cohort_members WHERE position > $5
    UNION SELECT subject_id FROM justice_contacts WHERE position > $5
    UNION SELECT subject_id FROM probation_spells WHERE position > $5
), windows AS (
    SELECT m.*, w.months, (m.index_date + make_interval(months => w.months))::date AS window_end
      FROM cohort_members m
      JOIN changed USING (subject_id)
     CROSS JOIN (VALUES (6), (12)) AS w (months)
     WHERE {IN_CUT.format(t="m")} AND {IN_PERIOD.format(c="m.index_date")}
)
SELECT w.subject_id::text AS subject_id, w.cohort, w.site, w.index_date, w.months AS "window",
       w.window_end, w.window_end <= $6 AS observed,
       c.misdemeanor_arrest, c.felony_arrest, c.felony_case_filed, p.probation,
       w.age, w.gender, w.ethnicity, w.prior_arrests_12mo,
       greatest(w.position, c.position, p.position) AS position
  FROM windows w
  CROSS JOIN LATERAL (
      SELECT (count(*) FILTER (WHERE kind = 'misdemeanor_arrest' AND in_window) > 0)::int
                 AS misdemeanor_arrest,
             (count(*) FILTER (WHERE kind = 'felony_arrest' AND in_window) > 0)::int
                 AS felony_arrest,
             (count(*) FILTER (WHERE kind = 'felony_case_filed' AND in_window) > 0)::int
                 AS felony_case_filed,
             max(position) AS position
        FROM (SELECT kind, position,
                     occurred_on > w.index_date AND occurred_on <= w.window_end AS in_window
                FROM justice_contacts c
               WHERE subject_id = w.subject_id AND {IN_CUT.format(t="c")}) AS contacts
  ) c
  CROSS JOIN LATERAL (
      SELECT (count(*) FILTER (WHERE start_on <= w.window_end AND end_on > w.index_date) > 0)::int
                 AS probation,
             max(position) AS position
        FROM probation_spells s
       WHERE subject_id = w.subject_id AND {IN_CUT.format(t="s")}
  ) p
 ORDER BY w.subject_id, w.months
""",
    params=("after_position", "observed_through"),
)

FACT_TABLES: Final[Mapping[str, FactTable]] = {
    t.name: t
    for t in (
        REFERRAL,
        ABEYANCE_DECISION,
        NALOXONE_DISTRIBUTION,
        NALOXONE_USE,
        EVALUATION_SUBJECT_WINDOW,
    )
}


def program_today() -> date:
    """Today in the program's time zone: the default as-of date of the evaluation windows."""
    return datetime.now(PROGRAM_ZONE).date()


async def fact_rows(
    conn: Connection,
    table: str,
    *,
    after_position: int = 0,
    as_of: AsOf | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The rows of one fact table written after ``after_position``, ordered by their key, as
    of ``as_of`` (default: everything applied).

    Evaluation windows are ``observed`` up to the as-of day, else ``today`` (default: today in
    the program's time zone).
    """
    fact = FACT_TABLES[table]
    as_of = as_of or AsOf()
    cut = as_of.cut
    values: dict[Param, object] = {
        "after_position": after_position,
        "observed_through": as_of.observed_through(today or program_today()),
        "zone": PROGRAM_ZONE.key,
        "la_50k_since": LA_50K_SINCE,
    }
    first = (None, None, cut.until, cut.position)
    records = await conn.fetch(fact.sql, *first, *(values[p] for p in fact.params))
    return [dict(record.items()) for record in records]


def fact_message(table: FactTable, row: Mapping[str, Any]) -> OutgoingMessage:
    """A fact row as it travels on ``lead.reporting.facts``."""
    return OutgoingMessage(
        topic=REPORTING_FACTS,
        key=table.message_key(row).encode(),
        body=json.dumps(
            {"table": table.name, "row": row}, default=_json_value, separators=(",", ":")
        ).encode(),
        headers=(
            (HEADER_FACT_TABLE, table.name.encode()),
            (HEADER_POSITION, str(row["position"]).encode()),
        ),
    )


async def publish_changed_facts(
    conn: Connection, after_position: int, *, today: date | None = None
) -> int:
    """Enqueue every fact row written after ``after_position``, in the caller's transaction.

    Returns the highest position published, or ``after_position`` when nothing changed.
    """
    highest = after_position
    for table in FACT_TABLES.values():
        rows = await fact_rows(conn, table.name, after_position=after_position, today=today)
        await enqueue(conn, [fact_message(table, row) for row in rows])
        highest = max([highest, *(row["position"] for row in rows)])
    return highest


def _json_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a fact value")
