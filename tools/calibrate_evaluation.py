"""Calibrate the simulated evaluation cohort to the published odds ratios (offline, ~1 minute).

    .venv/bin/python -m tools.calibrate_evaluation [--check]

The LA County page publishes, per outcome and window, the adjusted odds ratio (AOR) of LEAD
participants against a comparison group and its 95% CI, to two decimals. The simulation's
evaluators record a synthetic cohort whose events give those numbers when reporting fits its
model (``services/reporting/domain/evaluation.py``: the same statsmodels logistic regression on
cohort, age, prior arrests, gender and ethnicity). This tool finds such a cohort and writes it to
``services/simulation/evaluation_cohort.csv``; the simulation reads that file, so it stays
deterministic and fast. ``--check`` only fits the file and prints the comparison.

How (all deterministic):
1. Covariates of 450 subjects per cohort are drawn from a fixed random stream. 330 per cohort are
   followed for 12 months at the evaluation's data cutoff, the others for 6 months only (they
   entered later): the published 12-month intervals are wider than the 6-month ones although
   the 12-month outcomes include the 6-month ones, which only fewer subjects explain.
2. For each outcome, the subjects with an event are chosen among the followed ones, 12-month
   window first (the subjects with a 6-month event must have one at 12 months too): starting
   from the event counts that give the published AOR and CI width in a 2x2 table (corrected for
   the covariates' effect on the standard error), then moving single events between subjects
   until the fitted AOR and both CI bounds round to the published ones.
3. Felony arrest at 6 months cannot be reached: its published interval (0.07, 0.29) is centred
   (on the log scale) on 0.142, and an AOR of 0.13 needs the bounds' product below 0.0183, which
   no bounds rounding to 0.07 and 0.29 have. The tool aims at the closest numbers, 0.14 (0.07,
   0.29): only the AOR differs, by 0.01.
"""

from __future__ import annotations

import argparse
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from services.reporting.domain.evaluation import (
    Contact,
    Spell,
    Subject,
    design,
    evaluate,
    informative,
    window_end,
)
from services.simulation import published as pub
from services.simulation.evaluation import (
    COHORT_FILE,
    OUTCOMES,
    CohortRow,
    read_cohort,
    write_cohort,
)

Z = 1.96
Target = tuple[float, float, float]
Fit = tuple[float, float]  # coefficient of LEAD and its standard error


@dataclass(frozen=True)
class Person:
    subject: Subject
    followed: int  # months followed at the cutoff: 6 or 12


def _people() -> list[Person]:
    rng = random.Random("lead-evaluation-cohort/covariates")

    def pick(options: Sequence[tuple[str, float]]) -> str:
        return rng.choices([o for o, _ in options], [w for _, w in options])[0]

    people: list[Person] = []
    for cohort in ("lead", "comparison"):
        for k in range(pub.EVALUATION_SUBJECTS_PER_COHORT):
            subject = Subject(
                subject_id=f"S{len(people) + 1:04d}",
                cohort=cohort,
                index_date=date(2018, 1, 1),
                age=rng.randint(19, 64),
                gender=pick((("female", 0.6), ("male", 0.36), ("trans_woman", 0.04))),
                ethnicity=pick(
                    (
                        ("black", 0.48),
                        ("latinx", 0.25),
                        ("white", 0.22),
                        ("asian_pacific_islander", 0.03),
                        ("native_american", 0.02),
                    )
                ),
                prior_arrests_12mo=min(8, int(rng.expovariate(0.5))),
            )
            followed = 12 if k < pub.EVALUATION_FOLLOWED_12_PER_COHORT else 6
            people.append(Person(subject, followed))
    return people


def _round2(x: float) -> float:
    """Two decimals, half up, as reporting rounds."""
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


class Model:
    """The evaluation's logistic regression for one window, fitted by Newton's method."""

    def __init__(self, people: Sequence[Person], among: Sequence[int]) -> None:
        self.people, self.among = people, list(among)

    def fit(self, events: set[int]) -> Fit:
        rows = informative([(self.people[i].subject, int(i in events)) for i in self.among])
        x, names = design(rows)
        y = np.array([float(v) for _, v in rows])
        beta, covariance = _newton(x, y)
        k = names.index("lead")
        return float(beta[k]), math.sqrt(float(covariance[k, k]))


