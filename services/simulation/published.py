"""The published LA County LEAD page's numbers, as the simulation targets them.

Source: ``docs/reference/la-county-lead-odr-report.txt``, the Office of Diversion and Reentry's
public LEAD page (copied from ``../shared/reference/``). The page contradicts itself in places;
every number below is one that agrees with the page's other tables, and each choice is
explained where it is made. Where the page says nothing (how a year row splits by month, the
dates of reported uses, ...) the simulation invents plausible detail but never changes a
published total.

Inconsistencies of the page (and what the simulation does about each):

1. Referrals by site and status. The first "Summary of LEAD Referrals by Site" table (Hollywood
   38 active / 30 inactive / 68, SLA/NLB 153 / 176 / 329, East LA 11 / 0 / 11, all sites
   202 / 206 / 408) adds up row- and column-wise. The pathway table disagrees with it: its
   Hollywood "Total N" is printed as 63 although its cells 1 + 62 + 5 add up to 68; its SLA/NLB
   "Active N" is 163 (42 + 121) instead of 153, making "Total Active N" 212 instead of 202. The
   later summary by pathway gives East LA 16 referrals (and 413 for all sites) instead of 11.
   TARGET: the first table (408 referrals; 202 active, 206 inactive) as of the first snapshot,
   the later summary as of the second (see 10.).
2. Referrals by pathway. Totals per site are taken from the pathway table's cells, which agree
   with the site totals: pre-booking 1 / 131 / 0, social contact 62 / 198 / 11, community
   5 / 0 / 0 (Hollywood / SLA-NLB / East LA; totals 68 / 329 / 11; all sites 132 / 271 / 5).
   Active by pathway: Hollywood 0 / 33 / 5 (= 38) and East LA 0 / 11 / 0 agree with the site
   table. SLA/NLB's printed 42 / 121 / 0 adds up to 163, not the 153 active of the site table
   (its percentages, 27% and 79%, were computed on 153 and add up to 106%). TARGET: keep the 42
   active pre-booking referrals (they also appear in the all-sites row) and take 153 - 42 = 111
   active social-contact referrals, so that active referrals by pathway add up to 153.
3. "Social Contract" (sic) is the social contact pathway; "Total Refereed Inactive" (sic) is
   "referred, inactive". East LA's active percentages (1%) and the all-sites "Total Active %"
   of 1% should read 100%.
4. Demographics. The per-site category counts do not add up to the site totals: Hollywood gender
   67 of 68 referrals, ethnicity 66 of 68 (active 37 of 38); SLA/NLB gender 328 of 329 (active
   152 of 153), ethnicity 319 of 329 (active 144 of 153). The simulation sends those referrals
   without the category (the report shows them as ``unknown``): gender unknown 1 + 1, ethnicity
   unknown 2 + 10 (of which 1 + 9 active). East LA's categories add up to 11.
5. SLA/NLB Latinx is printed as 33 in the first demographics table but 83 (25%) in the later one;
   the all-sites Latinx total of 101 (= 83 + 7 + 11) and the 25% confirm 83. TARGET: 83.
6. Percentages that do not add up: e.g. all-sites active gender 64% + 38% + 4% = 106%; Hollywood
   "Other" ethnicity 4% of 68. The software computes percentages itself; none are targeted.
7. Naloxone. The third year row is labelled "2021 Doses" but holds kits (19,781 = half of the
   next row's 39,562 doses). The "LA 50K (since 7/1/21)" row is a subset of the year rows for
   DHS providers (2,724 of 2021's 3,744), OEND direct (3,251 of 9,604) and jail vending (1,770 of
   6,133): the channel totals (9,729 = 841 + 5,144 + 3,744, ...) count them only once. But the
   3,441 kits of the LA 50K partners appear in no year row although they are in the totals
   (53,250 = 841 + 29,187 + 19,781 + 3,441). TARGET: the year rows as printed, LA 50K kits of
   the other channels dated 2021-07-01 .. 2021-12-31, and the LA 50K partners' 3,441 kits dated
   in 2022 (a year the page does not show), so that every published total is reproduced.
   Doses are 2 per kit throughout (the page's dose rows are exactly twice its kit rows).
8. Reported uses: LA 50K partners 132 (all LA 50K, so dated in 2022 with their kits); OEND
   direct 4,776 of which 1,092 LA 50K (dated 2021-07-01 .. 2021-12-31; the other 3,684 in
   2020-01 .. 2021-06). No other channel reports uses ("-").
9. Outcomes. The evaluation (CSULB, Malm et al. 2020) published adjusted odds ratios; its row
   "Probation months at 12 months" is modelled, as in ``reports.md``, as any probation in the
   window. The page gives no subject counts. Each published 12-month interval is wider than the
   6-month one although the 12-month outcomes include the 6-month ones: fewer subjects were
   followed for 12 months. The simulation enrols 450 LEAD and 450 comparison subjects at
   SLA/NLB, 330 of each with index dates from 2018-01 to 2019-06 (followed 12 months at the
   data cutoff, 2020-06-30) and 120 from 2019-07 to 2019-12 (followed 6 months); its calibrated
   cohort (``evaluation_cohort.csv``, ``tools/calibrate_evaluation.py``) gives every published
   AOR and both CI bounds to two decimals when reporting fits its model to the events as of the
   cutoff. Felony arrest at 6 months cannot be reached (see ``CLOSEST_REACHABLE``).
10. Two site summaries. The page's later summary counts 413 referrals: East LA 16 instead of 11
   (16 social contact), all sites 276 social contact instead of 271; the other sites unchanged.
   Its Hollywood social-contact percentage (90%) is 62/68 = 91% half up. The simulation adds
   five East LA social-contact referrals made from July to September 2022, after the first
   snapshot (2022-06-30), and the second snapshot is 2022-09-30: as of each day reporting gives
   that day's summary. The five are active and their demographics are not yet reported, so
   every published demographic count is the same at both days (the page's demographics table
   after the later summary still shows East LA's 11: its percentages, 36% / 64%, are of 11).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

HOLLYWOOD: Final = "hollywood"
SOUTH_LA: Final = "south-la-north-long-beach"
EAST_LA: Final = "east-la"
SITES: Final = (HOLLYWOOD, SOUTH_LA, EAST_LA)

SITE_STARTS: Final[dict[str, date]] = {
    SOUTH_LA: date(2017, 11, 1),
    HOLLYWOOD: date(2019, 5, 1),
    EAST_LA: date(2021, 5, 1),
}
REFERRALS_UNTIL: Final = date(2021, 12, 31)
"""The last day of referrals the first site summary counts (it reports LA 50K through 2021,
East LA since May)."""
SNAPSHOT: Final = date(2022, 6, 30)
"""The first snapshot: the day every number of the page but the later site summary stands at
(referrals through 2021 with their status as of June 2022, the LA 50K partners' 2022 kits)."""
LATER_REFERRALS_FROM: Final = date(2022, 7, 1)
LATER_SNAPSHOT: Final = date(2022, 9, 30)
"""The second snapshot: the later "Summary of LEAD Referrals by Site" (413 referrals) counts the
referrals made from ``LATER_REFERRALS_FROM`` to this day too (see 10.)."""

STATUSES: Final = ("active", "inactive")
PATHWAYS: Final = ("prebooking", "social_contact", "community")
GENDERS: Final = ("female", "male", "trans_woman", "trans_man", "other", "unknown")
ETHNICITIES: Final = (
    "black",
    "asian_pacific_islander",
    "white",
    "latinx",
    "native_american",
    "other",
    "unknown",
)

# --- Referrals ------------------------------------------------------------------------------

REFERRALS_BY_SITE_STATUS: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"active": 38, "inactive": 30},
    SOUTH_LA: {"active": 153, "inactive": 176},
    EAST_LA: {"active": 11, "inactive": 0},
}
"""First "Summary of LEAD Referrals by Site" table (see 1.)."""

