"""The outcome evaluation model of reports.md ("Outcome model"): pure, deterministic code.

For each outcome and window (6, 12 months after the index date) a subject's outcome is 1 when
at least one justice contact of that kind occurred in ``(index_date, window_end]``, or, for
probation, when a probation spell overlaps the window (``start_on <= window_end`` and
``end_on > index_date``). ``window_end`` is the same day of the month 6 or 12 calendar months
later, clamped to that month's last day. Only subjects observed for the full window
(``window_end <= as_of``) count.

The adjusted odds ratio (AOR) of the LEAD cohort is ``exp(b)`` of the coefficient ``b`` of
``cohort = lead`` in a logistic regression of the outcome on cohort, age and prior arrests (as
numbers) and gender and ethnicity (as categories), fitted by maximum likelihood (statsmodels
``Logit``, Newton). Its 95% CI is the exponentiated Wald interval ``exp(b +/- 1.96 se)``.

Design choices:
- a categorical covariate with a single category among the subjects, and a numeric covariate
  with a single value, is left out (it is collinear with the intercept); otherwise the reference
  category is the most common one (ties: the first by name) and every other category present
  gets an indicator;
- subjects in a gender or ethnicity category where everyone or no one had the outcome are left
  out of the fit (``informative``): that category alone separates the outcome, and leaving them
  out gives the limiting estimate of the LEAD coefficient (Stata's ``logit`` does the same);
  the subject counts still count them;
- where no number can honestly be given the result carries a ``reason`` in words instead: no
  subject observed, a cohort absent, fewer than ``min_subjects`` subjects in a cohort, no events
  or only events (overall or within a cohort), separation, non-convergence, singular design.
"""

from __future__ import annotations

import calendar
import math
import warnings
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from services.reporting.domain.small_cells import SMALL_CELLS

Outcome = Literal["misdemeanor_arrest", "felony_arrest", "felony_case_filed", "probation"]
OUTCOMES: tuple[Outcome, ...] = (
    "misdemeanor_arrest",
    "felony_arrest",
    "felony_case_filed",
    "probation",
)
WINDOWS: tuple[int, ...] = (6, 12)
LEAD = "lead"
COMPARISON = "comparison"
#: Fewest subjects per cohort for which a model is fitted and its AOR shown (small-cell rule).
MIN_SUBJECTS = SMALL_CELLS.smallest_shown
Z_95 = 1.96
#: A standard error of log(AOR) above this means the likelihood is flat: (quasi-)separation.
MAX_SE = 10.0
MAX_ITERATIONS = 100


@dataclass(frozen=True, slots=True)
class Subject:
    """A member of the evaluation cohort with its index date and baseline covariates."""

    subject_id: str
    cohort: str  # "lead" or "comparison"
    index_date: date
    age: int
    gender: str
    ethnicity: str
    prior_arrests_12mo: int


@dataclass(frozen=True, slots=True)
class Contact:
    """A justice contact: ``kind`` is one of the arrest / case outcomes."""

    subject_id: str
    kind: str
    occurred_on: date


@dataclass(frozen=True, slots=True)
class Spell:
    """A probation spell (inclusive start, end)."""

    subject_id: str
    start_on: date
    end_on: date


@dataclass(frozen=True, slots=True)
class Estimate:
    """An AOR with its 95% CI (2 decimals, half up), or the ``reason`` there is none."""

    aor: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    reason: str | None = None

    @property
    def fitted(self) -> bool:
        return self.reason is None


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """One row of the ``outcomes`` report: the estimate and the subjects observed per cohort."""

    outcome: Outcome
    window: int
    subjects_lead: int
    subjects_comparison: int
    estimate: Estimate

    @property
    def aor(self) -> float | None:
        return self.estimate.aor

    @property
    def ci_low(self) -> float | None:
        return self.estimate.ci_low

    @property
    def ci_high(self) -> float | None:
        return self.estimate.ci_high

    @property
    def reason(self) -> str | None:
        return self.estimate.reason


def add_months(day: date, months: int) -> date:
    """The same day of the month ``months`` calendar months later, clamped to the month's end.

    2021-08-31 + 6 -> 2022-02-28; 2023-08-31 + 6 -> 2024-02-29; 2021-01-31 + 12 -> 2022-01-31.
    """
    total = day.year * 12 + day.month - 1 + months
    year, month0 = divmod(total, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(day.day, last))


