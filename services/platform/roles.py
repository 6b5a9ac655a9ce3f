"""The roles of the program's people and systems (api.md, "Callers and credentials")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    law_enforcement = "law_enforcement"
    justice_partner = "justice_partner"
    community_partner = "community_partner"
    case_manager = "case_manager"
    prosecutor = "prosecutor"
    oend = "oend"
    evaluator = "evaluator"
    admin = "admin"
