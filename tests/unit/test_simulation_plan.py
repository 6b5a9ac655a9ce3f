"""The simulation plan: deterministic, and its marginals are the published numbers."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import date, datetime
from functools import cache
from typing import Any

import numpy as np
import pytest

from services.platform.program import default_program
from services.simulation import published as pub
from services.simulation.plan import Action, Plan, build_plan
from services.simulation.shares import apportion
from services.simulation.timeline import add_months

TODAY = date.today()


@cache
def plan(seed: int = 2017, scale: float = 1.0) -> Plan:
    return build_plan(seed, scale, today=TODAY)


def referrals(p: Plan) -> list[dict[str, Any]]:
    """Each referral's body with its final status (the last status change, else active)."""
    status: dict[str, str] = {}
    for action in p.actions:
        if action.kind == "status" and action.chain is not None:
            status[action.chain] = action.body["status"]
    return [
        {**a.body, "status": status.get(a.chain or "", "active")}
        for a in p.actions
        if a.kind == "referral"
    ]


def test_the_same_seed_gives_the_same_plan_and_another_seed_another() -> None:
    assert build_plan(2017, 0.2) == build_plan(2017, 0.2)
    assert build_plan(2017, 0.2).actions != build_plan(2018, 0.2).actions


def test_referrals_by_site_status_and_pathway_are_the_published_ones() -> None:
    rows = referrals(plan())
    by_status = Counter((r["site"], r["status"]) for r in rows)
    by_pathway = Counter((r["site"], r["pathway"]) for r in rows)
    active_pathway = Counter((r["site"], r["pathway"]) for r in rows if r["status"] == "active")
    for site in pub.SITES:
        for status, n in pub.REFERRALS_BY_SITE_STATUS[site].items():
            assert by_status[(site, status)] == n, (site, status)
        for pathway, n in pub.REFERRALS_BY_SITE_PATHWAY[site].items():
            assert by_pathway[(site, pathway)] == n, (site, pathway)
            assert active_pathway[(site, pathway)] == pub.ACTIVE_BY_SITE_PATHWAY[site][pathway]
    assert len(rows) == 408
    assert sum(1 for r in rows if r["status"] == "active") == 202


def test_demographics_are_the_published_ones() -> None:
    rows = referrals(plan())
    for field, total, active in (
        ("gender", pub.GENDER_TOTAL, pub.GENDER_ACTIVE),
        ("ethnicity", pub.ETHNICITY_TOTAL, pub.ETHNICITY_ACTIVE),
    ):
        all_ = Counter((r["site"], r.get(field, "unknown")) for r in rows)
        act = Counter((r["site"], r.get(field, "unknown")) for r in rows if r["status"] == "active")
        for site in pub.SITES:
            for category in total[site]:
                assert all_[(site, category)] == total[site][category], (field, site, category)
                assert act[(site, category)] == active[site][category], (field, site, category)
    # the all-sites rows of the page
    assert Counter(r.get("gender", "unknown") for r in rows)["female"] == 250
    assert Counter(r.get("ethnicity", "unknown") for r in rows)["latinx"] == 101


def test_sites_start_when_they_started_and_referrals_stop_with_2021() -> None:
    for action in plan().actions:
        if action.kind == "referral":
            site = action.body["site"]
            assert pub.SITE_STARTS[site] <= action.occurred_on <= pub.REFERRALS_UNTIL


def _naloxone(p: Plan, kind: str, amount: str, day_field: str) -> dict[str, dict[str, int]]:
    sums: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for action in p.actions:
        if action.kind != kind:
            continue
        day = date.fromisoformat(action.body[day_field])
        channel, n = action.body["channel"], action.body[amount]
        periods = ["total", str(day.year)] + (["la_50k"] if day >= pub.LA_50K_SINCE else [])
        for period in periods:
            sums[period][channel] += n
    return sums


def test_naloxone_kits_doses_and_uses_are_the_published_ones() -> None:
    kits = _naloxone(plan(), "naloxone_distribution", "kits", "distributed_on")
    doses = _naloxone(plan(), "naloxone_distribution", "doses", "distributed_on")
    for period, channels in pub.PUBLISHED_KITS_BY_YEAR.items():
        assert {c: n for c, n in kits[period].items() if n} == channels, period
        assert {c: n for c, n in doses[period].items() if n} == {
            c: 2 * n for c, n in channels.items()
        }
    assert sum(kits["total"].values()) == 53_250
    assert sum(doses["total"].values()) == 106_500
    uses = _naloxone(plan(), "naloxone_use", "uses", "reported_on")
    for period, channels in pub.PUBLISHED_USES.items():
        assert {c: n for c, n in uses[period].items() if n} == channels, period
    assert sum(uses["total"].values()) == 4_908


