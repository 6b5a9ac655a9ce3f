"""The program's configuration: partner agencies and sites, loaded from a TOML file.

Sites, partners, eligible offenses and the completion condition are data: a new site or
partner is a change to ``sites.toml`` (format documented at the top of that file), never to
code. ``load_program()`` reads the shipped file, or the file named by ``LEAD_PROGRAM_CONFIG``,
and checks that every agency a site names exists with the right role.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Final, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from events.categories import AgencyCode, CompletionStep, SiteCode
from services.program.roles import AGENCY_ROLES, ALIASES, Role

CONFIG_ENV: Final = "LEAD_PROGRAM_CONFIG"
"""Environment variable naming a program file to load instead of the shipped one."""

DEFAULT_ELIGIBLE_OFFENSES: Final = (
    "HS 11350(a)",
    "HS 11357",
    "HS 11364",
    "HS 11377(a)",
    "HS 11550(a)",
    "PC 647(b)",
)
DEFAULT_COMPLETION_CONDITION: Final = (CompletionStep.ASSESSMENT, CompletionStep.CARE_PLAN)
"""What declines the charges unless a site says otherwise (domain.md: assessment AND care plan)."""
PROGRAM_TIME_ZONE: Final = "America/Los_Angeles"
"""The program's time zone (domain.md): deadlines and report days, unless a site says otherwise."""

_CODE_AND_SECTION = re.compile(r"([A-Za-z]+)(.*)")


def normalize_statute(statute: str) -> str:
    """The canonical spelling: ``"hs 11350 (A)"`` -> ``"HS 11350(a)"``.

    The code (HS, PC, VC...) is upper case, followed by one space; the section and its
    subdivisions are lower case with no spaces. Equal statutes have equal canonical spellings.
    """
    compact = "".join(statute.split())
    match = _CODE_AND_SECTION.fullmatch(compact)
    if match is None:
        return compact.lower()
    code, section = match.groups()
    return f"{code.upper()} {section.lower()}" if section else code.upper()


def _valid_statute(statute: str) -> str:
    if not statute.strip():
        raise ValueError("a statute must not be empty")
    return normalize_statute(statute)


Statute = Annotated[str, AfterValidator(_valid_statute)]
"""A statute, stored in its canonical spelling."""


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Agency(_Config):
    code: AgencyCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    role: Role

    @field_validator("role", mode="before")
    @classmethod
    def _agency_role(cls, value: object) -> object:
        value = ALIASES.get(str(value), value)
        if value not in AGENCY_ROLES:
            raise ValueError(f"not an agency role: {value!r}; one of {sorted(AGENCY_ROLES)}")
        return value


def _in_step_order(steps: tuple[CompletionStep, ...]) -> tuple[CompletionStep, ...]:
    return tuple(step for step in CompletionStep if step in steps)