REFERRALS_BY_SITE_PATHWAY: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"prebooking": 1, "social_contact": 62, "community": 5},
    SOUTH_LA: {"prebooking": 131, "social_contact": 198, "community": 0},
    EAST_LA: {"prebooking": 0, "social_contact": 11, "community": 0},
}
"""Pathway table, "Total N" cells (see 2.)."""

ACTIVE_BY_SITE_PATHWAY: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"prebooking": 0, "social_contact": 33, "community": 5},
    SOUTH_LA: {"prebooking": 42, "social_contact": 111, "community": 0},  # printed: 42 / 121
    EAST_LA: {"prebooking": 0, "social_contact": 11, "community": 0},
}
"""Pathway table, "Active N" cells, SLA/NLB reconciled with the site table (see 2.)."""

# Demographics: the published counts plus the referrals without the category (see 4., 5.).
GENDER_TOTAL: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"female": 18, "male": 34, "trans_woman": 14, "trans_man": 0, "other": 1,
                "unknown": 1},
    SOUTH_LA: {"female": 228, "male": 99, "trans_woman": 1, "trans_man": 0, "other": 0,
               "unknown": 1},
    EAST_LA: {"female": 4, "male": 7, "trans_woman": 0, "trans_man": 0, "other": 0,
              "unknown": 0},
}  # fmt: skip
GENDER_ACTIVE: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"female": 6, "male": 25, "trans_woman": 7, "trans_man": 0, "other": 0,
                "unknown": 0},
    SOUTH_LA: {"female": 112, "male": 40, "trans_woman": 0, "trans_man": 0, "other": 0,
               "unknown": 1},
    EAST_LA: {"female": 4, "male": 7, "trans_woman": 0, "trans_man": 0, "other": 0,
              "unknown": 0},
}  # fmt: skip
ETHNICITY_TOTAL: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"black": 35, "asian_pacific_islander": 1, "white": 20, "latinx": 7,
                "native_american": 0, "other": 3, "unknown": 2},
    SOUTH_LA: {"black": 157, "asian_pacific_islander": 4, "white": 72, "latinx": 83,
               "native_american": 3, "other": 0, "unknown": 10},
    EAST_LA: {"black": 0, "asian_pacific_islander": 0, "white": 0, "latinx": 11,
              "native_american": 0, "other": 0, "unknown": 0},
}  # fmt: skip
ETHNICITY_ACTIVE: Final[dict[str, dict[str, int]]] = {
    HOLLYWOOD: {"black": 19, "asian_pacific_islander": 1, "white": 13, "latinx": 3,
                "native_american": 0, "other": 1, "unknown": 1},
    SOUTH_LA: {"black": 82, "asian_pacific_islander": 0, "white": 28, "latinx": 31,
               "native_american": 3, "other": 0, "unknown": 9},
    EAST_LA: {"black": 0, "asian_pacific_islander": 0, "white": 0, "latinx": 11,
              "native_american": 0, "other": 0, "unknown": 0},
}  # fmt: skip

