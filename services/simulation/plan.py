"""The simulated LA County LEAD history as a list of actions, in the order partners send them.

Pure: no network, no database, no clock (``today`` is passed in). The same seed and scale give
the same plan, action for action. ``scale=1.0`` reproduces the published page's counts exactly
(see ``published``); other scales apportion every published count (largest remainders) so that
the plan's totals stay consistent with each other.

Everything here is synthetic: people are drawn from small built-in name lists, never from real
records; some people are referred again with their name spelled differently (case, accents,
hyphens), which intake must recognise as the same participant.
"""

from __future__ import annotations

import calendar
import math
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, Final, Literal
from zoneinfo import ZoneInfo

from services.intake.domain.participants import normalize_name
from services.program import Program, default_program
from services.simulation import published as pub

LA: Final = ZoneInfo("America/Los_Angeles")
Channel = Literal["http", "inbound"]

INBOUND_AGENCIES: Final = frozenset({"lasd"})
"""Agencies whose referrals arrive on ``lead.inbound.referrals`` instead of over HTTP."""
OEND_AGENCY: Final = "dph-sapc"
EVALUATOR_AGENCY: Final = "usc-keck"

ROLE_OF_AGENCY: Final[dict[str, str]] = {
    "lapd": "law_enforcement",
    "lasd": "law_enforcement",
    "lbpd": "law_enforcement",
    "la-probation": "justice_partner",
    "lahsa": "community_partner",
    "dmh": "community_partner",
    "hopics": "case_manager",
    "chpla": "case_manager",
    "alma": "case_manager",
    OEND_AGENCY: "oend",
    EVALUATOR_AGENCY: "evaluator",
}

REFERRERS: Final[dict[tuple[str, str], tuple[tuple[str, float], ...]]] = {
    (pub.SOUTH_LA, "prebooking"): (("lasd", 0.55), ("lbpd", 0.45)),
    (pub.SOUTH_LA, "social_contact"): (("lasd", 0.35), ("lbpd", 0.35), ("la-probation", 0.3)),
    (pub.HOLLYWOOD, "prebooking"): (("lapd", 1.0),),
    (pub.HOLLYWOOD, "social_contact"): (("lapd", 0.7), ("la-probation", 0.3)),
    (pub.EAST_LA, "prebooking"): (("lasd", 1.0),),
    (pub.EAST_LA, "social_contact"): (("lasd", 0.8), ("la-probation", 0.2)),
}
COMMUNITY_REFERRERS: Final = (("lahsa", 0.6), ("dmh", 0.4))
PREFERRED_PROSECUTOR: Final[dict[str, tuple[str, float]]] = {
    "lbpd": ("lbcp", 0.8),  # misdemeanors mostly go to the city prosecutor
    "lapd": ("lacityatty", 0.85),
}

OFFENSE_DESCRIPTIONS: Final[dict[str, str]] = {
    "HS 11350(a)": "possession of a controlled substance",
    "HS 11357": "possession of cannabis",
    "HS 11364": "possession of drug paraphernalia",
    "HS 11377(a)": "possession of methamphetamine",
    "HS 11550(a)": "under the influence of a controlled substance",
    "PC 647(b)": "engaging in prostitution",
}

GIVEN_NAMES: Final = (
    "Alex", "Andrea", "Angel", "Ana", "Bianca", "Carlos", "Carmen", "Dana", "Darnell", "Denise",
    "Destiny", "Elena", "Erika", "Gabriel", "Gloria", "Imani", "Jamal", "Janelle", "Jasmine",
    "José", "Juan", "Kiara", "Lakisha", "Latoya", "Luis", "María", "Mary-Ann", "Marcus",
    "Monique", "Nia", "Raúl", "Renée", "Rosa", "Shanice", "Sofía", "Tanya", "Terrence", "Tiana",
    "Valeria", "Xavier", "Yolanda", "Zoë",
)  # fmt: skip
FAMILY_NAMES: Final = (
    "Alvarez", "Banks", "Brooks", "Castillo", "Coleman", "Cruz", "Díaz", "Dixon", "Ellis",
    "Flores", "Fuentes", "García-Ortiz", "Gómez", "Greene", "Hayes", "Herrera", "Jackson-Reed",
    "Jenkins", "Lopez", "Marsh", "Medina", "Morales", "Muñoz", "Nuñez", "Owens", "Peña",
    "Perkins", "Pierce", "Ramírez", "Reyes", "Robinson", "Sandoval", "Simmons", "Tate", "Vega",
    "Wallace", "Warren", "Watts", "Whitfield", "Zamora",
)  # fmt: skip
INACTIVE_REASONS: Final = (
    "no contact with the case manager for 90 days",
    "moved out of the service area",
    "in custody on an unrelated matter",
    "declined further services",
    "goals of the care plan met; chose to step back",
    "referred to a residential program outside LEAD",
)

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