def test_nothing_lies_in_the_future_and_timestamps_carry_the_la_offset() -> None:
    now = datetime.now().astimezone()
    for action in plan().actions:
        assert action.sent_at <= now and action.occurred_on <= TODAY
        for key in ("referred_at", "completed_at", "changed_at", "withdrew_at"):
            if key in action.body:
                moment = datetime.fromisoformat(action.body[key])
                assert moment <= now
                assert moment.utcoffset() in {
                    datetime(2020, 1, 1, tzinfo=moment.tzinfo).utcoffset(),
                    datetime(2020, 7, 1, tzinfo=moment.tzinfo).utcoffset(),
                }
                assert action.body[key].endswith(("-08:00", "-07:00"))


def test_prebooking_arrests_are_eligible_and_go_to_the_right_prosecutor() -> None:
    program = default_program()
    prebooking = [a for a in plan().actions if a.kind == "referral" and "arrest" in a.body]
    assert len(prebooking) == 132
    for action in prebooking:
        site = program.site(action.body["site"])
        assert site is not None
        arrest = action.body["arrest"]
        assert arrest["arresting_agency"] == action.agency == action.body["referring_agency"]
        assert arrest["arresting_agency"] in site.law_enforcement
        assert arrest["prosecuting_agency"] in site.prosecutors_for(arrest["arresting_agency"])
        for charge in arrest["charges"]:
            assert site.is_eligible(charge["statute"])


def test_each_action_is_sent_by_a_partner_allowed_to_send_it() -> None:
    program = default_program()
    for action in plan().actions:
        if action.kind == "referral":
            assert action.body["referring_agency"] == action.agency
            assert (action.channel == "inbound") == (action.agency == "lasd")
            if action.channel == "inbound":
                assert action.body["submitted_by"] == "lasd" and action.body["submission_id"]
        elif action.kind in ("assessment", "care_plan", "status", "withdrawal"):
            assert action.role == "case_manager"
        elif action.kind.startswith("naloxone"):
            assert (action.role, action.agency) == ("oend", "dph-sapc")
        else:
            assert (action.role, action.agency) == ("evaluator", "usc-keck")
    sites = {a.chain: a.body["site"] for a in plan().actions if a.kind == "referral"}
    for action in plan().actions:
        if action.role == "case_manager":
            site = program.site(sites[action.chain])
            assert site is not None and action.agency in site.case_management


def test_chains_are_in_order_and_some_steps_are_late() -> None:
    p = plan()
    first: dict[str, Action] = {}
    for action in p.actions:
        if action.chain is None:
            continue
        if action.chain not in first:
            assert action.creates_chain, action.name
            first[action.chain] = action
        else:
            assert not action.creates_chain
            assert action.sent_at > first[action.chain].sent_at
    referred = {
        a.chain: datetime.fromisoformat(a.body["referred_at"])
        for a in p.actions
        if a.kind == "referral" and a.body["pathway"] == "prebooking"
    }
    late_recorded = completed_late = 0
    for action in p.actions:
        if action.kind == "care_plan" and action.chain in referred:
            done = datetime.fromisoformat(action.body["completed_at"])
            days = (done - referred[action.chain]).days
            if days >= 30:
                completed_late += 1
            elif (action.sent_at - referred[action.chain]).days >= 31:
                late_recorded += 1
    withdrawals = sum(1 for a in p.actions if a.kind == "withdrawal" and a.chain in referred)
    assert late_recorded > 0 and completed_late > 0 and withdrawals > 0
    assert 0 < p.expected_re_referrals < 408 // 5