class Site(_Config):
    code: SiteCode
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
    service_planning_area: str
    started: Annotated[str, StringConstraints(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
    """The month the site started, ``YYYY-MM``."""
    time_zone: str = PROGRAM_TIME_ZONE
    case_management: tuple[AgencyCode, ...] = Field(min_length=1)
    law_enforcement: tuple[AgencyCode, ...] = ()
    prosecutors: tuple[AgencyCode, ...] = ()
    prosecutor_for: dict[AgencyCode, tuple[AgencyCode, ...]] = {}
    """Arresting agency -> the prosecutors its arrests may go to (default: any of the site's)."""
    other_partners: tuple[AgencyCode, ...] = ()
    eligible_offenses: tuple[Statute, ...] = DEFAULT_ELIGIBLE_OFFENSES
    completion_condition: Annotated[
        tuple[CompletionStep, ...], Field(min_length=1), AfterValidator(_in_step_order)
    ] = DEFAULT_COMPLETION_CONDITION

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def started_on(self) -> date:
        """The first day of the month the site started."""
        year, month = self.started.split("-")
        return date(int(year), int(month), 1)

    def is_eligible(self, statute: str) -> bool:
        """Whether a charge under ``statute`` may be diverted here (case and spacing ignored)."""
        return normalize_statute(statute) in self.eligible_offenses

    def prosecutors_for(self, arresting_agency: str) -> tuple[str, ...]:
        """The prosecutors an arrest by ``arresting_agency`` at this site may go to."""
        return self.prosecutor_for.get(arresting_agency, self.prosecutors)

    @property
    def partners(self) -> tuple[str, ...]:
        """Every agency code the site names, each once."""
        codes = (
            *self.case_management,
            *self.law_enforcement,
            *self.prosecutors,
            *self.other_partners,
        )
        return tuple(dict.fromkeys(codes))


class Program(_Config):
    """Every agency and site, keyed by code; agencies named by sites exist with the right role."""

    agencies: dict[AgencyCode, Agency]
    sites: dict[SiteCode, Site]

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = list(self._problems())
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _problems(self) -> Iterable[str]:
        for key, agency in self.agencies.items():
            if key != agency.code:
                yield f"agencies.{key}: code {agency.code!r} differs from its key"
        for key, site in self.sites.items():
            if key != site.code:
                yield f"sites.{key}: code {site.code!r} differs from its key"
            yield from self._site_problems(site)

    def _site_problems(self, site: Site) -> Iterable[str]:
        where = f"sites.{site.code}"
        expected = {
            "case_management": (site.case_management, Role.case_manager),
            "law_enforcement": (site.law_enforcement, Role.law_enforcement),
            "prosecutors": (site.prosecutors, Role.prosecutor),
            "other_partners": (site.other_partners, None),
        }
        for field, (codes, role) in expected.items():
            for code in codes:
                agency = self.agencies.get(code)
                if agency is None:
                    yield f"{where}.{field}: agency {code!r} is not defined under [agencies]"
                elif role is not None and agency.role is not role:
                    yield (
                        f"{where}.{field}: agency {code!r} has role {agency.role.value!r},"
                        f" expected {role.value!r}"
                    )
        for arresting, prosecutors in site.prosecutor_for.items():
            if arresting not in site.law_enforcement:
                yield (
                    f"{where}.prosecutor_for: {arresting!r} is not one of the site's"
                    f" law_enforcement agencies {list(site.law_enforcement)}"
                )
            for code in prosecutors:
                if code not in site.prosecutors:
                    yield (
                        f"{where}.prosecutor_for.{arresting}: {code!r} is not one of the"
                        f" site's prosecutors {list(site.prosecutors)}"
                    )

    def site(self, code: str) -> Site | None:
        return self.sites.get(code)

    def agency(self, code: str) -> Agency | None:
        return self.agencies.get(code)

    def agencies_with_role(self, role: Role) -> tuple[Agency, ...]:
        return tuple(a for a in self.agencies.values() if a.role is role)

    def sites_of(self, agency_code: str) -> tuple[Site, ...]:
        """The sites naming ``agency_code`` as a partner."""
        return tuple(s for s in self.sites.values() if agency_code in s.partners)


class ProgramConfigError(ValueError):
    """The program file cannot be used; ``problems`` lists every reason."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid program configuration {source}:\n{listing}")


def program_from_toml(data: Mapping[str, Any], source: str = "<toml>") -> Program:
    """A program from parsed TOML (see ``sites.toml`` for the format)."""
    unknown = set(data) - {"defaults", "agencies", "sites"}
    if unknown:
        raise ProgramConfigError(source, [f"unknown top-level table(s): {sorted(unknown)}"])
    defaults = dict(data.get("defaults", {}))
    unknown_defaults = set(defaults) - {"eligible_offenses", "completion_condition"}
    if unknown_defaults:
        raise ProgramConfigError(source, [f"defaults: unknown key(s) {sorted(unknown_defaults)}"])
    raw = {
        "agencies": {
            code: {"code": code, **table} for code, table in data.get("agencies", {}).items()
        },
        "sites": {
            code: {"code": code, **defaults, **table}
            for code, table in data.get("sites", {}).items()
        },
    }
    try:
        return Program.model_validate(raw)
    except ValidationError as error:
        raise ProgramConfigError(source, _describe(error)) from error


def _describe(error: ValidationError) -> list[str]:
    problems: list[str] = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"])
        message = item["msg"].removeprefix("Value error, ")
        if where:
            problems.append(f"{where}: {message}")
        else:
            problems.extend(message.splitlines())
    return problems


def shipped_config_text() -> str:
    """The text of the ``sites.toml`` shipped in the ``services.program`` package."""
    return resources.files("services.program").joinpath("sites.toml").read_text(encoding="utf-8")


def load_program(path: Path | None = None) -> Program:
    """Load ``path``; without one, the file named by ``LEAD_PROGRAM_CONFIG``, else the shipped one.

    Raises ``ProgramConfigError`` listing every problem when the file is unusable.
    """
    if path is None and os.environ.get(CONFIG_ENV):
        path = Path(os.environ[CONFIG_ENV])
    if path is None:
        source, text = "services/program/sites.toml (shipped)", shipped_config_text()
    else:
        source = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ProgramConfigError(source, [f"cannot read the file: {error}"]) from error
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ProgramConfigError(source, [f"not valid TOML: {error}"]) from error
    return program_from_toml(data, source)


@cache
def default_program() -> Program:
    """``load_program()`` once per process (``default_program.cache_clear()`` to reload)."""
    return load_program()