def _newton(
    x: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    beta = np.zeros(x.shape[1])
    hessian = np.eye(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        hessian = x.T @ (x * (p * (1 - p))[:, None])
        step = np.linalg.solve(hessian, x.T @ (y - p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-11:
            break
    covariance = np.asarray(np.linalg.inv(hessian), dtype=np.float64)
    return beta, covariance


def _miss(fit: Fit, target: Target) -> tuple[int, float]:
    """(0 when all three numbers round to the target, else 1; distance outside the roundings)."""
    b, se = fit
    distance, exact = 0.0, True
    for value, wanted in zip((b, b - Z * se, b + Z * se), target, strict=True):
        low, high = math.log(wanted - 0.005), math.log(wanted + 0.005)
        distance += max(0.0, low - value, value - high) + 1e-3 * abs(value - (low + high) / 2)
        exact = exact and _round2(math.exp(value)) == wanted
    return (0 if exact else 1), distance


def _ranked(people: Sequence[Person], pool: Sequence[int]) -> list[int]:
    """Subjects in the order they get events: more prior arrests, more likely (and noise)."""
    noise = random.Random("lead-evaluation-cohort/ranking")
    score = {i: 0.5 * people[i].subject.prior_arrests_12mo + noise.gauss(0, 1.2) for i in pool}
    return sorted(pool, key=lambda i: -score[i])


@dataclass
class Search:
    """Events for one window: ``forced`` must have one, only ``allowed`` may."""

    people: Sequence[Person]
    model: Model
    target: Target
    forced: set[int]
    allowed: set[int]

    def cohort(self, name: str) -> list[int]:
        return [i for i in self.model.among if self.people[i].subject.cohort == name]

    def first(self, lead: int, comparison: int) -> set[int]:
        chosen = set(self.forced)
        for name, n in (("lead", lead), ("comparison", comparison)):
            free = [i for i in _ranked(self.people, self.cohort(name)) if i in self.allowed]
            chosen |= set([i for i in free if i not in self.forced][:n])
        return chosen

    def counts(self) -> tuple[int, int]:
        """Events per cohort from the 2x2 table, corrected for the covariates' effect."""
        aor, low, high = self.target
        n = len(self.model.among) // 2
        wanted, inflation = math.log(high / low) / (2 * Z), 1.0
        best = (1, 1)
        for _ in range(4):
            best = min(
                (_two_by_two(aor, p, n) for p in (k / 400 for k in range(2, 360))),
                key=lambda c: abs(math.sqrt(_woolf(c, n)) * inflation - wanted),
            )
            _, se = self.model.fit(self.first(*best))
            inflation = se / math.sqrt(_woolf(best, n))
        return best

    def run(self, rng: random.Random, rounds: int = 3000) -> set[int]:
        events = self.first(*self.counts())
        miss = _miss(self.model.fit(events), self.target)
        for _ in range(rounds):
            if miss[0] == 0:
                return events
            tried = [self._neighbour(rng, events) for _ in range(30)]
            scored = [(_miss(self.model.fit(e), self.target), e) for e in tried if e]
            best = min(scored, key=lambda s: s[0], default=None)
            if best is not None and best[0] < miss:
                miss, events = best
        raise RuntimeError(f"no cohort found for {self.target}: {miss}")

    def _neighbour(self, rng: random.Random, events: set[int]) -> set[int]:
        """Move one event to another subject of its cohort, or add or drop one (or a pair)."""
        pools = [self.cohort("lead"), self.cohort("comparison")]
        ins = [[i for i in p if i in events and i not in self.forced] for p in pools]
        outs = [[i for i in p if i not in events and i in self.allowed] for p in pools]
        side = rng.randrange(2)
        move = rng.random()
        if move < 0.8 and ins[side] and outs[side]:
            return (events - {rng.choice(ins[side])}) | {rng.choice(outs[side])}
        if move < 0.85 and outs[side]:
            return events | {rng.choice(outs[side])}
        if move < 0.9 and all(outs):
            return events | {rng.choice(outs[0]), rng.choice(outs[1])}
        if move < 0.95 and all(ins):
            return events - {rng.choice(ins[0]), rng.choice(ins[1])}
        return events - {rng.choice(ins[side])} if ins[side] else set()


def _two_by_two(aor: float, comparison_rate: float, n: int) -> tuple[int, int]:
    odds = aor * comparison_rate / (1 - comparison_rate)
    return round(n * odds / (1 + odds)), round(n * comparison_rate)


def _woolf(counts: tuple[int, int], n: int) -> float:
    lead, comparison = (max(1, min(n - 1, c)) for c in counts)
    return 1 / lead + 1 / (n - lead) + 1 / comparison + 1 / (n - comparison)


def _targets() -> dict[tuple[str, int], Target]:
    targets = {
        (a.outcome, a.window_months): (a.aor, a.ci_low, a.ci_high) for a in pub.PUBLISHED_AORS
    }
    for closest in pub.CLOSEST_REACHABLE:
        targets[(closest.outcome, closest.window_months)] = closest.reachable
    return targets


def calibrate() -> list[CohortRow]:
    people = _people()
    followed = [i for i, p in enumerate(people) if p.followed == 12]
    everyone = list(range(len(people)))
    targets = _targets()
    rng = random.Random("lead-evaluation-cohort/search")
    first: dict[str, dict[int, int]] = {}
    for outcome in OUTCOMES:
        twelve = Model(people, followed)
        in12 = Search(people, twelve, targets[(outcome, 12)], set(), set(everyone)).run(rng)
        target6 = targets.get((outcome, 6))
        if target6 is None:  # not published: six in ten of the 12-month events came by month 6
            in6 = set(_ranked(people, sorted(in12))[: len(in12) * 6 // 10])
            in6 |= _later_subjects(people, in6, len(in6) / len(followed))
        else:
            allowed = in12 | {i for i in everyone if people[i].followed == 6}
            in6 = Search(people, Model(people, everyone), target6, set(), allowed).run(rng)
        extra = _later_subjects(people, in6, (len(in12) - len(in6 & in12)) / len(followed))
        first[outcome] = {i: 6 for i in in6} | {i: 12 for i in (in12 | extra) - in6}
    return [_cohort_row(p, {o: first[o].get(i) for o in OUTCOMES}) for i, p in enumerate(people)]


def _cohort_row(person: Person, first: dict[str, int | None]) -> CohortRow:
    s = person.subject
    return CohortRow(
        s.subject_id, s.cohort, person.followed, s.age, s.gender, s.ethnicity,
        s.prior_arrests_12mo, first,
    )  # fmt: skip


def _later_subjects(people: Sequence[Person], have: set[int], rate: float) -> set[int]:
    """Among those followed 6 months only and without an event: the ones with one in months 7-12
    (after the cutoff, so no published number depends on them), at ``rate``."""
    pool = [i for i, p in enumerate(people) if p.followed == 6 and i not in have]
    return set(_ranked(people, pool)[: round(rate * len(pool))])


def cohort_events(rows: Sequence[CohortRow]) -> tuple[list[Subject], list[Contact], list[Spell]]:
    """The cohort as reporting reads it, on plain dates (the fit depends on windows only)."""
    subjects, contacts, spells = [], [], []
    for row in rows:
        index = date(2018, 7, 1) if row.followed == 12 else date(2019, 10, 1)
        subjects.append(
            Subject(
                row.key, row.cohort, index, row.age, row.gender, row.ethnicity, row.prior_arrests
            )
        )
        for outcome, first in row.first_event.items():
            if first is None:
                continue
            day = window_end(index, first) - timedelta(days=3)
            if outcome == "probation":
                spells.append(Spell(row.key, day, day + timedelta(days=90)))
            else:
                contacts.append(Contact(row.key, outcome, day))
    return subjects, contacts, spells


def check(rows: Sequence[CohortRow], say: Callable[[str], None] = print) -> bool:
    """Fit the cohort as reporting does (statsmodels) at the cutoff; True if all reproduced."""
    results = evaluate(*cohort_events(rows), pub.EVALUATION_CUTOFF)
    fitted: dict[tuple[str, int], tuple[float | None, ...]] = {
        (r.outcome, r.window): (r.aor, r.ci_low, r.ci_high) for r in results
    }
    ok = True
    for (outcome, window), target in sorted(_targets().items()):
        got = fitted[(outcome, window)]
        ok = ok and got == target
        say(f"{outcome:20} {window:2} mo  aimed at {target}  fitted {got}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only fit the committed cohort")
    args = parser.parse_args()
    rows = read_cohort() if args.check else calibrate()
    ok = check(rows)
    if not args.check:
        write_cohort(rows, Path(str(COHORT_FILE)))
        print(f"wrote {COHORT_FILE}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
