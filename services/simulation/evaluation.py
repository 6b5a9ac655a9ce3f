"""The outcome evaluation's cohorts: LEAD participants and a comparison group, with their
justice contacts and probation spells, as the evaluators record them.

Who is in the cohorts and who had which outcome within 6 and within 12 months is calibrated
(``evaluation_cohort.csv``, made by ``tools/calibrate_evaluation.py``): fitted as reporting fits
its model, as of the evaluation's data cutoff, the events give the published odds ratios and
intervals. The seed decides the dates: index dates, and days of contacts and spells within the
windows their outcomes fall in (the fit depends on the windows, not on the days).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from services.simulation import published as pub
from services.simulation.actions import Action
from services.simulation.partners import EVALUATOR_AGENCY
from services.simulation.shares import scaled
from services.simulation.timeline import LA, add_months

OUTCOMES: Final = ("misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation")
COHORT_FILE: Final = files("services.simulation") / "evaluation_cohort.csv"
EVALUATION_RECORDED_FROM: Final = datetime(2021, 3, 1, 9, 0, tzinfo=LA)
"""The evaluators enter the cohorts once every window has closed."""
_COLUMNS: Final = (
    "subject",
    "cohort",
    "followed_months",
    "age",
    "gender",
    "ethnicity",
    "prior_arrests_12mo",
    *OUTCOMES,
)


@dataclass(frozen=True)
class CohortRow:
    """A subject: covariates, months followed at the cutoff (6 or 12), and per outcome the
    window of its first event (6: within 6 months; 12: in months 7-12; None: none by then)."""

    key: str
    cohort: str
    followed: int
    age: int
    gender: str
    ethnicity: str
    prior_arrests: int
    first_event: Mapping[str, int | None]


def read_cohort(source: Any = COHORT_FILE) -> list[CohortRow]:
    with source.open(encoding="utf-8") as text:
        return [_row(record) for record in csv.DictReader(text)]


def _row(record: Mapping[str, str]) -> CohortRow:
    return CohortRow(
        key=record["subject"],
        cohort=record["cohort"],
        followed=int(record["followed_months"]),
        age=int(record["age"]),
        gender=record["gender"],
        ethnicity=record["ethnicity"],
        prior_arrests=int(record["prior_arrests_12mo"]),
        first_event={o: int(record[o]) if record[o] else None for o in OUTCOMES},
    )


def write_cohort(rows: Iterable[CohortRow], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as text:
        out = csv.writer(text, lineterminator="\n")
        out.writerow(_COLUMNS)
        for r in rows:
            events = [r.first_event[o] or "" for o in OUTCOMES]
            out.writerow(
                [
                    r.key,
                    r.cohort,
                    r.followed,
                    r.age,
                    r.gender,
                    r.ethnicity,
                    r.prior_arrests,
                    *events,
                ]
            )


def _scaled(rows: Sequence[CohortRow], scale: float) -> list[CohortRow]:
    """The first rows of each cohort and follow-up, in proportion (all of them at scale 1)."""
    groups: dict[tuple[str, int], list[CohortRow]] = {}
    for row in rows:
        groups.setdefault((row.cohort, row.followed), []).append(row)
    return [r for group in groups.values() for r in group[: scaled(len(group), scale)]]


def _index_date(rng: random.Random, row: CohortRow) -> date:
    if row.followed == 12:
        first, last = pub.EVALUATION_INDEX_FROM, pub.EVALUATION_LATE_ENTRY_FROM - timedelta(1)
    else:
        first, last = pub.EVALUATION_LATE_ENTRY_FROM, pub.EVALUATION_INDEX_TO
    return first + timedelta(days=rng.randint(0, (last - first).days))


def evaluation_actions(rng: random.Random, scale: float) -> list[Action]:
    """Enrolment of every subject, each followed by its contacts and spells."""
    actions: list[Action] = []
    for number, row in enumerate(_scaled(read_cohort(), scale)):
        sent = EVALUATION_RECORDED_FROM + timedelta(minutes=2 * number)
        index = _index_date(rng, row)
        actions.append(_enrolment(row, index, sent))
        records = [r for outcome in OUTCOMES for r in _records(rng, row, outcome, index)]
        actions += [_record(row, step, sent, r) for step, r in enumerate(records, start=1)]
    return actions


def _enrolment(row: CohortRow, index: date, sent: datetime) -> Action:
    return Action(
        name=f"{row.key}/enrol",
        kind="cohort_member",
        sent_at=sent,
        occurred_on=index,
        role="evaluator",
        agency=EVALUATOR_AGENCY,
        channel="http",
        path="/evaluation/cohort-members",
        body={
            "cohort": row.cohort,
            "site": pub.EVALUATION_SITE,
            "index_date": str(index),
            "age": row.age,
            "gender": row.gender,
            "ethnicity": row.ethnicity,
            "prior_arrests_12mo": row.prior_arrests,
            "subject_ref": f"CSULB-{row.cohort[0].upper()}-{row.key[1:]}",
        },
        chain=row.key,
    )


Record = tuple[str, date, date | None]
"""(kind, day, end of a probation spell)."""


def _records(rng: random.Random, row: CohortRow, outcome: str, index: date) -> list[Record]:
    """The subject's contacts of one kind (or probation spells), on days that keep its outcome
    in each window: the first event in its window, perhaps a second within 12 months, perhaps
    one after the 12 months (recorded before the evaluators' data entry)."""
    end6, end12 = add_months(index, 6), add_months(index, 12)
    recorded_by = EVALUATION_RECORDED_FROM.date() - timedelta(days=1)

    def between(low: date, high: date) -> date:
        return low + timedelta(days=rng.randint(1, (high - low).days))

    days: list[date] = []
    first = row.first_event[outcome]
    if first == 6:
        days.append(between(index, end6))
        if rng.random() < 0.25:
            days.append(between(index, end12))
    elif first == 12:
        days.append(between(end6, end12))
    if rng.random() < 0.1 and end12 + timedelta(days=2) < recorded_by:
        days.append(between(end12, min(end12 + timedelta(days=365), recorded_by)))
    if outcome != "probation":
        return [(outcome, day, None) for day in sorted(days)]
    spells: list[Record] = []
    if rng.random() < 0.1:  # an earlier spell that ended before the index date
        start = index - timedelta(days=rng.randint(200, 700))
        spells.append(("probation", start, index - timedelta(days=rng.randint(1, 150))))
    spells += [("probation", d, d + timedelta(rng.randint(60, 540))) for d in days[:1]]
    return spells


def _record(row: CohortRow, step: int, sent: datetime, record: Record) -> Action:
    kind, day, spell_end = record
    if kind == "probation":
        body: dict[str, Any] = {"start_on": str(day), "end_on": str(spell_end)}
        path, action_kind = "/evaluation/probation-spells", "probation_spell"
    else:
        body = {"kind": kind, "occurred_on": str(day)}
        path, action_kind = "/evaluation/justice-contacts", "justice_contact"
    return Action(
        name=f"{row.key}/{action_kind}-{step}",
        kind=action_kind,
        sent_at=sent + timedelta(seconds=step),
        occurred_on=day,
        role="evaluator",
        agency=EVALUATOR_AGENCY,
        channel="http",
        path=path,
        body=body,
        chain=row.key,
    )