@dataclass(frozen=True)
class Action:
    """One write a partner sends, at ``sent_at``.

    ``chain`` names the referral (``R0001``) or evaluation subject (``S0001``) the action
    belongs to: the first action of a chain creates its id, the later ones need it (the
    referral id goes into ``path``'s ``{id}``, the subject id into the body's ``subject_id``).
    """

    name: str
    kind: str
    sent_at: datetime
    occurred_on: date
    role: str
    agency: str
    channel: Channel
    path: str
    body: dict[str, Any]
    chain: str | None = None

    @property
    def creates_chain(self) -> bool:
        return self.kind in ("referral", "cohort_member")


@dataclass(frozen=True)
class Plan:
    seed: int
    scale: float
    actions: tuple[Action, ...]
    expected_re_referrals: int

    def count(self, kind: str) -> int:
        return sum(1 for a in self.actions if a.kind == kind)

    @property
    def last_day(self) -> date:
        return max(max(a.sent_at.date(), a.occurred_on) for a in self.actions)


# --- helpers --------------------------------------------------------------------------------


def scaled(n: int, scale: float) -> int:
    return math.floor(n * scale + 0.5)


def apportion(counts: Mapping[str, int], total: int) -> dict[str, int]:
    """``total`` split in proportion to ``counts`` (largest remainders, ties by key order)."""
    whole = sum(counts.values())
    if whole == 0:
        return dict.fromkeys(counts, 0)
    shares = {k: v * total / whole for k, v in counts.items()}
    result = {k: math.floor(s) for k, s in shares.items()}
    order = sorted(counts, key=lambda k: (-(shares[k] - result[k]), list(counts).index(k)))
    for key in order[: total - sum(result.values())]:
        result[key] += 1
    return result


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    names = [name for name, _ in options]
    return rng.choices(names, weights=[w for _, w in options])[0]


def _iso(moment: datetime) -> str:
    return moment.astimezone(LA).isoformat(timespec="seconds")


def _local(day: date, hours: float) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LA) + timedelta(hours=hours)


def _spread(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    span = (end - start).days
    return sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(n))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spelled_differently(rng: random.Random, name: str) -> str:
    """The same name as another clerk might type it (intake normalises these together)."""
    variants = [
        name.upper(),
        name.lower(),
        _strip_accents(name),
        name.replace("-", " "),
        _strip_accents(name).upper(),
    ]
    rng.shuffle(variants)
    for variant in variants:
        if variant != name and normalize_name(variant) == normalize_name(name):
            return variant
    return name.upper()


# --- referrals ------------------------------------------------------------------------------


@dataclass
class _Referral:
    key: str
    site: str
    pathway: str
    status: str
    gender: str
    ethnicity: str
    referred_at: datetime = field(default_factory=lambda: datetime.min.replace(tzinfo=LA))
    referrer: str = ""
    person: dict[str, str] = field(default_factory=dict)
    re_referral: bool = False


def _site_referrals(rng: random.Random, site: str, scale: float) -> list[_Referral]:
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
    start = pub.SITE_STARTS[site]
    days = _spread(rng, start, pub.REFERRALS_UNTIL, len(records))
    referrals = []
    for (status, pathway, gender, ethnicity), day in zip(records, days, strict=True):
        referral = _Referral("", site, pathway, status, gender, ethnicity)
        referral.referred_at = _local(day, rng.uniform(7.5, 19.5)).replace(microsecond=0)
        referrals.append(referral)
    return referrals


