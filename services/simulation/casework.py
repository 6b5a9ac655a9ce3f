"""A referral's case events, as its case manager records them: assessment, care plan, status
changes and withdrawal, each sent some time after it occurred (sometimes days late).

Pre-booking referrals follow a scenario: completed on time, completed on time but recorded
after the deadline, completed after the deadline, or withdrawn. Inactive referrals end with a
status change to ``inactive`` (a withdrawn one with the change and then the withdrawal).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from services.simulation import published as pub
from services.simulation.actions import Action
from services.simulation.shares import weighted
from services.simulation.timeline import LA, iso, local

INACTIVE_REASONS: Final = (
    "no contact with the case manager for 90 days",
    "moved out of the service area",
    "in custody on an unrelated matter",
    "declined further services",
    "goals of the care plan met; chose to step back",
    "referred to a residential program outside LEAD",
)
WITHDRAWAL_REASON: Final = "participant withdrew from LEAD"


@dataclass(frozen=True)
class Case:
    """What the case manager works with: the referral's key, pathway, final status and date."""

    key: str
    pathway: str
    status: str
    referred_at: datetime


@dataclass
class _Chain:
    """Builds one referral's actions, keeping them in order and recorded after they occur."""

    case: Case
    case_manager: str
    rng: random.Random
    actions: list[Action] = field(default_factory=list)
    last_sent: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=LA))

    def lag(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.85:
            return timedelta(hours=self.rng.uniform(0.2, 20))
        if roll < 0.97:
            return timedelta(days=self.rng.uniform(1, 5))
        return timedelta(days=self.rng.uniform(8, 20))  # recorded days after it occurred

    def add(
        self,
        kind: str,
        suffix: str,
        path: str,
        body: dict[str, Any],
        occurred: datetime,
        sent: datetime | None = None,
    ) -> None:
        sent = sent if sent is not None else occurred + self.lag()
        sent = max(sent, occurred, self.last_sent + timedelta(minutes=1)).replace(microsecond=0)
        self.last_sent = sent
        key = self.case.key
        self.actions.append(
            Action(
                name=f"{key}/{suffix}",
                kind=kind,
                sent_at=sent,
                occurred_on=occurred.astimezone(LA).date(),
                role="case_manager",
                agency=self.case_manager,
                channel="http",
                path=f"/referrals/{{id}}/{path}",
                body=body,
                chain=key,
            )
        )

    def completion(self, step: str, at: datetime, sent: datetime | None = None) -> None:
        kind = "assessment" if step == "assessment" else "care_plan"
        path = "assessment" if step == "assessment" else "care-plan"
        self.add(kind, path, path, {"completed_at": iso(at)}, at, sent)

    def status(self, status: str, reason: str, at: datetime, n: int) -> None:
        body = {"status": status, "reason": reason, "changed_at": iso(at)}
        self.add("status", f"status-{n}", "status", body, at)

    def withdrawal(self, at: datetime) -> None:
        """The status change to inactive, then the withdrawal itself (as partners send it)."""
        self.status("inactive", WITHDRAWAL_REASON, at, 1)
        self.add("withdrawal", "withdrawal", "withdrawal", {"withdrew_at": iso(at)}, at)

    def days(self, low: float, high: float) -> datetime:
        """A moment ``low`` to ``high`` days after the referral (whole seconds)."""
        delta = timedelta(days=self.rng.uniform(low, high))
        return (self.case.referred_at + delta).replace(microsecond=0)


def case_events(rng: random.Random, case: Case, case_manager: str) -> list[Action]:
    """The referral's case events, in the order the case manager sends them."""
    chain = _Chain(case, case_manager, rng)
    scenario = _scenario(rng, case)
    if scenario == "withdrawn":
        _withdrawn(rng, chain)
        return chain.actions
    if scenario in ("on_time", "late_record"):
        last = _completed_in_time(chain, late_record=scenario == "late_record")
    elif scenario == "late_complete":
        assessed = chain.days(5, 40)
        planned = max(assessed + timedelta(days=1), chain.days(32, 80))
        chain.completion("assessment", assessed)
        chain.completion("care_plan", planned)
        last = planned
    else:
        last = _ordinary(rng, chain)
    _final_status(rng, chain, last)
    return chain.actions


def _scenario(rng: random.Random, case: Case) -> str:
    inactive = case.status == "inactive"
    if case.pathway != "prebooking":
        return "withdrawn" if inactive and rng.random() < 0.04 else "ordinary"
    options = [("on_time", 0.8), ("late_record", 0.1), ("late_complete", 0.1)]
    if inactive:
        options = [("on_time", 0.62), ("late_record", 0.1), ("late_complete", 0.13)]
        options.append(("withdrawn", 0.15))
    return weighted(rng, options)


def _withdrawn(rng: random.Random, chain: _Chain) -> None:
    last = chain.case.referred_at
    if rng.random() < 0.5:
        last = chain.days(0.3, 10)
        chain.completion("assessment", last)
    chain.withdrawal(max(last + timedelta(days=1), chain.days(2, 25)))


def _completed_in_time(chain: _Chain, *, late_record: bool) -> datetime:
    """Assessment and care plan within the 30 days; the care plan perhaps recorded late."""
    assessed = chain.days(0.1, 10)
    planned = min(assessed + timedelta(days=chain.rng.uniform(0.5, 16)), chain.days(28, 28))
    chain.completion("assessment", assessed)
    late = chain.days(33, 50) if late_record else None
    chain.completion("care_plan", planned, late)
    return planned


def _ordinary(rng: random.Random, chain: _Chain) -> datetime:
    """Social contact and community referrals: mostly an assessment, often a care plan."""
    last = chain.case.referred_at
    if rng.random() < 0.92:
        last = chain.days(0.5, 30)
        chain.completion("assessment", last)
        if rng.random() < 0.85:
            last = last + timedelta(days=rng.uniform(2, 40))
            chain.completion("care_plan", last)
    return last


def _final_status(rng: random.Random, chain: _Chain, last: datetime) -> None:
    limit = local(pub.SNAPSHOT, 17)
    if chain.case.status == "inactive":
        wanted = last + timedelta(days=rng.uniform(20, 420))
        if wanted >= limit:
            wanted = last + (limit - last) * rng.uniform(0.05, 0.95)
        chain.status("inactive", rng.choice(INACTIVE_REASONS), wanted.replace(microsecond=0), 1)
    elif rng.random() < 0.06:  # stepped away for a while, then came back
        left = last + timedelta(days=rng.uniform(30, 200))
        back = left + timedelta(days=rng.uniform(10, 90))
        if back < limit:
            chain.status("inactive", rng.choice(INACTIVE_REASONS), left.replace(microsecond=0), 1)
            chain.status(
                "active", "re-engaged with the case manager", back.replace(microsecond=0), 2
            )
