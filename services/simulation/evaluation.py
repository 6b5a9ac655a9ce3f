"""The outcome evaluation's cohorts: LEAD participants and a comparison group, with their
justice contacts and probation spells, as the evaluators record them."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from services.simulation import published as pub
from services.simulation.actions import Action
from services.simulation.partners import EVALUATOR_AGENCY
from services.simulation.shares import scaled, weighted
from services.simulation.timeline import LA, add_months

# Outcome model: comparison-group risk at the reference covariates, per outcome and window.
BASE_RISK: Final[dict[tuple[str, int], float]] = {
    ("misdemeanor_arrest", 6): 0.30,
    ("misdemeanor_arrest", 12): 0.45,
    ("felony_arrest", 6): 0.22,
    ("felony_arrest", 12): 0.32,
    ("felony_case_filed", 6): 0.14,
    ("felony_case_filed", 12): 0.22,
    ("probation", 6): 0.18,
    ("probation", 12): 0.28,
}
TRUE_OR: Final[dict[tuple[str, int], float]] = {
    **{(a.outcome, a.window_months): a.aor for a in pub.PUBLISHED_AORS},
    ("probation", 6): 0.24,  # not published: taken equal to the 12-month ratio
}
AGE_EFFECT_PER_10Y: Final = -0.15
PRIOR_ARREST_EFFECT: Final = 0.25
MALE_EFFECT: Final = 0.2
EVALUATION_RECORDED_FROM: Final = datetime(2021, 3, 1, 9, 0, tzinfo=LA)
"""The evaluator enters the cohort once every 12-month window has closed."""


@dataclass
class _Subject:
    key: str
    cohort: str
    index_date: date
    age: int
    gender: str
    ethnicity: str
    prior_arrests: int

    def risk(self, outcome: str, window: int) -> float:
        logit = (
            math.log(BASE_RISK[(outcome, window)] / (1 - BASE_RISK[(outcome, window)]))
            + (math.log(TRUE_OR[(outcome, window)]) if self.cohort == "lead" else 0.0)
            + AGE_EFFECT_PER_10Y * (self.age - 40) / 10
            + PRIOR_ARREST_EFFECT * (self.prior_arrests - 2)
            + (MALE_EFFECT if self.gender == "male" and outcome != "probation" else 0.0)
        )
        return 1 / (1 + math.exp(-logit))


def systematic_sample(
    rng: random.Random, subjects: Sequence[_Subject], probability: Mapping[str, float]
) -> set[str]:
    """Subjects drawn with their probabilities, counts held to the expected sum (low variance).

    Systematic sampling in a random order: each subject is drawn with its own probability, and
    the number drawn differs from the sum of probabilities by less than one.
    """
    order = list(subjects)
    rng.shuffle(order)
    chosen: set[str] = set()
    offset = rng.random()
    cumulative = 0.0
    for subject in order:
        before = math.floor(cumulative + offset)
        cumulative += probability[subject.key]
        if math.floor(cumulative + offset) > before:
            chosen.add(subject.key)
    return chosen


def evaluation_actions(rng: random.Random, scale: float) -> list[Action]:
    subjects: list[_Subject] = []
    index_days = (pub.EVALUATION_INDEX_TO - pub.EVALUATION_INDEX_FROM).days
    for cohort in ("lead", "comparison"):
        for _ in range(scaled(pub.EVALUATION_SUBJECTS_PER_COHORT, scale)):
            subjects.append(
                _Subject(
                    key=f"S{len(subjects) + 1:05d}",
                    cohort=cohort,
                    index_date=pub.EVALUATION_INDEX_FROM
                    + timedelta(days=rng.randint(0, index_days)),
                    age=rng.randint(19, 64),
                    gender=weighted(rng, (("female", 0.6), ("male", 0.36), ("trans_woman", 0.04))),
                    ethnicity=weighted(
                        rng,
                        (
                            ("black", 0.48),
                            ("latinx", 0.25),
                            ("white", 0.22),
                            ("asian_pacific_islander", 0.03),
                            ("native_american", 0.02),
                        ),
                    ),
                    prior_arrests=min(8, int(rng.expovariate(0.5))),
                )
            )
    outcomes: dict[tuple[str, int], set[str]] = {}
    for outcome, _ in BASE_RISK:
        for cohort in ("lead", "comparison"):
            group = [s for s in subjects if s.cohort == cohort]
            p6 = {s.key: s.risk(outcome, 6) for s in group}
            p12 = {s.key: s.risk(outcome, 12) for s in group}
            first = systematic_sample(rng, group, p6)
            rest = [s for s in group if s.key not in first]
            more = {s.key: max(0.0, (p12[s.key] - p6[s.key]) / (1 - p6[s.key])) for s in rest}
            later = systematic_sample(rng, rest, more)
            outcomes.setdefault((outcome, 6), set()).update(first)
            outcomes.setdefault((outcome, 12), set()).update(first | later)
    subjects.sort(key=lambda s: s.key)
    actions: list[Action] = []
    recorded_by = EVALUATION_RECORDED_FROM.date() - timedelta(days=1)
    for number, subject in enumerate(subjects):
        sent = EVALUATION_RECORDED_FROM + timedelta(minutes=2 * number)
        actions.append(
            Action(
                name=f"{subject.key}/enrol",
                kind="cohort_member",
                sent_at=sent,
                occurred_on=subject.index_date,
                role="evaluator",
                agency=EVALUATOR_AGENCY,
                channel="http",
                path="/evaluation/cohort-members",
                body={
                    "cohort": subject.cohort,
                    "site": pub.EVALUATION_SITE,
                    "index_date": str(subject.index_date),
                    "age": subject.age,
                    "gender": subject.gender,
                    "ethnicity": subject.ethnicity,
                    "prior_arrests_12mo": subject.prior_arrests,
                    "subject_ref": f"CSULB-{subject.cohort[0].upper()}-{subject.key[1:]}",
                },
                chain=subject.key,
            )
        )
        end6 = add_months(subject.index_date, 6)
        end12 = add_months(subject.index_date, 12)
        records: list[tuple[str, date, date | None]] = []

        def between(low: date, high: date) -> date:
            return low + timedelta(days=rng.randint(1, (high - low).days))

        for outcome in ("misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation"):
            in6 = subject.key in outcomes[(outcome, 6)]
            in12 = subject.key in outcomes[(outcome, 12)]
            days: list[date] = []
            if in6:
                days.append(between(subject.index_date, end6))
                if rng.random() < 0.25:
                    days.append(between(subject.index_date, end12))
            elif in12:
                days.append(between(end6, end12))
            if rng.random() < 0.1 and end12 + timedelta(days=2) < recorded_by:
                days.append(between(end12, min(end12 + timedelta(days=365), recorded_by)))
            if outcome == "probation":
                if rng.random() < 0.1:  # an earlier spell that ended before the index date
                    start = subject.index_date - timedelta(days=rng.randint(200, 700))
                    end = subject.index_date - timedelta(days=rng.randint(1, 150))
                    records.append(("probation", start, end))
                for start in days[:1]:
                    records.append(("probation", start, start + timedelta(rng.randint(60, 540))))
            else:
                records += [(outcome, day, None) for day in sorted(days)]
        for step, (kind, day, spell_end) in enumerate(records, start=1):
            body: dict[str, Any]
            if kind == "probation":
                assert spell_end is not None
                body = {"start_on": str(day), "end_on": str(spell_end)}
                path, action_kind = "/evaluation/probation-spells", "probation_spell"
            else:
                body = {"kind": kind, "occurred_on": str(day)}
                path, action_kind = "/evaluation/justice-contacts", "justice_contact"
            actions.append(
                Action(
                    name=f"{subject.key}/{action_kind}-{step}",
                    kind=action_kind,
                    sent_at=sent + timedelta(seconds=step),
                    occurred_on=day,
                    role="evaluator",
                    agency=EVALUATOR_AGENCY,
                    channel="http",
                    path=path,
                    body=body,
                    chain=subject.key,
                )
            )
    return actions