def _people(rng: random.Random, referrals: list[_Referral]) -> int:
    """Give each referral a person; about 1 in 10 is someone referred before. Re-referrals."""
    seen: set[tuple[str, str, str]] = set()
    earlier: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    re_referrals = 0
    for referral in referrals:
        group = (referral.site, referral.gender, referral.ethnicity)
        candidates = earlier.get(group, [])
        if candidates and rng.random() < 0.1:
            first = rng.choice(candidates)
            referral.person = {
                "given_name": spelled_differently(rng, first["given_name"]),
                "family_name": spelled_differently(rng, first["family_name"]),
                "date_of_birth": first["date_of_birth"],
            }
            referral.re_referral = True
            re_referrals += 1
            continue
        while True:
            given, family = rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES)
            age_days = rng.randint(19 * 365 + 5, 68 * 365)
            born = referral.referred_at.date() - timedelta(days=age_days)
            identity = (normalize_name(given), normalize_name(family), born.isoformat())
            if identity not in seen:
                break
        seen.add(identity)
        referral.person = {"given_name": given, "family_name": family, "date_of_birth": str(born)}
        earlier.setdefault(group, []).append(referral.person)
    return re_referrals


@dataclass
class _Chain:
    """Builds one referral's actions, keeping them in order and recorded after they occur."""

    referral: _Referral
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
        key = self.referral.key
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
        self.add(kind, path, path, {"completed_at": _iso(at)}, at, sent)

    def status(self, status: str, reason: str, at: datetime, n: int) -> None:
        body = {"status": status, "reason": reason, "changed_at": _iso(at)}
        self.add("status", f"status-{n}", "status", body, at)


def _days(referral: _Referral, low: float, high: float, rng: random.Random) -> datetime:
    return (referral.referred_at + timedelta(days=rng.uniform(low, high))).replace(microsecond=0)


def _case_events(rng: random.Random, referral: _Referral, case_manager: str) -> list[Action]:
    chain = _Chain(referral, case_manager, rng)
    prebooking = referral.pathway == "prebooking"
    inactive = referral.status == "inactive"
    if prebooking:
        options = [("on_time", 0.8), ("late_record", 0.1), ("late_complete", 0.1)]
        if inactive:
            options = [
                ("on_time", 0.62),
                ("late_record", 0.1),
                ("late_complete", 0.13),
                ("withdrawn", 0.15),
            ]
        scenario = _weighted(rng, options)
    else:
        scenario = "withdrawn" if inactive and rng.random() < 0.04 else "ordinary"
    last = referral.referred_at
    if scenario == "withdrawn":
        if rng.random() < 0.5:
            last = _days(referral, 0.3, 10, rng)
            chain.completion("assessment", last)
        withdrew = max(last + timedelta(days=1), _days(referral, 2, 25, rng))
        chain.status("inactive", "participant withdrew from LEAD", withdrew, 1)
        chain.add(
            "withdrawal", "withdrawal", "withdrawal", {"withdrew_at": _iso(withdrew)}, withdrew
        )
        return chain.actions
    if scenario in ("on_time", "late_record"):
        assessed = _days(referral, 0.1, 10, rng)
        planned = min(assessed + timedelta(days=rng.uniform(0.5, 16)), _days(referral, 28, 28, rng))
        chain.completion("assessment", assessed)
        late = _days(referral, 33, 50, rng) if scenario == "late_record" else None
        chain.completion("care_plan", planned, late)
        last = planned
    elif scenario == "late_complete":
        assessed = _days(referral, 5, 40, rng)
        planned = max(assessed + timedelta(days=1), _days(referral, 32, 80, rng))
        chain.completion("assessment", assessed)
        chain.completion("care_plan", planned)
        last = planned
    elif rng.random() < 0.92:
        last = _days(referral, 0.5, 30, rng)
        chain.completion("assessment", last)
        if rng.random() < 0.85:
            last = last + timedelta(days=rng.uniform(2, 40))
            chain.completion("care_plan", last)
    _final_status(rng, chain, last)
    return chain.actions


def _final_status(rng: random.Random, chain: _Chain, last: datetime) -> None:
    limit = _local(pub.SNAPSHOT, 17)
    if chain.referral.status == "inactive":
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


