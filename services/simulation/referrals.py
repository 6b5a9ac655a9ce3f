"""The referrals of the simulated history: who is referred where, by whom, by which pathway.

Every site's referrals are drawn so that their marginals are exactly the published counts (by
status and pathway, gender and ethnicity), spread over the days from the site's start to the
end of the published period; each is then given a referring partner, a person and its case
events.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from services.program import Program
from services.simulation import published as pub
from services.simulation.actions import Action, Channel
from services.simulation.casework import Case, case_events
from services.simulation.partners import (
    COMMUNITY_REFERRERS,
    INBOUND_AGENCIES,
    OFFENSE_DESCRIPTIONS,
    PREFERRED_PROSECUTOR,
    REFERRERS,
    ROLE_OF_AGENCY,
)
from services.simulation.people import Referred, assign_people
from services.simulation.shares import apportion, scaled, weighted
from services.simulation.timeline import iso, local, spread


@dataclass
class PlannedReferral(Referred):
    key: str = ""
    pathway: str = ""
    status: str = ""
    referrer: str = ""

    @property
    def case(self) -> Case:
        return Case(self.key, self.pathway, self.status, self.referred_at)


def site_referrals(rng: random.Random, site: str, scale: float) -> list[PlannedReferral]:
    """The site's referrals with pathway, final status and demographics (marginals exact)."""
    records: list[tuple[str, str, str, str]] = []
    for status in pub.STATUSES:
        n = scaled(pub.REFERRALS_BY_SITE_STATUS[site][status], scale)
        columns: list[list[str]] = []
        for active, total in (
            (pub.ACTIVE_BY_SITE_PATHWAY[site], pub.REFERRALS_BY_SITE_PATHWAY[site]),
            (pub.GENDER_ACTIVE[site], pub.GENDER_TOTAL[site]),
            (pub.ETHNICITY_ACTIVE[site], pub.ETHNICITY_TOTAL[site]),
        ):
            counts = active if status == "active" else {k: total[k] - active[k] for k in total}
            values = [k for k, c in apportion(counts, n).items() for _ in range(c)]
            rng.shuffle(values)
            columns.append(values)
        records += [(status, p, g, e) for p, g, e in zip(*columns, strict=True)]
    rng.shuffle(records)
    days = spread(rng, pub.SITE_STARTS[site], pub.REFERRALS_UNTIL, len(records))
    referrals = []
    for (status, pathway, gender, ethnicity), day in zip(records, days, strict=True):
        at = local(day, rng.uniform(7.5, 19.5)).replace(microsecond=0)
        referrals.append(
            PlannedReferral(site, gender, ethnicity, at, pathway=pathway, status=status)
        )
    return referrals


def later_referrals(rng: random.Random, scale: float) -> list[PlannedReferral]:
    """The referrals made after the first snapshot (``published.LATER_REFERRALS``): active, no
    demographics reported yet."""
    referrals = []
    for site, pathways in pub.LATER_REFERRALS.items():
        for pathway, n in pathways.items():
            days = spread(rng, pub.LATER_REFERRALS_FROM, pub.LATER_SNAPSHOT, scaled(n, scale))
            for day in days:
                at = local(day, rng.uniform(7.5, 19.5)).replace(microsecond=0)
                referrals.append(
                    PlannedReferral(
                        site, "unknown", "unknown", at, pathway=pathway, status="active"
                    )
                )
    return referrals


def referral_actions(
    rng: random.Random, seed: int, scale: float, program: Program
) -> tuple[list[Action], int]:
    """Every referral with its case events, in order; and how many are re-referrals."""
    referrals = [r for site in pub.SITES for r in site_referrals(rng, site, scale)]
    referrals += later_referrals(rng, scale)
    referrals.sort(key=lambda r: (r.referred_at, r.site))
    for index, referral in enumerate(referrals, start=1):
        referral.key = f"R{index:05d}"
        options = (
            COMMUNITY_REFERRERS
            if referral.pathway == "community"
            else REFERRERS[(referral.site, referral.pathway)]
        )
        referral.referrer = weighted(rng, options)
    re_referrals = assign_people(rng, referrals)
    actions: list[Action] = []
    for index, referral in enumerate(referrals, start=1):
        site = program.site(referral.site)
        assert site is not None
        made = _referral(rng, referral, program, index, f"{seed}-{scale:g}")
        events = case_events(rng, referral.case, site.case_management[0])
        if events and events[0].sent_at <= made.sent_at:
            raise AssertionError(f"{referral.key}: a case event before its referral")
        actions += [made, *events]
    return actions, re_referrals


def _referral(
    rng: random.Random, referral: PlannedReferral, program: Program, index: int, run: str
) -> Action:
    """The referral as its partner sends it (inbound submissions carry a stable id)."""
    body: dict[str, Any] = {
        "pathway": referral.pathway,
        "site": referral.site,
        "referred_at": iso(referral.referred_at),
        "referring_agency": referral.referrer,
        "person": referral.person,
    }
    if referral.gender != "unknown":
        body["gender"] = referral.gender
    if referral.ethnicity != "unknown":
        body["ethnicity"] = referral.ethnicity
    if referral.pathway == "prebooking":
        body["arrest"] = _arrest(rng, referral, program, 100 * index + rng.randint(0, 99))
    channel: Channel = "inbound" if referral.referrer in INBOUND_AGENCIES else "http"
    if channel == "inbound":
        body["submission_id"] = f"{referral.referrer}-sim-{run}-{referral.key}"
        body["submitted_by"] = referral.referrer
    sent = referral.referred_at + timedelta(minutes=rng.uniform(5, 240))
    return Action(
        name=f"{referral.key}/referral",
        kind="referral",
        sent_at=sent.replace(microsecond=0),
        occurred_on=referral.referred_at.date(),
        role=ROLE_OF_AGENCY[referral.referrer],
        agency=referral.referrer,
        channel=channel,
        path="/referrals",
        body=body,
        chain=referral.key,
    )


def _arrest(
    rng: random.Random, referral: PlannedReferral, program: Program, number: int
) -> dict[str, Any]:
    site = program.site(referral.site)
    assert site is not None
    agency = referral.referrer
    allowed = site.prosecutors_for(agency)
    preferred = PREFERRED_PROSECUTOR.get(agency)
    if preferred and preferred[0] in allowed and rng.random() < preferred[1]:
        prosecutor = preferred[0]
    else:
        others = [p for p in allowed if not preferred or p != preferred[0]] or list(allowed)
        prosecutor = rng.choice(others)
    statutes = rng.sample(list(site.eligible_offenses), k=1 if rng.random() < 0.8 else 2)
    charges = [
        {
            "statute": statute,
            "description": OFFENSE_DESCRIPTIONS.get(statute, "eligible LEAD offense"),
            "level": "misdemeanor",
        }
        for statute in statutes
    ]
    year = referral.referred_at.year % 100
    return {
        "report_number": f"{agency.upper()}-{year:02d}-{number:06d}",
        "arresting_agency": agency,
        "prosecuting_agency": prosecutor,
        "charges": charges,
    }
