"""The program configuration: shipped defaults, new sites as data, clear errors."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events.categories import ChargeLevel, CompletionStep, Pathway, Site
from events.common import Charge
from events.payloads import Arrest, ReferralMade
from services.intake.domain.referral import INITIAL, MakeReferral, ValidationFailure, decide
from services.program import (
    AGENCY_ROLES,
    CONFIG_ENV,
    DEFAULT_ELIGIBLE_OFFENSES,
    Program,
    ProgramConfigError,
    Role,
    default_program,
    load_program,
    normalize_statute,
    shipped_config_text,
)

LA = ZoneInfo("America/Los_Angeles")

AGENCIES = """
[agencies.avpd]
name = "Antelope Valley Police"
role = "law_enforcement"

[agencies.avda]
name = "Antelope Valley Prosecutor"
role = "prosecutor"

[agencies.avcm]
name = "Antelope Valley Case Management"
role = "case_management"
"""

NEW_SITE = (
    AGENCIES
    + """
[sites.antelope-valley]
name = "Antelope Valley"
service_planning_area = "SPA 1"
started = "2025-01"
time_zone = "America/Los_Angeles"
case_management = ["avcm"]
law_enforcement = ["avpd"]
prosecutors = ["avda"]
eligible_offenses = ["hs 11350 (A)", "pc 602"]
completion_condition = ["assessment"]
"""
)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "program.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ProgramConfigError) as info:
        load_program(write(tmp_path, text))
    assert str(tmp_path) in str(info.value)
    return info.value.problems


# --- shipped defaults ---------------------------------------------------------------------


def test_the_shipped_file_is_package_data() -> None:
    assert "[sites.hollywood]" in shipped_config_text()


def test_default_sites() -> None:
    program = load_program()
    assert set(program.sites) == {s.value for s in Site}
    south = program.sites["south-la-north-long-beach"]
    assert south.name == "South Los Angeles / North Long Beach"
    assert south.service_planning_area == "SPA 6, 8"
    assert south.started_on == date(2017, 11, 1)
    assert (south.case_management, south.law_enforcement) == (("hopics",), ("lasd", "lbpd"))
    assert south.prosecutors == ("lada", "lbcp")
    hollywood = program.sites["hollywood"]
    assert (hollywood.started, hollywood.case_management) == ("2019-05", ("chpla",))
    assert (hollywood.law_enforcement, hollywood.prosecutors) == (("lapd",), ("lacityatty", "lada"))
    assert hollywood.other_partners == ("usc-keck",)
    east = program.sites["east-la"]
    assert (east.service_planning_area, east.started) == ("SPA 7", "2021-05")
    assert (east.case_management, east.law_enforcement, east.prosecutors) == (
        ("alma",),
        ("lasd",),
        ("lada",),
    )
    assert east.other_partners == ("dph-sapc", "lacada", "usc-keck")
    for site in program.sites.values():
        assert site.zone == LA
        assert site.eligible_offenses == DEFAULT_ELIGIBLE_OFFENSES
        assert site.completion_condition == (CompletionStep.ASSESSMENT, CompletionStep.CARE_PLAN)


def test_default_agencies_and_roles() -> None:
    program = load_program()
    roles = {code: agency.role.value for code, agency in program.agencies.items()}
    assert roles == {
        "lasd": "law_enforcement",
        "lbpd": "law_enforcement",
        "lapd": "law_enforcement",
        "lada": "prosecutor",
        "lbcp": "prosecutor",
        "lacityatty": "prosecutor",
        "la-probation": "justice_partner",
        "la-public-defender": "justice_partner",
        "hopics": "case_manager",
        "chpla": "case_manager",
        "alma": "case_manager",
        "lahsa": "community_partner",
        "dmh": "community_partner",
        "dph-sapc": "program_partner",
        "lacada": "program_partner",
        "usc-keck": "program_partner",
    }
    lasd = program.agency("lasd")
    assert lasd is not None and lasd.name == "Los Angeles County Sheriff's Department"


def test_lookups() -> None:
    program = load_program()
    assert program.site("nowhere") is None
    assert program.agency("nobody") is None
    assert [s.code for s in program.sites_of("lasd")] == ["south-la-north-long-beach", "east-la"]
    assert {a.code for a in program.agencies_with_role(Role.case_manager)} == {
        "hopics",
        "chpla",
        "alma",
    }
    south = program.sites["south-la-north-long-beach"]
    assert south.prosecutors_for("lasd") == ("lada",)
    assert south.prosecutors_for("lbpd") == ("lbcp", "lada")


def test_default_program_is_loaded_once() -> None:
    assert default_program() is default_program()


def test_the_environment_variable_names_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(CONFIG_ENV, str(write(tmp_path, NEW_SITE)))
    assert set(load_program().sites) == {"antelope-valley"}
    monkeypatch.delenv(CONFIG_ENV)
    assert "hollywood" in load_program().sites


# --- a new site is data ---------------------------------------------------------------------


def test_a_new_site_works_without_code_change(tmp_path: Path) -> None:
    program = load_program(write(tmp_path, NEW_SITE))
    site = program.sites["antelope-valley"]
    assert site.eligible_offenses == ("HS 11350(a)", "PC 602")
    assert site.completion_condition == (CompletionStep.ASSESSMENT,)

    def referral(statute: str) -> MakeReferral:
        return MakeReferral(
            referral_id=uuid4(),
            participant_id=uuid4(),
            is_re_referral=False,
            site="antelope-valley",
            pathway=Pathway.PREBOOKING,
            referred_at=datetime(2025, 2, 1, 10, tzinfo=LA),
            referring_agency="avpd",
            gender=None,
            ethnicity=None,
            age_at_referral=None,
            arrest=Arrest(
                report_number="AV-1",
                arresting_agency="avpd",
                prosecuting_agency="avda",
                charges=(Charge(statute=statute, description="x", level=ChargeLevel.MISDEMEANOR),),
            ),
        )

    now = datetime(2025, 2, 1, 12, tzinfo=LA)
    [event] = decide(referral("PC 602"), INITIAL, now, program)
    assert isinstance(event, ReferralMade)
    with pytest.raises(ValidationFailure) as info:
        decide(referral("HS 11357"), INITIAL, now, program)
    assert info.value.fields == ["arrest.charges.0.statute"]
    assert "HS 11350(a), PC 602" in info.value.reason


def test_defaults_table_applies_to_sites_that_do_not_override_it(tmp_path: Path) -> None:
    text = '[defaults]\neligible_offenses = ["PC 602"]\n' + NEW_SITE.replace(
        'eligible_offenses = ["hs 11350 (A)", "pc 602"]\n', ""
    )
    program = load_program(write(tmp_path, text))
    assert program.sites["antelope-valley"].eligible_offenses == ("PC 602",)


def test_without_defaults_table_the_built_in_defaults_apply(tmp_path: Path) -> None:
    text = NEW_SITE.replace('eligible_offenses = ["hs 11350 (A)", "pc 602"]\n', "")
    site = load_program(write(tmp_path, text)).sites["antelope-valley"]
    assert site.eligible_offenses == DEFAULT_ELIGIBLE_OFFENSES


# --- errors -------------------------------------------------------------------------------


def test_a_site_naming_an_undefined_agency(tmp_path: Path) -> None:
    problems = problems_of(tmp_path, NEW_SITE.replace('["avpd"]', '["avpd", "ghost"]'))
    assert problems == [
        "sites.antelope-valley.law_enforcement: agency 'ghost' is not defined under [agencies]"
    ]


def test_an_agency_with_the_wrong_role(tmp_path: Path) -> None:
    problems = problems_of(
        tmp_path, NEW_SITE.replace('prosecutors = ["avda"]', 'prosecutors = ["avpd"]')
    )
    assert problems == [
        "sites.antelope-valley.prosecutors: agency 'avpd' has role 'law_enforcement',"
        " expected 'prosecutor'"
    ]


def test_every_problem_is_listed(tmp_path: Path) -> None:
    text = (
        NEW_SITE.replace('case_management = ["avcm"]', 'case_management = ["avpd"]').replace(
            'law_enforcement = ["avpd"]', 'law_enforcement = ["avcm", "nope"]'
        )
        + '\n[sites.antelope-valley.prosecutor_for]\navpd = ["lada"]\n'
    )
    problems = problems_of(tmp_path, text)
    assert len(problems) == 5, problems
    assert any("case_management: agency 'avpd' has role" in p for p in problems)
    assert any("law_enforcement: agency 'avcm' has role" in p for p in problems)
    assert any("'nope' is not defined" in p for p in problems)
    assert any("prosecutor_for: 'avpd' is not one of" in p for p in problems)
    assert any("prosecutor_for.avpd: 'lada' is not one of" in p for p in problems)


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (('time_zone = "America/Los_Angeles"', 'time_zone = "Mars/Olympus"'), "time_zone"),
        (('started = "2025-01"', 'started = "January 2025"'), "started"),
        (('completion_condition = ["assessment"]', 'completion_condition = ["x"]'), "completion"),
        (('completion_condition = ["assessment"]', "completion_condition = []"), "completion"),
        (('role = "prosecutor"', 'role = "judge"'), "agencies.avda.role"),
        (('name = "Antelope Valley"', 'name = "AV"\ncolour = "red"'), "colour"),
    ],
)
def test_field_errors_name_the_field(tmp_path: Path, change: tuple[str, str], where: str) -> None:
    problems = problems_of(tmp_path, NEW_SITE.replace(*change))
    assert any(where in p for p in problems), problems


def test_not_toml(tmp_path: Path) -> None:
    assert "not valid TOML" in problems_of(tmp_path, "[sites\n")[0]


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProgramConfigError, match="cannot read"):
        load_program(tmp_path / "missing.toml")


def test_an_unknown_top_level_table(tmp_path: Path) -> None:
    assert "unknown top-level" in problems_of(tmp_path, "[site.x]\nname = 'x'\n")[0]


def test_the_program_model_is_frozen() -> None:
    program = load_program()
    with pytest.raises(ValueError):
        program.sites["hollywood"].name = "x"  # type: ignore[misc]
    assert isinstance(program, Program)


# --- statutes -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("HS 11350(a)", "HS 11350(a)"),
        ("hs 11350 (a)", "HS 11350(a)"),
        ("  Hs11350(A) ", "HS 11350(a)"),
        ("pc 647 ( b )", "PC 647(b)"),
        ("HS 11357", "HS 11357"),
        ("PC 245(a)(1)", "PC 245(a)(1)"),
    ],
)
def test_statute_normalisation(written: str, canonical: str) -> None:
    assert normalize_statute(written) == canonical


def test_eligibility_ignores_case_and_spacing() -> None:
    hollywood = load_program().sites["hollywood"]
    assert hollywood.is_eligible("hs 11350 (a)")
    assert hollywood.is_eligible("PC647(B)")
    assert not hollywood.is_eligible("PC 245(a)(1)")
    assert not hollywood.is_eligible("HS 11350(b)")


@given(st.sampled_from(DEFAULT_ELIGIBLE_OFFENSES), st.randoms(use_true_random=False))
def test_any_case_and_spacing_of_a_statute_is_the_same(statute: str, rnd: random.Random) -> None:
    respelled = "".join(
        (c.upper() if rnd.random() < 0.5 else c.lower()) + " " * rnd.randint(0, 2) for c in statute
    )
    assert normalize_statute(respelled) == statute
    assert normalize_statute(normalize_statute(respelled)) == statute


def test_agencies_share_the_callers_role_vocabulary(tmp_path: Path) -> None:
    program = load_program()
    assert {a.role for a in program.agencies.values()} <= AGENCY_ROLES
    assert load_program(write(tmp_path, NEW_SITE)).agencies["avcm"].role is Role.case_manager
    system_role = NEW_SITE.replace('role = "case_management"', 'role = "admin"')
    assert any("not an agency role" in p for p in problems_of(tmp_path, system_role))
