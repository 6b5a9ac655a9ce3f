"""Who sends what in the simulated history: the partner agencies and their roles.

The agencies are the program's shipped configuration (``services/platform/sites.toml``); this
module says how often each refers, which prosecutor its arrests usually go to, and which of them
publish on the inbound topic instead of calling the HTTP API.
"""

from __future__ import annotations

from typing import Final

from services.simulation import published as pub

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