# --- Naloxone -------------------------------------------------------------------------------

LA_50K_SINCE: Final = date(2021, 7, 1)
DOSES_PER_KIT: Final = 2


@dataclass(frozen=True)
class Period:
    """A stretch of days over which a published count is spread (both ends included)."""

    name: str
    start: date
    end: date


P2019: Final = Period("2019", date(2019, 1, 1), date(2019, 12, 31))
P2020: Final = Period("2020", date(2020, 1, 1), date(2020, 12, 31))
P2021_H1: Final = Period("2021-h1", date(2021, 1, 1), date(2021, 6, 30))
P2021_LA50K: Final = Period("2021-la50k", LA_50K_SINCE, date(2021, 12, 31))
P2022_LA50K: Final = Period("2022-la50k", date(2022, 1, 1), SNAPSHOT)
P2020_2021_H1: Final = Period("2020-2021-h1", date(2020, 1, 1), date(2021, 6, 30))

KITS: Final[dict[str, dict[Period, int]]] = {
    "dhs_providers": {P2019: 841, P2020: 5_144, P2021_H1: 3_744 - 2_724, P2021_LA50K: 2_724},
    "la_50k_partners": {P2022_LA50K: 3_441},  # in no year row of the page (see 7.)
    "oend_direct_to_community": {P2020: 9_739, P2021_H1: 9_604 - 3_251, P2021_LA50K: 3_251},
    "jail_vending": {P2020: 14_304, P2021_H1: 6_133 - 1_770, P2021_LA50K: 1_770},
    "jail_in_custody": {P2021_H1: 300},
}
"""Kits by channel and period: every published kit (and so dose) count is a sum of these."""

USES: Final[dict[str, dict[Period, int]]] = {
    "la_50k_partners": {P2022_LA50K: 132},
    "oend_direct_to_community": {P2020_2021_H1: 4_776 - 1_092, P2021_LA50K: 1_092},
}
"""Reported uses by channel and period (see 8.)."""