def window_end(index_date: date, months: int) -> date:
    return add_months(index_date, months)


def observations(
    subjects: Iterable[Subject],
    contacts: Iterable[Contact],
    spells: Iterable[Spell],
    outcome: Outcome,
    window: int,
    as_of: date,
) -> list[tuple[Subject, int]]:
    """Each subject observed for the full window with its outcome (0/1), by subject id."""
    dates: dict[str, list[date]] = defaultdict(list)
    for contact in contacts:
        if contact.kind == outcome:
            dates[contact.subject_id].append(contact.occurred_on)
    probation: dict[str, list[Spell]] = defaultdict(list)
    if outcome == "probation":
        for spell in spells:
            probation[spell.subject_id].append(spell)
    rows: list[tuple[Subject, int]] = []
    for subject in sorted(subjects, key=lambda s: s.subject_id):
        start = subject.index_date
        end = window_end(start, window)
        if end > as_of:
            continue
        if outcome == "probation":
            hit = any(s.start_on <= end and s.end_on > start for s in probation[subject.subject_id])
        else:
            hit = any(start < d <= end for d in dates[subject.subject_id])
        rows.append((subject, int(hit)))
    return rows


def _round2(x: float) -> float:
    return float(Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _categories(values: Sequence[str]) -> list[str]:
    """Non-reference categories in name order; none if there is no variation."""
    counts = Counter(values)
    if len(counts) < 2:
        return []
    reference = min(counts, key=lambda c: (-counts[c], c))
    return sorted(c for c in counts if c != reference)


def design(rows: Sequence[tuple[Subject, int]]) -> tuple[NDArray[np.float64], list[str]]:
    """The design matrix (intercept, lead, covariates) and its column names."""
    subjects = [s for s, _ in rows]
    columns: list[tuple[str, list[float]]] = [
        ("const", [1.0] * len(subjects)),
        (LEAD, [1.0 if s.cohort == LEAD else 0.0 for s in subjects]),
    ]
    for name, numbers in (
        ("age", [float(s.age) for s in subjects]),
        ("prior_arrests_12mo", [float(s.prior_arrests_12mo) for s in subjects]),
    ):
        if len(set(numbers)) > 1:
            columns.append((name, numbers))
    for name, values in (
        ("gender", [s.gender for s in subjects]),
        ("ethnicity", [s.ethnicity for s in subjects]),
    ):
        for category in _categories(values):
            columns.append((f"{name}={category}", [1.0 if v == category else 0.0 for v in values]))
    matrix = np.array([values for _, values in columns], dtype=np.float64).T
    return matrix.reshape(len(subjects), len(columns)), [name for name, _ in columns]


def _screen(rows: Sequence[tuple[Subject, int]], window: int, min_subjects: int) -> str | None:
    """The reason no model is fitted, when it is plain from the counts alone."""
    if not rows:
        return f"no subjects observed for the full {window}-month window"
    per_cohort = Counter(s.cohort for s, _ in rows)
    lead, comparison = per_cohort[LEAD], per_cohort[COMPARISON]
    if lead == 0 or comparison == 0:
        present = "LEAD" if lead else "comparison"
        return f"only the {present} cohort observed for the full {window}-month window"
    if lead < min_subjects or comparison < min_subjects:
        return f"suppressed: fewer than {min_subjects} subjects"
    events = sum(y for _, y in rows)
    if events == 0:
        return "no events: no subject had the outcome"
    if events == len(rows):
        return "every subject had the outcome"
    for cohort, label in ((LEAD, "LEAD"), (COMPARISON, "comparison")):
        ys = {y for s, y in rows if s.cohort == cohort}
        if ys == {0}:
            return f"quasi-perfect separation: no subject of the {label} cohort had the outcome"
        if ys == {1}:
            return f"quasi-perfect separation: every {label} subject had the outcome"
    return None


def fit_lead_effect(rows: Sequence[tuple[Subject, int]], window: int = 12) -> Estimate:
    """The AOR of ``cohort = lead`` for these observations (no small-cell rule here)."""
    reason = _screen(rows, window, min_subjects=1)
    if reason is not None:
        return Estimate(reason=reason)
    return _fit(rows)


def informative(rows: Sequence[tuple[Subject, int]]) -> list[tuple[Subject, int]]:
    """The observations without those whose gender or ethnicity category has no outcome variation.

    Such a category's indicator predicts the outcome perfectly (quasi-separation): its
    coefficient has no finite estimate, its subjects add nothing to the likelihood of the other
    coefficients, and dropping them gives exactly the limiting estimate of the rest (as Stata's
    ``logit`` does). Repeated until nothing more is dropped.
    """
    kept = list(rows)
    while True:
        before = len(kept)
        for attribute in ("gender", "ethnicity"):
            seen: dict[str, set[int]] = defaultdict(set)
            for subject, y in kept:
                seen[getattr(subject, attribute)].add(y)
            if len(seen) > 1:
                kept = [(s, y) for s, y in kept if len(seen[getattr(s, attribute)]) == 2]
        if len(kept) == before:
            return kept


def _fit(rows: Sequence[tuple[Subject, int]]) -> Estimate:
    rows = informative(rows)
    outcomes = {(s.cohort, y) for s, y in rows}
    if not {(LEAD, 0), (LEAD, 1), (COMPARISON, 0), (COMPARISON, 1)} <= outcomes:
        return Estimate(
            reason="quasi-perfect separation: gender and ethnicity categories predict the outcome"
        )
    # statsmodels pulls in pandas and scipy: imported here so that importing the report
    # catalog stays cheap.
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    x, names = design(rows)
    y = np.array([float(v) for _, v in rows], dtype=np.float64)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        return Estimate(reason="singular design: cohort and covariates are collinear")
    separation = "perfect or quasi-perfect separation: the model cannot be estimated"
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            result = Logit(y, x).fit(method="newton", maxiter=MAX_ITERATIONS, disp=False)
        except PerfectSeparationError:
            return Estimate(reason=separation)
        except np.linalg.LinAlgError:
            return Estimate(reason="singular design: the model cannot be estimated")
    kinds = {type(w.message) for w in caught}
    if PerfectSeparationWarning in kinds:
        return Estimate(reason=separation)
    if HessianInversionWarning in kinds:
        return Estimate(reason="singular design: the model cannot be estimated")
    if ConvergenceWarning in kinds or not result.mle_retvals.get("converged", False):
        return Estimate(reason="the model did not converge (quasi-perfect separation)")
    params = np.asarray(result.params, dtype=np.float64)
    errors = np.asarray(result.bse, dtype=np.float64)
    lead = names.index(LEAD)
    coef, se = float(params[lead]), float(errors[lead])
    if not (np.all(np.isfinite(params)) and np.all(np.isfinite(errors))) or se > MAX_SE:
        return Estimate(reason=separation)
    try:
        aor = math.exp(coef)
        low = math.exp(coef - Z_95 * se)
        high = math.exp(coef + Z_95 * se)
    except OverflowError:
        return Estimate(reason=separation)
    return Estimate(aor=_round2(aor), ci_low=_round2(low), ci_high=_round2(high))


def evaluate(
    subjects: Sequence[Subject],
    contacts: Sequence[Contact],
    spells: Sequence[Spell],
    as_of: date,
    *,
    min_subjects: int = MIN_SUBJECTS,
    outcomes: Sequence[Outcome] = OUTCOMES,
    windows: Sequence[int] = WINDOWS,
) -> list[OutcomeResult]:
    """One result per outcome x window, in that order.

    The model is fitted only when both cohorts have at least ``min_subjects`` subjects observed
    for the window; otherwise the reason says ``suppressed: fewer than <min_subjects> subjects``.
    """
    results: list[OutcomeResult] = []
    for outcome in outcomes:
        for window in windows:
            rows = observations(subjects, contacts, spells, outcome, window, as_of)
            per_cohort = Counter(s.cohort for s, _ in rows)
            reason = _screen(rows, window, min_subjects)
            estimate = Estimate(reason=reason) if reason is not None else _fit(rows)
            results.append(
                OutcomeResult(outcome, window, per_cohort[LEAD], per_cohort[COMPARISON], estimate)
            )
    return results
