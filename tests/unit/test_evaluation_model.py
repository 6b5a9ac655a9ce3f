"""The outcome model: windows, observation, and a logistic regression that recovers a known OR."""

from __future__ import annotations

import dataclasses
import math
from datetime import date, timedelta

import numpy as np
import pytest

from services.reporting.domain.evaluation import (
    OUTCOMES,
    WINDOWS,
    Contact,
    Spell,
    Subject,
    evaluate,
    fit_lead_effect,
    observations,
    window_end,
)

INDEX = date(2020, 1, 15)
TRUE_OR = 0.25


def subject(
    n: int,
    cohort: str = "lead",
    index_date: date = INDEX,
    *,
    age: int = 30,
    gender: str = "female",
    ethnicity: str = "black",
    prior: int = 0,
) -> Subject:
    return Subject(f"s{n:05d}", cohort, index_date, age, gender, ethnicity, prior)


@pytest.mark.parametrize(
    ("index_date", "months", "end"),
    [
        (date(2021, 8, 31), 6, date(2022, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),
        (date(2021, 1, 31), 12, date(2022, 1, 31)),
        (date(2020, 2, 29), 12, date(2021, 2, 28)),
        (date(2021, 3, 31), 6, date(2021, 9, 30)),
        (date(2021, 7, 15), 6, date(2022, 1, 15)),
    ],
)
def test_window_end_is_the_same_day_months_later_clamped(
    index_date: date, months: int, end: date
) -> None:
    assert window_end(index_date, months) == end


def _flag(contacts: list[Contact], spells: list[Spell], outcome: str, window: int = 6) -> int:
    rows = observations([subject(1)], contacts, spells, outcome, window, date(2030, 1, 1))  # type: ignore[arg-type]
    assert len(rows) == 1
    return rows[0][1]


def test_a_contact_on_the_index_date_is_not_counted_one_on_the_window_end_is() -> None:
    end = window_end(INDEX, 6)
    kind = "felony_arrest"
    assert _flag([Contact("s00001", kind, INDEX)], [], kind) == 0
    assert _flag([Contact("s00001", kind, INDEX + timedelta(days=1))], [], kind) == 1
    assert _flag([Contact("s00001", kind, end)], [], kind) == 1
    assert _flag([Contact("s00001", kind, end + timedelta(days=1))], [], kind) == 0
    assert _flag([Contact("s00001", kind, end + timedelta(days=1))], [], kind, 12) == 1
    # another kind, or another subject, does not count
    assert _flag([Contact("s00001", "misdemeanor_arrest", end)], [], kind) == 0
    assert _flag([Contact("s00002", kind, end)], [], kind) == 0


def test_probation_is_a_spell_overlapping_the_window() -> None:
    end = window_end(INDEX, 6)
    day = timedelta(days=1)

    def spell(start: date, stop: date) -> list[Spell]:
        return [Spell("s00001", start, stop)]

    assert _flag([], spell(INDEX - 100 * day, INDEX), "probation") == 0  # ended on index date
    assert _flag([], spell(INDEX - 100 * day, INDEX + day), "probation") == 1
    assert _flag([], spell(INDEX - 100 * day, INDEX + 900 * day), "probation") == 1
    assert _flag([], spell(end, end + 30 * day), "probation") == 1  # starts on window end
    assert _flag([], spell(end + day, end + 30 * day), "probation") == 0
    # contacts never make probation
    assert _flag([Contact("s00001", "felony_arrest", end)], [], "probation") == 0


def test_only_subjects_observed_for_the_full_window_count() -> None:
    subjects = [subject(1, index_date=date(2021, 8, 31)), subject(2, index_date=date(2021, 1, 1))]
    as_of = date(2022, 2, 28)  # exactly the 6-month window end of s00001
    six = observations(subjects, [], [], "felony_arrest", 6, as_of)
    assert [s.subject_id for s, _ in six] == ["s00001", "s00002"]
    early = observations(subjects, [], [], "felony_arrest", 6, as_of - timedelta(days=1))
    assert [s.subject_id for s, _ in early] == ["s00002"]
    twelve = observations(subjects, [], [], "felony_arrest", 12, as_of)
    assert [s.subject_id for s, _ in twelve] == ["s00002"]


def simulate(n: int, seed: int, odds_ratio: float) -> list[tuple[Subject, int]]:
    """Subjects with covariates and an outcome from a known logistic model."""
    rng = np.random.default_rng(seed)
    lead = np.arange(n) % 2 == 0
    age = rng.integers(18, 70, n)
    prior = rng.poisson(1.5, n)
    gender = rng.choice(np.array(["female", "male", "trans_woman"]), n, p=[0.45, 0.45, 0.10])
    ethnicity = rng.choice(
        np.array(["black", "latinx", "white", "asian_pacific_islander"]), n, p=[0.4, 0.3, 0.2, 0.1]
    )
    linear = (
        -0.4
        + math.log(odds_ratio) * lead
        + 0.02 * (age - 40)
        + 0.35 * prior
        + 0.5 * (gender == "male")
        - 0.3 * (ethnicity == "white")
    )
    outcome = rng.random(n) < 1 / (1 + np.exp(-linear))
    return [
        (
            subject(
                i,
                "lead" if lead[i] else "comparison",
                age=int(age[i]),
                gender=str(gender[i]),
                ethnicity=str(ethnicity[i]),
                prior=int(prior[i]),
            ),
            int(outcome[i]),
        )
        for i in range(n)
    ]


def test_the_true_odds_ratio_lies_within_the_95_percent_ci() -> None:
    rows = simulate(2000, seed=20240607, odds_ratio=TRUE_OR)
    estimate = fit_lead_effect(rows)
    assert estimate.reason is None
    assert estimate.aor is not None and estimate.ci_low is not None
    assert estimate.ci_high is not None
    assert estimate.ci_low <= TRUE_OR <= estimate.ci_high
    assert estimate.ci_low < estimate.aor < estimate.ci_high
    assert abs(math.log(estimate.aor / TRUE_OR)) < 0.3
    assert fit_lead_effect(rows) == estimate  # deterministic
    null = fit_lead_effect(simulate(2000, seed=7, odds_ratio=1.0))
    assert null.ci_low is not None and null.ci_high is not None
    assert null.ci_low <= 1.0 <= null.ci_high


def _balanced(n: int) -> list[Subject]:
    return [
        subject(i, "lead" if i % 2 else "comparison", age=20 + i % 30, prior=i % 4)
        for i in range(n)
    ]


def test_no_events_and_only_events_are_said_in_words() -> None:
    subjects = _balanced(40)
    none = fit_lead_effect([(s, 0) for s in subjects])
    assert none.aor is None and none.ci_low is None and none.ci_high is None
    assert none.reason is not None and "no events" in none.reason
    every = fit_lead_effect([(s, 1) for s in subjects])
    assert every.aor is None and every.reason == "every subject had the outcome"


def test_perfect_separation_by_cohort_is_said_in_words() -> None:
    rows = [(s, int(s.cohort == "comparison")) for s in _balanced(40)]
    estimate = fit_lead_effect(rows)
    assert estimate.aor is None
    assert estimate.reason is not None and "separation" in estimate.reason
    # quasi-perfect: no LEAD subject had the outcome, some comparison subjects did
    quasi = [(s, int(s.cohort == "comparison" and s.age % 2 == 0)) for s in _balanced(40)]
    reason = fit_lead_effect(quasi).reason
    assert reason is not None and "separation" in reason and "LEAD" in reason


def test_separation_by_a_covariate_is_said_in_words_not_a_crash() -> None:
    subjects = _balanced(60)
    rows = [(s, int(s.prior_arrests_12mo >= 2)) for s in subjects]
    estimate = fit_lead_effect(rows)
    assert estimate.aor is None
    assert estimate.reason is not None
    assert "separation" in estimate.reason or "converge" in estimate.reason


def test_a_rare_category_that_predicts_the_outcome_is_left_out_of_the_fit() -> None:
    rows = simulate(400, seed=3, odds_ratio=TRUE_OR)
    first, _ = rows[0]
    lone = dataclasses.replace(first, gender="trans_man")  # the only one, and had the outcome
    estimate = fit_lead_effect([(lone, 1), *rows[1:]])
    assert estimate.reason is None
    assert estimate == fit_lead_effect(rows[1:])
    # when every category predicts the outcome, nothing is left to fit
    by_gender = [(s, int(s.gender == "male")) for s, _ in rows]
    reason = fit_lead_effect(by_gender).reason
    assert reason is not None and "separation" in reason


def test_a_cohort_confounded_with_a_covariate_is_a_singular_design() -> None:
    subjects = [
        subject(i, cohort, age=20 + i % 30, gender="female" if cohort == "lead" else "male")
        for i in range(40)
        for cohort in ["lead" if i % 2 else "comparison"]
    ]
    rows = [(s, int(s.age % 3 == 0)) for s in subjects]
    estimate = fit_lead_effect(rows)
    assert estimate.aor is None
    assert estimate.reason is not None and "singular" in estimate.reason


def test_evaluate_gives_every_outcome_and_window_with_counts_and_the_small_cell_rule() -> None:
    lead = [subject(i, "lead", age=20 + i) for i in range(5)]
    comparison = [subject(100 + i, "comparison", age=20 + i) for i in range(30)]
    late = [subject(200, "comparison", index_date=date(2029, 10, 1))]
    results = evaluate([*lead, *comparison, *late], [], [], as_of=date(2030, 1, 1))
    assert [(r.outcome, r.window) for r in results] == [(o, w) for o in OUTCOMES for w in WINDOWS]
    for r in results:
        assert (r.subjects_lead, r.subjects_comparison) == (5, 30)
        assert r.aor is None and r.reason == "suppressed: fewer than 11 subjects"
    only = evaluate(comparison, [], [], as_of=date(2030, 1, 1))
    assert only[0].reason == "only the comparison cohort observed for the full 6-month window"
    nobody = evaluate(late, [], [], as_of=date(2030, 1, 1))
    assert nobody[0].reason == "no subjects observed for the full 6-month window"
    assert (nobody[0].subjects_lead, nobody[0].subjects_comparison) == (0, 0)