PUBLISHED_KITS_BY_YEAR: Final[dict[str, dict[str, int]]] = {
    "2019": {"dhs_providers": 841},
    "2020": {"dhs_providers": 5_144, "oend_direct_to_community": 9_739, "jail_vending": 14_304},
    "2021": {
        "dhs_providers": 3_744,
        "oend_direct_to_community": 9_604,
        "jail_vending": 6_133,
        "jail_in_custody": 300,
    },
    "2022": {"la_50k_partners": 3_441},  # not on the page (see 7.)
    "la_50k": {
        "dhs_providers": 2_724,
        "la_50k_partners": 3_441,
        "oend_direct_to_community": 3_251,
        "jail_vending": 1_770,
    },
    "total": {
        "dhs_providers": 9_729,
        "la_50k_partners": 3_441,
        "oend_direct_to_community": 19_343,
        "jail_vending": 20_437,
        "jail_in_custody": 300,
    },
}
"""The page's kit rows, as the reporting service should reproduce them (total 53,250)."""

PUBLISHED_USES: Final[dict[str, dict[str, int]]] = {
    "total": {"la_50k_partners": 132, "oend_direct_to_community": 4_776},
    "la_50k": {"la_50k_partners": 132, "oend_direct_to_community": 1_092},
}

# --- Outcomes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublishedAor:
    outcome: str
    window_months: int
    aor: float
    ci_low: float
    ci_high: float

    @property
    def numbers(self) -> tuple[float, float, float]:
        return self.aor, self.ci_low, self.ci_high


@dataclass(frozen=True)
class ClosestReachable:
    """The numbers a cohort does reach for a published row that none reaches, and why."""

    reached: PublishedAor
    why: str

    @property
    def outcome(self) -> str:
        return self.reached.outcome

    @property
    def window_months(self) -> int:
        return self.reached.window_months

    @property
    def reachable(self) -> tuple[float, float, float]:
        return self.reached.numbers


PUBLISHED_AORS: Final = (
    PublishedAor("misdemeanor_arrest", 6, 0.52, 0.35, 0.78),
    PublishedAor("felony_arrest", 6, 0.13, 0.07, 0.29),
    PublishedAor("felony_case_filed", 6, 0.14, 0.05, 0.37),
    PublishedAor("misdemeanor_arrest", 12, 0.65, 0.45, 0.91),
    PublishedAor("felony_arrest", 12, 0.19, 0.08, 0.45),
    PublishedAor("felony_case_filed", 12, 0.21, 0.07, 0.59),
    PublishedAor("probation", 12, 0.24, 0.10, 0.60),
)
CLOSEST_REACHABLE: Final = (
    ClosestReachable(
        PublishedAor("felony_arrest", 6, 0.14, 0.07, 0.29),
        "the published interval (0.07, 0.29) is centred on 0.142 (log scale); a Wald interval"
        " around an AOR that rounds to 0.13 cannot have bounds that round to 0.07 and 0.29",
    ),
)
"""Published rows no cohort can reproduce exactly, with the closest numbers that are reached."""

# --- The later site summary (see 10.) ------------------------------------------------------------

LATER_REFERRALS: Final[dict[str, dict[str, int]]] = {EAST_LA: {"social_contact": 5}}
"""Referrals made after the first snapshot, by site and pathway: active, demographics not yet
reported."""
LATER_SUMMARY: Final[dict[str, dict[str, int]]] = {
    SOUTH_LA: {"prebooking": 131, "social_contact": 198, "community": 0},
    HOLLYWOOD: {"prebooking": 1, "social_contact": 62, "community": 5},
    EAST_LA: {"prebooking": 0, "social_contact": 16, "community": 0},
}
"""The later "Summary of LEAD Referrals by Site" (all sites 413: 132 / 276 / 5)."""

EVALUATION_SITE: Final = SOUTH_LA
EVALUATION_SUBJECTS_PER_COHORT: Final = 450
EVALUATION_FOLLOWED_12_PER_COHORT: Final = 330
"""Subjects per cohort whose 12-month window had closed at the cutoff (the others entered
later and were followed for 6 months only)."""
EVALUATION_INDEX_FROM: Final = date(2018, 1, 1)
EVALUATION_LATE_ENTRY_FROM: Final = date(2019, 7, 1)
"""Index dates of the subjects followed 12 months run up to the day before, the others' from."""
EVALUATION_INDEX_TO: Final = date(2019, 12, 31)
EVALUATION_CUTOFF: Final = date(2020, 6, 30)
"""The evaluation's data cutoff (CSULB, Malm et al. 2020): the published odds ratios are those
of ``GET /reports/outcomes?to=2020-06-30``, the subjects indexed and observed up to then."""
