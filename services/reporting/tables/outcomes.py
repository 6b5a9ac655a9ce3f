"""The outcome evaluation (reports.md "Outcome model"): AOR and 95% CI of LEAD vs comparison.

Subjects are the cohort members whose index date lies in the scope's period (as known at the
report's cut). They are observed up to the report's as-of day (else today in the program's time
zone), or the period's end when that is earlier (a report for a past period reads as it would
have at that period's end; a future end cannot be observed yet). A window counts only the
subjects observed for all of it.

Cells per outcome x window: ``aor``, ``ci_low``, ``ci_high`` (``None`` with the reason as its
note when no number can be given) and ``subjects_lead``, ``subjects_comparison`` (people observed
for the window). The subject counts bind no sum, so primary suppression (``SMALL_CELLS``) is
enough for them. For the public the model is fitted only when each cohort has at least
``SMALL_CELLS.smallest_shown`` subjects observed; otherwise the row's note says so, so an
estimate resting on a small cell is never shown.
"""

from __future__ import annotations

from datetime import date, datetime

from services.platform.db import Connection
from services.reporting.calendar import PROGRAM_ZONE
from services.reporting.domain import Cell, Measure
from services.reporting.domain.evaluation import (
    MIN_SUBJECTS,
    OUTCOMES,
    WINDOWS,
    Contact,
    Spell,
    Subject,
    evaluate,
)
from services.reporting.tables.base import ReportTable, Scope
from services.reporting.tables.known import IN_CUT, IN_PERIOD, parameters

__all__ = ["OUTCOMES", "WINDOWS", "observed_through", "outcomes"]

_MEMBERS = f"""
SELECT subject_id::text AS subject_id, cohort, index_date, age, gender, ethnicity,
       prior_arrests_12mo
  FROM cohort_members m
 WHERE {IN_PERIOD.format(c="index_date")} AND {IN_CUT.format(t="m")}
 ORDER BY subject_id
"""
_CONTACTS = f"""
SELECT c.subject_id::text AS subject_id, c.kind, c.occurred_on
  FROM justice_contacts c
  JOIN cohort_members m USING (subject_id)
 WHERE {IN_PERIOD.format(c="m.index_date")} AND {IN_CUT.format(t="m")} AND {IN_CUT.format(t="c")}
   AND c.occurred_on > m.index_date AND c.occurred_on <= $5
 ORDER BY c.subject_id, c.occurred_on, c.kind
"""
_SPELLS = f"""
SELECT s.subject_id::text AS subject_id, s.start_on, s.end_on
  FROM probation_spells s
  JOIN cohort_members m USING (subject_id)
 WHERE {IN_PERIOD.format(c="m.index_date")} AND {IN_CUT.format(t="m")} AND {IN_CUT.format(t="s")}
   AND s.end_on > m.index_date AND s.start_on <= $5
 ORDER BY s.subject_id, s.start_on, s.end_on
"""


def observed_through(scope: Scope, today: date | None = None) -> date:
    """The day subjects are observed up to: the report's as-of day, else today in the program's
    time zone (as the warehouse feed's default), or the period's end when that is earlier."""
    day = scope.as_of.observed_through(today or datetime.now(PROGRAM_ZONE).date())
    end = scope.period.end
    return min(end, day) if end is not None else day


async def outcomes(conn: Connection, scope: Scope) -> ReportTable:
    as_of = observed_through(scope)
    members = await conn.fetch(_MEMBERS, *parameters(scope))
    contacts = await conn.fetch(_CONTACTS, *parameters(scope), as_of)
    spells = await conn.fetch(_SPELLS, *parameters(scope), as_of)
    results = evaluate(
        [
            Subject(
                r["subject_id"],
                r["cohort"],
                r["index_date"],
                r["age"],
                r["gender"],
                r["ethnicity"],
                r["prior_arrests_12mo"],
            )
            for r in members
        ],
        [Contact(r["subject_id"], r["kind"], r["occurred_on"]) for r in contacts],
        [Spell(r["subject_id"], r["start_on"], r["end_on"]) for r in spells],
        as_of,
        min_subjects=MIN_SUBJECTS if scope.public else 1,  # internal shows everything
    )
    shown = (
        f"estimates shown only when each cohort has at least {MIN_SUBJECTS} subjects observed"
        if scope.public
        else "estimates shown whenever the model can be fitted"
    )
    table = ReportTable(
        "outcomes",
        note=(
            f"subjects observed through {as_of.isoformat()}; AOR of LEAD vs comparison adjusted"
            f" for age, prior arrests (12 months), gender and ethnicity; {shown}"
        ),
    )
    for result in results:
        dims: dict[str, str | int] = {"outcome": result.outcome, "window": result.window}
        estimates: tuple[tuple[Measure, float | None], ...] = (
            ("aor", result.aor),
            ("ci_low", result.ci_low),
            ("ci_high", result.ci_high),
        )
        for measure, value in estimates:
            table.cells.append(Cell(dims, measure, value, result.reason))
        table.count(dims, result.subjects_lead, "subjects_lead")
        table.count(dims, result.subjects_comparison, "subjects_comparison")
    return table