def test_scaled_plans_keep_their_marginals_consistent() -> None:
    small = referrals(plan(2017, 0.1))
    by_status = Counter((r["site"], r["status"]) for r in small)
    for site, statuses in pub.REFERRALS_BY_SITE_STATUS.items():
        for status, n in statuses.items():
            assert by_status[(site, status)] == math.floor(n * 0.1 + 0.5)
    by_pathway = Counter((r["site"], r["status"], r["pathway"]) for r in small)
    for site in pub.SITES:
        n = math.floor(pub.REFERRALS_BY_SITE_STATUS[site]["active"] * 0.1 + 0.5)
        for pathway, k in apportion(pub.ACTIVE_BY_SITE_PATHWAY[site], n).items():
            assert by_pathway[(site, "active", pathway)] == k
    assert sum(1 for a in plan(2017, 0.1).actions if a.kind == "cohort_member") == 60


# --- the evaluation cohort ------------------------------------------------------------------


def _fit(x: np.ndarray[Any, Any], y: np.ndarray[Any, Any]) -> tuple[float, float]:
    """Logistic regression by Newton-Raphson: the first coefficient and its standard error."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        hessian = x.T @ (x * (p * (1 - p))[:, None])
        step = np.linalg.solve(hessian, x.T @ (y - p))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    covariance = np.linalg.inv(hessian)
    return float(beta[0]), float(math.sqrt(covariance[0, 0]))


def _design(p: Plan) -> tuple[list[str], np.ndarray[Any, Any], dict[str, Action]]:
    members = {a.chain or "": a for a in p.actions if a.kind == "cohort_member"}
    keys = sorted(members)
    genders = sorted({members[k].body["gender"] for k in keys})[1:]
    ethnicities = sorted({members[k].body["ethnicity"] for k in keys})[1:]
    rows = []
    for key in keys:
        body = members[key].body
        rows.append(
            [
                1.0 if body["cohort"] == "lead" else 0.0,
                1.0,
                body["age"] / 10,
                float(body["prior_arrests_12mo"]),
                *(1.0 if body["gender"] == g else 0.0 for g in genders),
                *(1.0 if body["ethnicity"] == e else 0.0 for e in ethnicities),
            ]
        )
    return keys, np.array(rows), members


@pytest.mark.parametrize("seed", [2017, 1, 42])
def test_fitted_aors_have_cis_covering_the_published_ones(seed: int) -> None:
    p = plan(seed)
    keys, x, members = _design(p)
    assert sum(1 for k in keys if members[k].body["cohort"] == "lead") == 300
    assert all(members[k].body["site"] == pub.EVALUATION_SITE for k in keys)
    assert all(
        pub.EVALUATION_INDEX_FROM <= members[k].occurred_on <= pub.EVALUATION_INDEX_TO for k in keys
    )
    events: dict[str, list[Action]] = defaultdict(list)
    for action in p.actions:
        if action.kind in ("justice_contact", "probation_spell") and action.chain:
            events[action.chain].append(action)
    for published in pub.PUBLISHED_AORS:
        y = []
        for key in keys:
            start = members[key].occurred_on
            end = add_months(start, published.window_months)
            hit = False
            for action in events[key]:
                if published.outcome == "probation" and action.kind == "probation_spell":
                    spell_start = date.fromisoformat(action.body["start_on"])
                    spell_end = date.fromisoformat(action.body["end_on"])
                    hit |= spell_start <= end and spell_end > start
                elif action.body.get("kind") == published.outcome:
                    hit |= start < date.fromisoformat(action.body["occurred_on"]) <= end
            y.append(1.0 if hit else 0.0)
        coefficient, se = _fit(x, np.array(y))
        low, high = math.exp(coefficient - 1.96 * se), math.exp(coefficient + 1.96 * se)
        assert low <= published.aor <= high, (published, math.exp(coefficient), low, high)


def test_the_name_lists_hold_distinct_names_and_re_referrals_are_the_same_name_to_intake() -> None:
    from services.intake.domain.participants import normalize_name
    from services.simulation.people import FAMILY_NAMES, GIVEN_NAMES

    for name_list in (GIVEN_NAMES, FAMILY_NAMES):
        assert len({normalize_name(n) for n in name_list}) == len(name_list)
    first: dict[tuple[str, str], tuple[str, str]] = {}
    respelled = 0
    for action in plan().actions:
        if action.kind != "referral":
            continue
        person = action.body["person"]
        names = (person["given_name"], person["family_name"])
        key = (normalize_name(names[0]) + "|" + normalize_name(names[1]), person["date_of_birth"])
        if key in first and first[key] != names:
            respelled += 1
        first.setdefault(key, names)
    assert respelled > 0  # some re-referrals are typed differently, yet are one person to intake
