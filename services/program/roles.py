"""The roles of the program's agencies, people and systems: one vocabulary (domain.md,
"Agency codes"; api.md, "Callers and credentials").

An agency of the program has one of the agency roles; a caller's token has a role too: its
agency's, or one of the system roles (``oend``, ``evaluator``, ``admin``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Role(StrEnum):
    law_enforcement = "law_enforcement"
    prosecutor = "prosecutor"
    justice_partner = "justice_partner"
    case_manager = "case_manager"
    community_partner = "community_partner"
    program_partner = "program_partner"
    oend = "oend"
    evaluator = "evaluator"
    admin = "admin"


AGENCY_ROLES: Final = frozenset(
    {
        Role.law_enforcement,
        Role.prosecutor,
        Role.justice_partner,
        Role.case_manager,
        Role.community_partner,
        Role.program_partner,
    }
)
"""The roles an agency of the program may have (the rest are roles of systems)."""

ALIASES: Final = {"case_management": Role.case_manager}
"""Earlier spellings accepted in a program file."""
