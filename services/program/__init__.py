"""The program's configuration: its agencies and their roles, its sites and their rules
(eligible offenses, completion condition, time zone). Data, not code: a new site or partner is
a change to ``sites.toml``."""

from services.program.config import (
    CONFIG_ENV,
    DEFAULT_COMPLETION_CONDITION,
    DEFAULT_ELIGIBLE_OFFENSES,
    PROGRAM_TIME_ZONE,
    Agency,
    Program,
    ProgramConfigError,
    Site,
    default_program,
    load_program,
    normalize_statute,
    program_from_toml,
    shipped_config_text,
)
from services.program.roles import AGENCY_ROLES, Role

__all__ = [
    "AGENCY_ROLES",
    "CONFIG_ENV",
    "DEFAULT_COMPLETION_CONDITION",
    "DEFAULT_ELIGIBLE_OFFENSES",
    "PROGRAM_TIME_ZONE",
    "Agency",
    "Program",
    "ProgramConfigError",
    "Role",
    "Site",
    "default_program",
    "load_program",
    "normalize_statute",
    "program_from_toml",
    "shipped_config_text",
]