def _arrest(
    rng: random.Random, referral: _Referral, program: Program, number: int
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


def _referral_actions(
    rng: random.Random, seed: int, scale: float, program: Program
) -> tuple[list[Action], int]:
    referrals = [r for site in pub.SITES for r in _site_referrals(rng, site, scale)]
    referrals.sort(key=lambda r: (r.referred_at, r.site))
    for index, referral in enumerate(referrals, start=1):
        referral.key = f"R{index:05d}"
        options = (
            COMMUNITY_REFERRERS
            if referral.pathway == "community"
            else REFERRERS[(referral.site, referral.pathway)]
        )
        referral.referrer = _weighted(rng, options)
    re_referrals = _people(rng, referrals)
    actions: list[Action] = []
    for index, referral in enumerate(referrals, start=1):
        site = program.site(referral.site)
        assert site is not None
        body: dict[str, Any] = {
            "pathway": referral.pathway,
            "site": referral.site,
            "referred_at": _iso(referral.referred_at),
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
            body["submission_id"] = f"{referral.referrer}-sim-{seed}-{scale:g}-{referral.key}"
            body["submitted_by"] = referral.referrer
        sent = referral.referred_at + timedelta(minutes=rng.uniform(5, 240))
        actions.append(
            Action(
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
        )
        case_events = _case_events(rng, referral, site.case_management[0])
        if case_events and case_events[0].sent_at <= actions[-1].sent_at:
            raise AssertionError(f"{referral.key}: a case event before its referral")
        actions += case_events
    return actions, re_referrals


# --- naloxone -------------------------------------------------------------------------------


def _months(period: pub.Period) -> list[tuple[date, date]]:
    months = []
    day = period.start
    while day <= period.end:
        nxt = add_months(day.replace(day=1), 1)
        months.append((day, min(nxt - timedelta(days=1), period.end)))
        day = nxt
    return months


def _monthly(rng: random.Random, period: pub.Period, total: int) -> list[tuple[date, date, int]]:
    months = _months(period)
    weights = {str(i): rng.randint(50, 150) for i in range(len(months))}
    split = apportion(weights, total)
    return [(a, b, split[str(i)]) for i, (a, b) in enumerate(months) if split[str(i)] > 0]


def _naloxone_actions(rng: random.Random, scale: float) -> list[Action]:
    actions = []
    for table, kind, field_name, amount in (
        (pub.KITS, "naloxone_distribution", "distributed_on", "kits"),
        (pub.USES, "naloxone_use", "reported_on", "uses"),
    ):
        for channel, periods in table.items():
            for period, count in periods.items():
                for first, last, n in _monthly(rng, period, scaled(count, scale)):
                    day = first + timedelta(days=rng.randint(0, (last - first).days))
                    sent = _local(last, 24 * rng.randint(3, 12) + rng.uniform(9, 16))
                    body: dict[str, Any] = {"channel": channel, amount: n, field_name: str(day)}
                    if kind == "naloxone_distribution":
                        body["doses"] = n * pub.DOSES_PER_KIT
                    actions.append(
                        Action(
                            name=f"N/{kind}/{channel}/{first:%Y-%m}",
                            kind=kind,
                            sent_at=sent.replace(microsecond=0),
                            occurred_on=day,
                            role="oend",
                            agency=OEND_AGENCY,
                            channel="http",
                            path="/naloxone/distributions"
                            if kind == "naloxone_distribution"
                            else "/naloxone/uses",
                            body=body,
                        )
                    )
    return actions


# --- evaluation -----------------------------------------------------------------------------


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


def _evaluation_actions(rng: random.Random, scale: float) -> list[Action]:
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
                    gender=_weighted(rng, (("female", 0.6), ("male", 0.36), ("trans_woman", 0.04))),
                    ethnicity=_weighted(
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


# --- the plan -------------------------------------------------------------------------------


def build_plan(
    seed: int = 2017,
    scale: float = 1.0,
    *,
    today: date | None = None,
    program: Program | None = None,
) -> Plan:
    """Every action of the simulated history, in the order partners send them.

    ``today`` (when given) is checked: no action may lie after it. ``program`` defaults to the
    shipped site configuration (eligible offenses, prosecutors, case-management agencies).
    """
    if not 0 < scale <= 1000:
        raise ValueError(f"scale must be in (0, 1000], not {scale}")
    program = program if program is not None else default_program()
    rng = random.Random(f"lead-simulation/{seed}")
    referral_actions, re_referrals = _referral_actions(rng, seed, scale, program)
    actions = [
        *referral_actions,
        *_naloxone_actions(rng, scale),
        *_evaluation_actions(rng, scale),
    ]
    actions.sort(key=lambda a: (a.sent_at, a.name))
    plan = Plan(seed, scale, tuple(actions), re_referrals)
    if today is not None and actions and plan.last_day > today:
        raise ValueError(f"the simulated history runs to {plan.last_day}, after {today}")
    return plan
